/**
 * A case's `expect` against how its instance ended: one mismatch per difference, each at the
 * place in the test file it is about (the expected value, or its field), worded as a diff.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseDuration } from '../definitions/duration.js';
import type { Json } from '../definitions/model.js';
import { isRecord, quote, type Path } from '../definitions/messages.js';
import type { ErrorInfo } from '../core/model.js';
import type { ExpectDefinition } from './model.js';
import type { InstanceView } from '../protocol/instances.js';

/** What went differently than expected; `path` is in the test file. */
export interface Mismatch {
  path: Path;
  message: string;
}

/** How a case's instance ended, as its expectations see it. */
export interface Outcome {
  view: InstanceView;
  /** Every step started, retries left out. */
  path: string[];
  /** The steps whose compensation ran, in order. */
  compensations: string[];
  /** The steps the instance waits at (parallel and map steps waiting for their branches left out). */
  waitingAt: string[];
  elapsedMs: number;
  /** Why the instance cannot go on, when it cannot. */
  stuck?: string;
}

/** `at`: where the case's `expect` is in the test file. */
export function checkExpectations(expect: ExpectDefinition, outcome: Outcome, at: Path): Mismatch[] {
  const found: Mismatch[] = [];
  const { view } = outcome;
  if (expect.status !== undefined && expect.status !== view.status) {
    found.push({ path: [...at, 'status'], message: `status: expected ${expect.status}, got ${view.status}${statusContext(outcome)}` });
  }
  // An instance that cannot go on fails a case that does not say it is meant to wait.
  if (expect.status === undefined && outcome.stuck) found.push({ path: at, message: `${outcome.stuck}; if it is meant to wait, expect status: RUNNING` });
  if ('output' in expect) found.push(...diff(expect.output ?? null, view.output, 'output', [...at, 'output'], false));
  if ('outputContains' in expect) found.push(...diff(expect.outputContains ?? null, view.output, 'output', [...at, 'outputContains'], true));
  if ('data' in expect) found.push(...diff(expect.data ?? null, view.data, 'data', [...at, 'data'], true));
  if (expect.error !== undefined) found.push(...errorMismatches(expect.error, view.error, [...at, 'error']));
  const lists: [keyof Pick<ExpectDefinition, 'path' | 'compensations' | 'waitingAt'>, string[]][] = [
    ['path', outcome.path],
    ['compensations', outcome.compensations],
    ['waitingAt', outcome.waitingAt],
  ];
  for (const [field, actual] of lists) {
    const expected = expect[field];
    if (expected !== undefined) found.push(...listMismatches(field, expected, actual, [...at, field]));
  }
  if (expect.duration !== undefined && parseDuration(expect.duration) !== outcome.elapsedMs) {
    found.push({ path: [...at, 'duration'], message: `duration: expected ${expect.duration}, took ${formatElapsed(outcome.elapsedMs)} of virtual time` });
  }
  return found;
}

function statusContext(outcome: Outcome): string {
  const { view } = outcome;
  if (outcome.stuck) return `: ${outcome.stuck}`;
  if (view.error) return ` with ${describeError(view.error)}`;
  if (view.status === 'RUNNING' && outcome.waitingAt.length > 0) return `, at ${listOf(outcome.waitingAt)}`;
  return '';
}

export function describeError(error: ErrorInfo): string {
  return `${error.error}: ${error.message}${error.step ? ` (at step ${quote(error.step)})` : ''}`;
}

function errorMismatches(expected: NonNullable<ExpectDefinition['error']>, actual: ErrorInfo | null, at: Path): Mismatch[] {
  const wanted = typeof expected === 'string' ? { error: expected } : expected;
  if (actual === null) return [{ path: at, message: `error: expected ${wanted.error ?? 'an error'}, but the instance has no error` }];
  const found: Mismatch[] = [];
  for (const field of ['error', 'message', 'step'] as const) {
    const value = wanted[field];
    if (value === undefined || value === actual[field]) continue;
    const where = typeof expected === 'string' ? at : [...at, field];
    const got = actual[field] === undefined ? `no ${field}` : show(actual[field]);
    found.push({ path: where, message: `error${field === 'error' ? '' : `.${field}`}: expected ${show(value)}, got ${got}${field === 'error' ? ` (${actual.message})` : ''}` });
  }
  return found;
}

function listMismatches(field: string, expected: string[], actual: string[], at: Path): Mismatch[] {
  if (isDeepStrictEqual(expected, actual)) return [];
  const i = expected.findIndex((name, n) => name !== actual[n]);
  const first = i < 0 ? expected.length : i;
  const where = first < expected.length ? [...at, first] : at;
  const what =
    first >= actual.length ? `entry ${first + 1} is ${quote(expected[first]!)}, but there are only ${actual.length}`
    : first >= expected.length ? `${actual.length - expected.length} more after entry ${expected.length}`
    : `entry ${first + 1} is ${quote(actual[first]!)}, expected ${quote(expected[first]!)}`;
  return [{ path: where, message: `${field}: ${what}; got ${actual.length === 0 ? 'none' : listOf(actual)}` }];
}

function listOf(names: readonly string[]): string {
  return names.join(' → ');
}

/**
 * Differences between an expected value and the actual one. `partial`: objects need only have
 * the fields expected (at every depth); lists always need as many entries, each matched alike.
 */
export function diff(expected: Json, actual: Json | undefined, label: string, at: Path, partial: boolean): Mismatch[] {
  if (isRecord(expected) && isRecord(actual)) {
    const found: Mismatch[] = [];
    for (const [key, value] of Object.entries(expected)) {
      const name = `${label}.${key}`;
      if (!(key in actual)) found.push({ path: [...at, key], message: `${name}: expected ${show(value)}, but there is no ${key}` });
      else found.push(...diff(value, actual[key], name, [...at, key], partial));
    }
    if (!partial) {
      for (const key of Object.keys(actual)) {
        if (!(key in expected)) found.push({ path: at, message: `${label}: has ${key}: ${show(actual[key])}, which the test does not expect` });
      }
    }
    return found;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return [{ path: at, message: `${label}: expected a list of ${expected.length}, got a list of ${actual.length}: ${show(actual)}` }];
    }
    return expected.flatMap((value, i) => diff(value, actual[i], `${label}[${i}]`, [...at, i], partial));
  }
  if (isDeepStrictEqual(expected, actual)) return [];
  return [{ path: at, message: `${label}: expected ${show(expected)}, got ${actual === undefined ? 'nothing' : show(actual)}` }];
}

const SHOWN = 120;

/** A value in a mismatch: JSON, cut short when long. */
function show(value: Json | undefined): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}

/** Virtual time as a duration a test file could give back: `2d3h`, `1s500ms`, `0s`. */
export function formatElapsed(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length === 0 ? '0s' : parts.join('');
}
