/**
 * What the MongoDB adapter reads from a store URL itself: the database (the driver would default to
 * `test`), the hosts for messages (never the credentials), and which options the URL sets, so the
 * adapter's defaults never override them. Everything else is left to the driver.
 */
import { StoreError } from '../errors.js';

export const DEFAULT_DATABASE = 'segue';

export interface MongoUrl {
  /** The URL's path, or `segue` when it has none. */
  database: string;
  /** `host[:port]` list as written, without credentials. */
  hosts: string;
  /** Lower-cased names of the options in the query string. */
  options: ReadonlySet<string>;
}

const SHAPE = /^mongodb(?:\+srv)?:\/\/([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/s;
const FORBIDDEN = /[/\\. "$*<>:|?\0]/;

/** MongoDB's rules for database names (the stricter Windows set, so data can move between hosts). */
export function checkDatabaseName(name: string): string {
  if (name === '' || FORBIDDEN.test(name) || Buffer.byteLength(name) > 63) {
    throw new StoreError(
      'STORE_INVALID',
      `"${name}" is not a valid MongoDB database name: use 1 to 63 characters, none of / \\ . " $ * < > : | ? or spaces`,
    );
  }
  return name;
}

export function parseMongoUrl(url: string): MongoUrl {
  const match = SHAPE.exec(url);
  const authority = match?.[1] ?? '';
  const hosts = authority.slice(authority.lastIndexOf('@') + 1);
  if (!match || hosts === '') {
    throw new StoreError('STORE_INVALID', 'the MongoDB store URL must look like mongodb://host[:port][,host…]/database[?options]');
  }
  let path: string;
  try {
    path = decodeURIComponent(match[2] ?? '');
  } catch {
    throw new StoreError('STORE_INVALID', 'the database name in the MongoDB store URL is not valid percent-encoding');
  }
  const options = new Set([...new URLSearchParams(match[3] ?? '').keys()].map((key) => key.toLowerCase()));
  return { database: path === '' ? DEFAULT_DATABASE : checkDatabaseName(path), hosts, options };
}
