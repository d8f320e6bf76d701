/** The worker protocol's documents: a claimed task, a poll, a failure report, a request for the next tasks. */
import type { Json } from '../definitions/model.js';

export interface ClaimedTask {
  token: string;
  type: string;
  input: Json;
  attempt: number;
  /** ISO time the lease ends unless extended by a heartbeat. */
  deadline: string;
  instanceId: string;
  step: string;
}

export interface PollRequest {
  queues: string[];
  worker?: string;
  max?: number;
  /** Longest time to wait for a task, ms; 0 answers at once. */
  waitMs?: number;
}

export interface FailureReport {
  error: string;
  message?: string;
  /** False when retrying cannot help; the step's retry policy is then skipped. */
  retryable?: boolean;
}

/**
 * A failure sent back with the task token of a step that waits for a callback, in Step Functions'
 * words (SendTaskFailure): an error name (default the empty one) and a cause, both optional.
 */
export interface TaskTokenFailure {
  error?: string;
  cause?: string;
}

/** A remote worker's request for the tasks its reported results lead to: up to `max` of `queues`. */
export interface NextTasksRequest {
  queues: string[];
  worker: string;
  max: number;
}

/** What a task handler is told of its attempt, in-process or in a remote worker. */
export interface TaskContext {
  /** Attempt number, from 1. */
  attempt: number;
  instanceId: string;
  step: string;
  type: string;
  /** Extends the lease; call it from long handlers of steps with a `heartbeat`. */
  heartbeat(): Promise<void>;
}
