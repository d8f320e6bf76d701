/**
 * The lease ports of the runtime: how a transition hands the tasks it schedules to in-process
 * workers, or to the remote worker whose results it applies, in the same commit. The runtime
 * calls them; local-workers.ts and task-queue.ts implement them.
 */
import type { EngineInput } from '../core/model.js';
import type { TaskRecord } from './store/port.js';

/** In-process workers taking tasks as the transitions that schedule them are committed. */
export interface LocalLeases {
  /** A lease for a task this process will run itself, or null (queue it). */
  reserve(task: Pick<TaskRecord, 'type' | 'timeoutMs' | 'heartbeatMs'>): { worker: string; token: string } | null;
  /** The transition was not written: `count` reserved leases are given back. */
  release(count: number): void;
  /** The transition is durable: run the task leased to this process. */
  runLeased(task: TaskRecord): void;
  /** Runs a task leased to this process before the transition scheduling it is committed. */
  runInline(task: TaskRecord): InlineRun;
  /** How long a transition waits for the handlers it runs inline, ms (0: it runs none). */
  readonly inlineMs: number;
  /** Whether a new instance's first steps may run inline before its creation is written. */
  readonly inlineStart: boolean;
}

/**
 * A remote worker that reported results and asked for the tasks they lead to: those tasks are
 * written already leased to it, in the same commit, and answered with its results (no claim).
 */
export interface EagerLeases {
  /** A lease for a task on `queue`, or null (it is queued for any worker). */
  reserve(queue: string): { worker: string; token: string } | null;
  /** A reserved lease was not used: the transition was not written, or dropped the task. */
  release(): void;
  /** The transition leasing `task` is durable: it is the worker's. */
  deliver(task: TaskRecord): void;
}

/** A handler started before its task was committed. */
export interface InlineRun {
  /** The attempt's result, as the input that reports it. */
  readonly result: Promise<EngineInput>;
  /** The result will not be folded into the transition: the worker reports it itself. */
  detach(): void;
}

