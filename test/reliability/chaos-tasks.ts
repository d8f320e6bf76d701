/**
 * The chaos workload's one task, as the worker processes run it and as the harness predicts it:
 * the result depends only on the input, and the failures only on the input and the attempt.
 */
import { createHash } from 'node:crypto';

/** What every chaos task is given. */
export interface ChaosTaskInput {
  key: string;
  /** Names the task within its instance: each stage completes once per instance. */
  stage: string;
  /** The first `failTimes` attempts fail with a retryable error. */
  failTimes: number;
  /** After the deliberate failures, refuse for good (the saga's last step). */
  refuse?: boolean;
}

export type Outcome = 'ok' | 'failed' | 'refused';

/** One execution of a task by a worker, as the worker records it. */
export interface Execution {
  worker: string;
  type: string;
  instanceId: string;
  stage: string;
  attempt: number;
  outcome: Outcome;
}

/** The task's result value: a short digest of stage and key. */
export function taskValue(stage: string, key: string): string {
  return createHash('sha256').update(`${stage}:${key}`).digest('hex').slice(0, 12);
}

/** What an attempt does: fail on purpose, refuse, or succeed. */
export function attemptOutcome(input: ChaosTaskInput, attempt: number): Outcome {
  if (attempt <= input.failTimes) return 'failed';
  return input.refuse === true ? 'refused' : 'ok';
}

export class ChaosTaskError extends Error {
  constructor(
    override readonly name: 'Transient' | 'Refused',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
