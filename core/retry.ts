/** When to retry a failed attempt, and after how long. */
import type { RetryPolicy } from '../definitions/model.js';
import type { ErrorInfo } from './model.js';

/** True when another attempt is allowed after `attempt` failed with `error`. */
export function shouldRetry(policy: RetryPolicy, attempt: number, error: ErrorInfo): boolean {
  if (error.retryable === false) return false;
  if (policy.nonRetryable.includes(error.error)) return false;
  return policy.maxAttempts === 0 || attempt < policy.maxAttempts;
}

/**
 * Delay before attempt `attempt + 1`: initial × coefficient^(attempt-1), capped at maxInterval,
 * with `jitter` of it randomised downwards (so the cap is never exceeded). `random` is in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const grown = policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1);
  // The growth may overflow to Infinity, which the cap takes care of; but 0 × Infinity is NaN.
  const base = policy.initialIntervalMs === 0 ? 0 : Math.min(policy.maxIntervalMs, grown);
  return Math.round(base * (1 - policy.jitter * random));
}
