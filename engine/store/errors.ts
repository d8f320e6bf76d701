/**
 * Storage errors. Every adapter passes its driver's errors through one normaliser into a
 * StoreError, so the engine and the API see the same codes and messages on every store.
 */

export type StoreErrorCode =
  /** The database cannot be reached, opened or written (I/O error, disk full, store closed). */
  | 'STORE_UNAVAILABLE'
  /** Another process holds the database lock longer than the busy timeout. */
  | 'STORE_BUSY'
  /** A write contradicts what is stored (a definition version taken by different content). */
  | 'STORE_CONFLICT'
  /** The caller passed something the store cannot use (a malformed cursor, a bad option). */
  | 'STORE_INVALID'
  /** The stored data is unreadable or was written by a newer version. */
  | 'STORE_CORRUPT'
  /** A stored value is sealed with a data key this engine does not have, or with another key under that id. */
  | 'STORE_KEY';

const RETRYABLE: ReadonlySet<StoreErrorCode> = new Set(['STORE_UNAVAILABLE', 'STORE_BUSY']);

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  /** True when the same call may succeed later without any change by the caller. */
  readonly retryable: boolean;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}

/** The error for a failed store operation: `could not <action>: <reason>`, phrased for a reader. */
export function storeFailure(code: StoreErrorCode, action: string, reason: string, cause?: unknown): StoreError {
  return new StoreError(code, `could not ${action}: ${reason}`, { cause });
}
