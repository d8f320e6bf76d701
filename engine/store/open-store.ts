/**
 * Opens a Store from a URL: `sqlite:<path>`, `memory`, or `mongodb://…` / `mongodb+srv://…`.
 * The MongoDB adapter is loaded only when asked for; its module must export
 * `createMongoStore(url: string, options: { dataKeys?: DataKeys }): Store`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreError } from './errors.js';
import type { Store } from './port.js';
import type { DataKeys } from './stored-json.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

/** Options for the SQLite adapter (`sqlite:` and `memory`; see SqliteStoreOptions for defaults), and `dataKeys` for every adapter. */
export type OpenStoreOptions = Omit<SqliteStoreOptions, 'path'>;

const ACCEPTED = '"sqlite:<path>" (e.g. sqlite:./segue.db), "memory", or "mongodb://…" / "mongodb+srv://…"';

// A variable specifier keeps the optional adapter out of the static module graph.
const MONGODB_MODULE = './mongodb/mongodb-store.js';

interface MongoModule {
  createMongoStore(url: string, options: { dataKeys?: DataKeys }): Store;
}

async function loadMongoStore(url: string, dataKeys: DataKeys | undefined): Promise<Store> {
  let module: MongoModule;
  try {
    module = (await import(MONGODB_MODULE)) as MongoModule;
  } catch (err) {
    throw new StoreError('STORE_UNAVAILABLE', 'MongoDB store is not available in this build', { cause: err });
  }
  return module.createMongoStore(url, dataKeys ? { dataKeys } : {});
}

function sqlitePath(url: string): string {
  const path = url.slice('sqlite:'.length);
  if (path === '') throw new StoreError('STORE_INVALID', `store URL "${url}" has no file path; accepted forms: ${ACCEPTED}`);
  const absolute = resolve(process.cwd(), path);
  try {
    mkdirSync(dirname(absolute), { recursive: true });
  } catch (err) {
    throw new StoreError('STORE_INVALID', `could not open the SQLite database "${absolute}": its folder cannot be created (${(err as Error).message})`, { cause: err });
  }
  return absolute;
}

// Only the scheme of a URL that has one: the rest may hold credentials.
function describeUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  return scheme ? `scheme "${scheme}"` : `"${url}"`;
}

/** Creates the store for `url` and initialises it (tables and indexes). */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  let store: Store;
  if (url === 'memory') store = new SqliteStore({ ...options, path: ':memory:' });
  else if (url.startsWith('sqlite:')) store = new SqliteStore({ ...options, path: sqlitePath(url) });
  else if (url.startsWith('mongodb://') || url.startsWith('mongodb+srv://')) store = await loadMongoStore(url, options.dataKeys);
  else throw new StoreError('STORE_INVALID', `unknown store URL ${describeUrl(url)}; accepted forms: ${ACCEPTED}`);
  await store.init();
  return store;
}
