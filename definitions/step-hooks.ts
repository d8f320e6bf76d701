/**
 * Hooks a step of a plan may carry when the language it was compiled from decides more than
 * Segue's own steps do: the Amazon States Language shapes each state's data (input, output,
 * variables), chooses, waits, fails and handles errors by its own rules. The interpreter calls a
 * step's hooks, when it has them, in place of its own rule for that part; everything else
 * (frames, tasks, timers, joins, the store) stays the interpreter's. Hooks are pure: what they
 * read comes in as a `HookEnvironment`.
 */
import type { Json, JsonObject } from './model.js';
import type { VariableScope } from './asl/variables.js';

/** What the interpreter knows about the step being run, for the hooks' context object. */
export interface StepFacts {
  instanceId: string;
  workflow: string;
  /** The run's start input. */
  input: Json;
  startedAt: number;
  step: string;
  /** The transition's time, ms. */
  now: number;
  /** Retries of the step so far. */
  retryCount: number;
  /** The token of a task step that waits for a callback, while it is entered and waits. */
  taskToken?: string;
}

export interface HookEnvironment {
  facts: StepFacts;
  /** The variables the step sees: its frame's, then those of the frames it was forked from. */
  variables: VariableScope;
  random: () => number;
}

/** A step's output and the variables it assigns. */
export interface HookOutcome {
  output: Json;
  assigned: JsonObject;
}

/** A failure as the hooks see it: a name and, when known, a cause. */
export interface HookError {
  error: string;
  cause?: string;
}

/** What happens after a step failed. */
export type ErrorDecision =
  | { kind: 'retry'; delayMs: number; retries: number[] }
  | { kind: 'catch'; next: string; outcome: HookOutcome }
  | { kind: 'fail'; error: HookError };

/** A Map's items (each one's input already made) and the limits of its iterations. */
export interface MapRun {
  inputs: Json[];
  /** 0: no limit. */
  concurrency: number;
  /** Kept with the join, handed back to `tolerates`. */
  tolerance: JsonObject;
}

export interface StepHooks {
  /** What a task, a parallel's branches or a map work on, from the step's raw input. */
  input?(raw: Json, env: HookEnvironment): Promise<Json>;
  /** The step's output and assignments from its raw input and its result (undefined: it has none). */
  output(raw: Json, result: Json | undefined, env: HookEnvironment): Promise<HookOutcome>;
  /** choice: the next step, with the output of the rule taken. */
  choose?(raw: Json, env: HookEnvironment): Promise<HookOutcome & { next: string }>;
  /** delay: when the wait is over (epoch ms). */
  waitUntil?(raw: Json, env: HookEnvironment): Promise<number>;
  /** fail: the error the step fails with. */
  failure?(raw: Json, env: HookEnvironment): Promise<HookError>;
  /** task: the lease of an attempt, from the task's input. */
  limits?(input: Json, env: HookEnvironment): Promise<{ timeoutMs: number; heartbeatMs?: number }>;
  /** map: the items and limits. */
  items?(raw: Json, env: HookEnvironment): Promise<MapRun>;
  /** map: the error the step fails with once `failed` of `total` iterations failed, or undefined while tolerated. */
  tolerates?(tolerance: JsonObject, failed: number, total: number, last: HookError): HookError | undefined;
  /** The output a tolerated failed iteration leaves in the map's result. */
  failedItem?(error: HookError): Json;
  /** After a failure: retry, catch, or fail; `retries` counts the retries of each rule so far. */
  onError?(raw: Json, error: HookError, retries: readonly number[], env: HookEnvironment): Promise<ErrorDecision>;
}

/**
 * A step cannot go on (its hooks found the data does not allow it). The interpreter fails the
 * step with this error, which its error handling then sees like any other.
 */
export class StepFailure extends Error {
  constructor(
    readonly error: string,
    readonly reason: string,
  ) {
    super(`${error}: ${reason}`);
    this.name = 'StepFailure';
  }
}
