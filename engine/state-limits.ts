/**
 * The limits on what one instance may store (its state's size, its run's history), and what an
 * input that would break one becomes instead.
 */
import { formatBytes } from './bytes.js';
import { SegueError } from './errors.js';
import type { Limits } from './limits.js';
import type { EngineInput, ErrorInfo } from '../core/model.js';
import type { InstanceRecord } from './store/port.js';

export type StateLimits = Pick<Limits, 'maxInstanceDataBytes' | 'maxHistoryPerRun'>;

export interface LimitExcess {
  kind: 'history' | 'data';
  message: string;
}

/** Which limit `record` is over, and why, or null. */
export function overLimit(record: InstanceRecord, stateJson: string, limits: StateLimits): LimitExcess | null {
  const { maxInstanceDataBytes, maxHistoryPerRun } = limits;
  const state = record.state;
  if (state.seq > maxHistoryPerRun) {
    const message =
      `the history of run ${record.run} would pass ${maxHistoryPerRun} events; a workflow that loops for long should use a continue step to start a fresh run, ` +
      'and a map over thousands of items (each logs about 5 events) should map over batches of them, each run by a child workflow';
    return { kind: 'history', message };
  }
  const size = Buffer.byteLength(stateJson);
  if (size > maxInstanceDataBytes) {
    const message = `the instance data would grow to ${formatBytes(size)}, more than the ${formatBytes(maxInstanceDataBytes)} limit; keep large data elsewhere and store a reference`;
    return { kind: 'data', message };
  }
  return null;
}

/**
 * What is applied instead of an input whose decision broke a limit: a result fails its step
 * (which may catch LimitExceeded); an event is refused; anything else ends the run.
 */
export function replacementFor(input: EngineInput, reason: string): EngineInput {
  const error = limitError(reason);
  switch (input.type) {
    case 'taskCompleted':
      return { type: 'taskFailed', taskId: input.taskId, error, ...(input.worker ? { worker: input.worker } : {}), ...(input.startedAt !== undefined ? { startedAt: input.startedAt } : {}) };
    case 'childFinished':
      return { type: 'childFinished', childId: input.childId, status: 'FAILED', error };
    case 'callbackSucceeded':
      return { type: 'callbackFailed', token: input.token, error };
    case 'event':
      throw new SegueError('LIMIT_EXCEEDED', `event "${input.event}" was refused: ${reason}`);
    // A retry's patch is the operator's, refused as it is given: the failed instance stays as it was.
    case 'retry':
      throw new SegueError('LIMIT_EXCEEDED', `the retry was refused: ${reason}`);
    default:
      return { type: 'abort', error };
  }
}

export function limitError(message: string): ErrorInfo {
  return { error: 'LimitExceeded', message, retryable: false };
}
