/**
 * Named fault seams. An adapter declares a point with `faultPoint(name)` and calls the returned
 * check at that spot (inside its transaction, so the throw rolls everything back); a test arms the
 * point by name and the next pass through it fails with a storage error, exactly as a disk or
 * network failure at that spot would. With nothing armed a check is one Map size test.
 */
import { StoreError } from './errors.js';

const known = new Set<string>();
/** Armed point name → how many more passes fail. */
const armed = new Map<string, number>();

/** Declares a fault point; returns the check the adapter calls at that spot. */
export function faultPoint(name: string): () => void {
  known.add(name);
  return () => {
    if (armed.size !== 0) trip(name);
  };
}

function trip(name: string): void {
  const remaining = armed.get(name);
  if (remaining === undefined) return;
  if (remaining <= 1) armed.delete(name);
  else armed.set(name, remaining - 1);
  throw new StoreError('STORE_UNAVAILABLE', `storage failure injected at ${name}`);
}

export const faults = {
  /** Makes the next `times` passes through the named point fail. */
  arm(name: string, times = 1): void {
    if (!known.has(name)) {
      throw new Error(`no fault point named "${name}"; known points: ${[...known].sort().join(', ')}`);
    }
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
    armed.set(name, times);
  },
  disarmAll(): void {
    armed.clear();
  },
};
