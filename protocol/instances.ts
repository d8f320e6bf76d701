/**
 * The API's documents about instances, as the server sends and takes them (schemas/api holds the
 * same as JSON Schema): shared by the engine that builds them, the API, the client and the console.
 */
import type { Json, JsonObject } from '../definitions/model.js';
import type { ErrorInfo, InstanceStatus } from '../core/model.js';

export type { InstanceStatus };
/** The statuses, one list (the interpreter's), and those a run ends in. */
export { INSTANCE_STATUSES, TERMINAL_STATUSES } from '../core/model.js';

/** The body of a start (POST /v1/workflows/{name}/instances). */
export interface StartRequest {
  input?: Json;
  id?: string;
  version?: number;
  /** ISO 8601 time or epoch ms. */
  startAt?: string | number;
}

export interface CurrentStep {
  step: string;
  /** What the step waits for: task, retry, delay, event, child, join, compensation; or running. */
  waiting: string;
  attempt: number;
  branch?: string;
  index?: number;
  event?: string;
  childId?: string;
}

export interface InstanceView {
  id: string;
  workflow: string;
  version: number;
  run: number;
  status: InstanceStatus;
  input: Json;
  output: Json;
  error: ErrorInfo | null;
  data: Json;
  current: CurrentStep[];
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
  /** Compensations under way, when the instance is winding down. */
  compensating?: { reason: string; step: string | null };
  schedule?: { id: string; fireTime: string };
  previousRun?: { run: number; endedAt: string };
  /** Set aside after an input failed too many tries: nothing is applied to it but terminate and retry. */
  setAside?: SetAsideView;
}

export interface SetAsideView {
  reason: string;
  at: string;
  /** Tries of the input that did not finish. */
  tries: number;
  /** The input's type (timerFired, taskTimedOut, …). */
  input: string;
  step?: string;
  /** Inputs held for the retry, the one it was set aside on included. */
  held: number;
}

export interface HistoryView {
  seq: number;
  type: string;
  step?: string;
  at: string;
  details?: Json;
}

export type LifecycleAction = 'cancel' | 'terminate' | 'suspend' | 'resume' | 'retry';

export type AttentionView = InstanceView & { attention: AttentionReason[] };

/** Why one instance needs attention. */
export interface AttentionReason {
  /** The check that found it. */
  check: string;
  /** The step concerned, when there is one. */
  step: string | null;
  /** Since when the trouble has stood, ISO time. */
  since: string;
  message: string;
}

export interface RetryRequest {
  /** A step of the run's top level to go on from; default the step that failed. */
  from?: string;
  /** A JSON merge patch (RFC 7396) applied to the instance data first. */
  patch?: JsonObject;
  /** The workflow version to go on with: a number or `latest`; default the instance's own. */
  version?: number | 'latest';
  /** Answer what would change, and change nothing. */
  dryRun?: boolean;
  /** Why, kept in the history with who asked. */
  reason?: string;
}

export interface RetryPreview {
  instanceId: string;
  /** The step the run would go on from, and the step it failed at. */
  from: string;
  failedAt: string;
  version: { from: number; to: number };
  /** JSON pointers of the data fields the patch changes. */
  changes: string[];
  /** The data the step would start with. */
  data: Json;
}
