/** What every adapter checks and decodes the same way, so its errors read the same on every store. */
import type { Json } from '../../definitions/model.js';
import { StoreError } from './errors.js';
import { INSTANCE_STATUSES, type InstanceStatus } from './port.js';

const STATUSES: ReadonlySet<string> = new Set(INSTANCE_STATUSES);

/**
 * The distinct statuses of a list filter; an empty list means no status filter, like an absent
 * one. An unknown status is refused.
 */
export function statusFilter(statuses: InstanceStatus[] | undefined): InstanceStatus[] {
  const distinct = [...new Set(statuses ?? [])];
  for (const status of distinct) {
    if (!STATUSES.has(status)) throw new StoreError('STORE_INVALID', `"${status}" is not an instance status; use one of ${[...STATUSES].join(', ')}`);
  }
  return distinct;
}

/** Counts and limits must be whole and not negative (SQLite reads -1 and MongoDB 0 as "no limit"). */
export function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new StoreError('STORE_INVALID', `${name} must be a whole number >= 0, got ${value}`);
  }
}

/** Stored JSON text back to a value; unreadable text is STORE_CORRUPT, naming what it was. */
export function parseJson<T = Json>(text: string, what: string): T {
  try {
    // The store reads back what it was given to keep: a record's state, a timer's input, its JSON.
    return JSON.parse(text) as T;
  } catch (err) {
    throw new StoreError('STORE_CORRUPT', `stored ${what} is not valid JSON`, { cause: err });
  }
}
