/**
 * The MongoDB side of the error normaliser: driver errors become StoreErrors with the same codes
 * and wording as every other adapter. Anything that is not a storage condition (a bug) passes
 * through unchanged so its stack still points at the cause.
 */
import {
  MongoAPIError,
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoParseError,
  MongoServerError,
  MongoServerSelectionError,
} from 'mongodb';
import { StoreError, storeFailure, type StoreErrorCode } from '../errors.js';

const DUPLICATE_KEY = 11000;

const SERVER_CODES: ReadonlyArray<[codes: number[], code: StoreErrorCode, reason: string]> = [
  [[DUPLICATE_KEY], 'STORE_CONFLICT', 'a record with the same key already exists'],
  [[18, 13], 'STORE_UNAVAILABLE', 'MongoDB refused the credentials, or the user may not use this database; check the store URL'],
  [[112, 50, 262], 'STORE_BUSY', 'MongoDB is busy with conflicting writes; try again'],
  [[10334, 17419], 'STORE_INVALID', 'the document would exceed the 16 MiB MongoDB allows'],
  [[85, 86], 'STORE_CORRUPT', 'an index exists with a different definition than this version of Segue expects'],
];

/** True for a duplicate-key error on a single write. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && !(err instanceof MongoBulkWriteError) && err.code === DUPLICATE_KEY;
}

/** True when every write of a failed unordered batch failed only because its key was taken. */
export function isOnlyDuplicates(err: unknown): boolean {
  if (!(err instanceof MongoBulkWriteError)) return isDuplicateKey(err);
  // A write concern failure means the writes that did go through are not known to be durable.
  if (err.err !== undefined || err.result?.getWriteConcernError?.() !== undefined) return false;
  const failures = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  return failures.length > 0 && failures.every((failure) => failure.code === DUPLICATE_KEY);
}

function reasonFor(err: MongoError): [StoreErrorCode, string] {
  if (err instanceof MongoServerSelectionError) {
    return ['STORE_UNAVAILABLE', `no MongoDB server could be reached (${err.message}); check that it is running and the store URL is right`];
  }
  if (err instanceof MongoNetworkError) return ['STORE_UNAVAILABLE', `the connection to MongoDB failed (${err.message})`];
  if (err instanceof MongoParseError) return ['STORE_INVALID', `the store URL is not valid: ${err.message}`];
  if (err instanceof MongoServerError) {
    const known = SERVER_CODES.find(([codes]) => codes.includes(Number(err.code)));
    if (known) return [known[1], `${known[2]} (${err.message})`];
  }
  if (err instanceof MongoAPIError && /closed/i.test(err.message)) return ['STORE_UNAVAILABLE', 'the store is closed'];
  return ['STORE_UNAVAILABLE', err.message];
}

export function normaliseMongoError(err: unknown, action: string): unknown {
  if (err instanceof StoreError || !(err instanceof MongoError)) return err;
  const [code, reason] = reasonFor(err);
  return storeFailure(code, action, reason, err);
}
