/**
 * The SQLite side of the error normaliser: driver errors become StoreErrors with the same codes
 * and wording as every other adapter. Anything that is not a storage condition (a bug) passes
 * through unchanged so its stack still points at the cause.
 */
import Database from 'better-sqlite3';
import { StoreError, storeFailure, type StoreErrorCode } from '../errors.js';

const REASONS: ReadonlyArray<[prefix: string, code: StoreErrorCode, reason: string]> = [
  ['SQLITE_BUSY', 'STORE_BUSY', 'the database is locked by another connection; try again'],
  ['SQLITE_LOCKED', 'STORE_BUSY', 'the database is locked by another connection; try again'],
  ['SQLITE_FULL', 'STORE_UNAVAILABLE', 'the disk is full'],
  ['SQLITE_READONLY', 'STORE_UNAVAILABLE', 'the database file is read-only; check its permissions'],
  ['SQLITE_CANTOPEN', 'STORE_UNAVAILABLE', 'the database file cannot be opened; check the path and permissions'],
  ['SQLITE_IOERR', 'STORE_UNAVAILABLE', 'a disk I/O error occurred'],
  ['SQLITE_CORRUPT', 'STORE_CORRUPT', 'the database file is damaged'],
  ['SQLITE_NOTADB', 'STORE_CORRUPT', 'the file is not a SQLite database'],
];

export function normaliseSqliteError(err: unknown, action: string): unknown {
  if (err instanceof StoreError) return err;
  if (!(err instanceof Database.SqliteError)) return err;
  if (err.code.startsWith('SQLITE_CONSTRAINT')) {
    return storeFailure('STORE_CONFLICT', action, `a record with the same key already exists (${err.message})`, err);
  }
  const known = REASONS.find(([prefix]) => err.code.startsWith(prefix));
  if (known) return storeFailure(known[1], action, known[2], err);
  return storeFailure('STORE_UNAVAILABLE', action, err.message, err);
}
