/**
 * The interpreter's model: an instance record and its statuses, the engine's own document for one
 * run of it (InstanceRecord.state), the history it writes, the inputs that move it, and the
 * commands `decide` asks the runtime to carry out. The store keeps these records (store/port.ts).
 */
import type { Json, JsonObject } from '../definitions/model.js';

/**
 * Every status an instance can have, in the order lists show them: the one list (the API's schema,
 * the console and the Python package are checked against it). A `continue` step has no status of
 * its own: the record goes straight on to its next run.
 */
export const INSTANCE_STATUSES = ['PENDING', 'RUNNING', 'SUSPENDED', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'] as const;

export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** The statuses a run ends in: all but PENDING, RUNNING and SUSPENDED. */
export const TERMINAL_STATUSES: ReadonlySet<InstanceStatus> = new Set(INSTANCE_STATUSES.slice(3));

/** An instance as stored. `state` is the engine's own document; the store keeps it as it is given. */
export interface InstanceRecord {
  id: string;
  /** Run number, from 1; a `continue` step starts run n+1 under the same id. */
  run: number;
  workflow: string;
  version: number;
  status: InstanceStatus;
  /** Compare-and-swap revision: 1 when created, +1 per committed transition. */
  rev: number;
  parentId: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** Event waits open on this instance, for correlated delivery (`POST /v1/events/{event}`). */
  waits: EventWait[];
  state: InstanceState;
  /**
   * An input whose deliveries did not finish (an engine died, or its transition threw): how many
   * tries it has had. Written only when such an input is delivered again, never on the way of a
   * delivery that succeeds; the commit that applies it clears the mark.
   */
  redelivery?: Redelivery;
  /** Set aside after too many such tries: the runtime applies nothing to it but terminate and retry. */
  setAside?: SetAside;
}

export interface Redelivery {
  /** What carries the input: `timer:<id>`, `task:<id>`, or `input:<type>` for one given directly. */
  source: string;
  /** The input's type (timerFired, taskTimedOut, start, …). */
  input: string;
  /** Tries that did not finish. */
  tries: number;
  /** Epoch ms of the first of them. */
  since: number;
  /** What the last try threw, when it threw (rather than taking its engine down). */
  error?: string;
}

export interface SetAside {
  /** Why, in words. */
  reason: string;
  /** Epoch ms. */
  at: number;
  /** Tries of the input that did not finish. */
  tries: number;
  /** The type of that input. */
  input: string;
  /** The step the input was for, when the engine could tell. */
  step?: string;
  /** The inputs held while set aside, that one first, applied again by a retry (engine inputs). */
  held: EngineInput[];
}

export interface EventWait {
  event: string;
  /** The value of the wait step's `correlate` expression, as a string; null when it has none. */
  key: string | null;
}

export interface HistoryEvent {
  instanceId: string;
  run: number;
  /** From 1, gap-free within a run. */
  seq: number;
  type: string;
  /** Epoch milliseconds. */
  at: number;
  step?: string;
  /** Small summary of the event; never a full payload. */
  details?: Json;
}

export interface ErrorInfo {
  error: string;
  message: string;
  step?: string;
  /** Parallel branch the error came from. */
  branch?: string;
  /** Map iteration the error came from. */
  index?: number;
  /** Every failure when compensations failed too. */
  errors?: ErrorInfo[];
  /** False when retrying cannot help (a 4xx, or a worker saying so). */
  retryable?: boolean;
}

/** What a frame is waiting for; absent = ready to run its current step. */
export type Wait =
  | { kind: 'task'; taskId: string }
  | { kind: 'retry'; timerId: string }
  | { kind: 'delay'; timerId: string }
  | { kind: 'event'; event: string; key: string | null; timerId?: string }
  | { kind: 'child'; childId: string; timerId?: string }
  | CallbackWait
  | { kind: 'join' }
  | { kind: 'compensation' };

/**
 * A task step that ends by a callback (ASL's `.waitForTaskToken`): its task was handed to a worker
 * with `token`, and the step waits until someone sends that token back with a result, a failure or
 * a heartbeat. `taskId` is that task while its worker has not reported (its failure fails the step;
 * its result does not end it). One timer, `timerId`, is due at the earlier of `timeoutAt` and
 * `heartbeatAt`; a heartbeat moves `heartbeatAt` on by `heartbeatMs`.
 */
export interface CallbackWait {
  kind: 'callback';
  token: string;
  taskId?: string;
  timerId: string;
  /** Epoch ms the step times out at, heartbeats or not. */
  timeoutAt: number;
  heartbeatMs?: number;
  /** Epoch ms the step times out at unless a heartbeat comes first. */
  heartbeatAt?: number;
}

/** Bookkeeping of a parallel or map step waiting for its branches or iterations. */
export interface Join {
  kind: 'parallel' | 'map';
  /** Child frame ids still running. */
  running: string[];
  /** parallel: results by branch name; map: results by item index. */
  results: Record<string, Json>;
  /** map only: the items, the next index to launch, and failures so far. */
  items?: Json[];
  nextIndex?: number;
  failures?: number;
  /** map with hooks: iterations at once (0: no limit) and what its hooks tolerate. */
  concurrency?: number;
  tolerance?: JsonObject;
}

/** One path of execution over a scope's steps: the top level, a branch, or a map iteration. */
export interface Frame {
  id: string;
  parent?: string;
  scope: string;
  /** Current step name. */
  step: string;
  data: Json;
  /** Attempt of the current step, from 1. */
  attempt: number;
  wait?: Wait;
  join?: Join;
  /** The error caught last: `$error` for the steps after a catch. */
  error?: ErrorInfo;
  branch?: string;
  index?: number;
  item?: Json;
  /** Variables this frame assigned (steps with hooks); a frame sees those of the frames it was forked from too. */
  variables?: JsonObject;
  /** Retries of the current step, one count per rule of its hooks' error handling. */
  retries?: number[];
}

export interface BufferedEvent {
  event: string;
  payload: Json;
  at: number;
}

/** A compensation registered when its step completed, with its input already evaluated. */
export interface RegisteredCompensation {
  step: string;
  kind: 'task' | 'http';
  /** Task type (kind task) or `$http`. */
  type: string;
  queue: string;
  input: Json;
  timeoutMs?: number;
  /** Retry policy of the compensation itself (plan field, copied for a self-contained state). */
  retry: { maxAttempts: number; initialIntervalMs: number; backoffCoefficient: number; maxIntervalMs: number; jitter: number; nonRetryable: string[] };
}

export interface CompensationRun {
  reason: 'failure' | 'cancel' | 'step' | 'timeout';
  /** Remaining compensations, next first. */
  queue: RegisteredCompensation[];
  current?: { compensation: RegisteredCompensation; attempt: number; taskId?: string; timerId?: string };
  errors: ErrorInfo[];
  /** reason 'failure': the error the instance fails with. */
  cause?: ErrorInfo;
  /** reason 'step': the frames (at `compensate` steps) to resume afterwards. */
  resumeFrames?: string[];
}

export interface InstanceState {
  input: Json;
  frames: Record<string, Frame>;
  output?: Json;
  error?: ErrorInfo;
  /** The top-level data when the run ended (frames are gone by then). */
  data?: Json;
  /** Last history sequence number of this run. */
  seq: number;
  /** Counter for deterministic ids of tasks, timers and children. */
  ids: number;
  inbox: BufferedEvent[];
  compensations: RegisteredCompensation[];
  compensating?: CompensationRun;
  /** Inputs that arrived while SUSPENDED, applied in order on resume. */
  deferred: EngineInput[];
  /** The status to return to on resume. */
  suspendedFrom?: 'PENDING' | 'RUNNING';
  /** When the run started (epoch ms). */
  startedAt: number;
  /** Workflow timeout timer. */
  timeoutTimerId?: string;
  /** The top-level frame as it was when the instance failed, for `retry`. */
  failedFrame?: Frame;
  /** Instance id of the parent and the parent's child id, for a child workflow. */
  parent?: { id: string; childId: string };
  /** Set by a schedule start: which fire this run is processing. */
  schedule?: { id: string; fireTime: string };
  /** The run before this one, when this run was started by `continue`. */
  previousRun?: { run: number; endedAt: number };
}

/** What moves an instance. */
export type EngineInput =
  | { type: 'start' }
  | { type: 'taskCompleted'; taskId: string; output: Json; worker?: string; startedAt?: number }
  | { type: 'taskFailed'; taskId: string; error: ErrorInfo; worker?: string; startedAt?: number }
  /** `heartbeat`: the lease ran out between heartbeats, before the attempt's timeout. */
  | { type: 'taskTimedOut'; taskId: string; heartbeat?: boolean }
  | { type: 'timerFired'; timerId: string }
  | { type: 'event'; event: string; payload: Json; key?: string }
  | { type: 'childFinished'; childId: string; status: InstanceStatus; output?: Json; error?: ErrorInfo }
  | { type: 'cancel'; reason?: string }
  | { type: 'terminate'; reason?: string }
  | { type: 'suspend' }
  | { type: 'resume' }
  /**
   * Re-run a FAILED run: from the failed step, or from `from` (a step of the run's top level), with
   * `patch` (a JSON merge patch) applied to its data first, on `version` of the workflow when given
   * (the runtime decides on that version's plan). `by` and `reason` say who asked and why, for the history.
   */
  | { type: 'retry'; from?: string; patch?: Json; version?: number; by?: string; reason?: string }
  /** The engine ends the run with this error (a limit was exceeded); compensations run. */
  | { type: 'abort'; error: ErrorInfo }
  /** Sent back with the token of a step that waits for a callback: its result, its failure, or a sign of life. */
  | CallbackInput;

export type CallbackInput =
  | { type: 'callbackSucceeded'; token: string; output: Json }
  | { type: 'callbackFailed'; token: string; error: ErrorInfo }
  | { type: 'callbackHeartbeat'; token: string };

/** The reserved task type of HTTP calls the engine makes itself. */
export const HTTP_TASK_TYPE = '$http';

export interface TaskCommand {
  id: string;
  step: string;
  type: string;
  queue: string;
  input: Json;
  attempt: number;
  timeoutMs: number;
  heartbeatMs: number | null;
}

/** Side effects `decide` asks for; the runtime turns them into one atomic store transition. */
export type Command =
  | { type: 'scheduleTask'; task: TaskCommand }
  | { type: 'removeTask'; taskId: string }
  | { type: 'startTimer'; timerId: string; dueAt: number; input: EngineInput }
  | { type: 'removeTimer'; timerId: string }
  | { type: 'startChild'; childId: string; workflow: string; version?: number; input: Json }
  /** Delivered to another instance (child or parent) as a timer due now. */
  | { type: 'message'; instanceId: string; messageId: string; input: EngineInput };

/** Inputs applied even while SUSPENDED (operator actions, and the engine's abort); others wait. */
export const LIFECYCLE_INPUTS: ReadonlySet<EngineInput['type']> = new Set(['cancel', 'terminate', 'suspend', 'resume', 'retry', 'abort']);
