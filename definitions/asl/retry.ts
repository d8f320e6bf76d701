/**
 * Error handling of a state: which error names a `Retry` or `Catch` rule takes (`ErrorEquals`,
 * with the wildcards `States.ALL` and `States.TaskFailed`), whether a failed attempt is retried
 * and after how long, and which Catch rule takes an error that is not retried.
 *
 * `States.Runtime` is never retried nor caught, even when named: AWS ends the execution. Each
 * retrier counts its own retries; `MaxAttempts: 0` means that retrier never retries.
 */
import { STATES_ERRORS } from './errors.js';
import type { RandomSource } from './random.js';
import type { Catcher, Retrier } from './types.js';

export const RETRY_DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 } as const;

/** Whether a rule listing `errorEquals` takes the error named `error`. */
export function matchesError(errorEquals: readonly string[], error: string): boolean {
  if (error === STATES_ERRORS.runtime) return false;
  // A missed heartbeat is a timeout too: `States.Timeout` takes it, `States.TaskFailed` takes neither.
  const timeout = error === STATES_ERRORS.timeout || error === STATES_ERRORS.heartbeatTimeout;
  return errorEquals.some(
    (name) => name === error || name === STATES_ERRORS.all || (name === STATES_ERRORS.taskFailed && !timeout) || (name === STATES_ERRORS.timeout && timeout),
  );
}

/** The first retrier that takes the error, or -1. */
export function matchingRetrier(retriers: readonly Retrier[], error: string): number {
  return retriers.findIndex((r) => matchesError(r.ErrorEquals, error));
}

export type RetryDecision =
  /** Try again after `delayMs`; `retries` is the new count of retries per retrier. */
  | { retry: true; delayMs: number; retrier: number; retries: number[] }
  | { retry: false };

/**
 * What happens after an attempt failed with `error`, given how often each retrier has retried
 * already (`retries`, one count per retrier; missing counts are 0).
 */
export function decideRetry(retriers: readonly Retrier[], error: string, retries: readonly number[], random: RandomSource): RetryDecision {
  const index = matchingRetrier(retriers, error);
  if (index < 0) return { retry: false };
  const retrier = retriers[index]!;
  const done = retries[index] ?? 0;
  if (done >= (retrier.MaxAttempts ?? RETRY_DEFAULTS.MaxAttempts)) return { retry: false };
  const counts = retriers.map((_, i) => (i === index ? done + 1 : (retries[i] ?? 0)));
  return { retry: true, delayMs: retryDelayMs(retrier, done, random), retrier: index, retries: counts };
}

/**
 * The wait before retry number `done + 1`: IntervalSeconds × BackoffRate^done, at most
 * MaxDelaySeconds; with `JitterStrategy: FULL`, a random share of that.
 */
export function retryDelayMs(retrier: Retrier, done: number, random: RandomSource): number {
  const interval = retrier.IntervalSeconds ?? RETRY_DEFAULTS.IntervalSeconds;
  const backoff = retrier.BackoffRate ?? RETRY_DEFAULTS.BackoffRate;
  let seconds = interval * backoff ** done;
  if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') seconds *= random();
  return Math.round(seconds * 1000);
}

/** The first Catch rule that takes the error, or -1. */
export function matchingCatcher(catchers: readonly Catcher[], error: string): number {
  return catchers.findIndex((c) => matchesError(c.ErrorEquals, error));
}
