/**
 * Instance list cursors: the (createdAt, id) of the last item of a page, as base64url JSON. Keyset
 * pagination on that pair keeps pages stable while new instances are inserted: newer ones sort
 * before the cursor, so they never shift the rows after it.
 */
import { StoreError } from './errors.js';

export interface ListPosition {
  createdAt: number;
  id: string;
}

export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 2 || !Number.isFinite(value[0]) || typeof value[1] !== 'string') {
    throw new StoreError('STORE_INVALID', 'the cursor is not valid; pass the nextCursor of a previous page unchanged');
  }
  return { createdAt: value[0] as number, id: value[1] };
}

/** A page size must be a positive integer; the store reads one row more to know if a page follows. */
export function checkPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new StoreError('STORE_INVALID', `the page limit must be a positive integer, got ${limit}`);
  }
}
