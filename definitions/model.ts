/**
 * The compiled form of a workflow definition: an immutable Plan the engine interprets.
 *
 * A Plan is built once per definition version (see compile.ts). Every expression and template in
 * it is already compiled; the engine never parses definition text or JSONata source again.
 */
import type { CompiledExpression, CompiledTemplate } from './expressions.js';
import type { StepHooks } from './step-hooks.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Where a step's result goes in the instance data. */
export type OutputPlacement = { kind: 'path'; path: string[] } | { kind: 'none' };

export interface RetryPolicy {
  /** Total attempts, first included; 0 = unlimited. */
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
  /** 0..1: the share of each interval that is randomised. */
  jitter: number;
  nonRetryable: string[];
}

export interface CatchRule {
  /** Error names; "*" matches any. */
  errors: string[];
  next: string;
  /** Where `$error` is stored; defaults to the path ["error"]. */
  output: OutputPlacement;
}

/** A compensation registered when its step completes: an inline task or an HTTP call. */
export type CompensationSpec =
  | { kind: 'task'; task: string; input?: CompiledTemplate; retry: RetryPolicy; timeoutMs?: number; queue?: string }
  | {
      kind: 'http';
      method: string;
      url: CompiledTemplate;
      headers?: CompiledTemplate;
      body?: CompiledTemplate;
      retry: RetryPolicy;
      timeoutMs?: number;
    };

/** Resolved transition after a step: another step's name in the same scope, or END. */
export const END = '$end';

interface StepBase {
  name: string;
  /** Id of the scope the step belongs to ("" for the top-level steps). */
  scope: string;
  /** Position of the step in its scope's list. */
  index: number;
  /**
   * Where to go after the step completes: an explicit `next`, else the following step in the
   * list, else END. Already resolved by the compiler (fall-through included).
   */
  next: string;
  output: OutputPlacement;
  /** `result:` template, evaluated with `$result` bound to the raw result. */
  result?: CompiledTemplate;
  /** Set by a language compiled to the plan (ASL): the step's own rules for its data and errors. */
  hooks?: StepHooks;
}

export interface TaskStep extends StepBase {
  type: 'task';
  task: string;
  /** Queue the task is offered on; defaults to the task type. */
  queue: string;
  input?: CompiledTemplate;
  timeoutMs?: number;
  heartbeatMs?: number;
  /**
   * The step ends when its task token is sent back (a callback), not when its worker reports: the
   * worker gets the token with the input and only its failure ends the step (ASL's `.waitForTaskToken`).
   */
  callback?: boolean;
  /**
   * The error an attempt whose worker missed a heartbeat fails with; `Timeout` when absent, the
   * same as for an attempt out of time. ASL names it apart (`States.HeartbeatTimeout`).
   */
  heartbeatError?: string;
  retry: RetryPolicy;
  catch: CatchRule[];
  compensate?: CompensationSpec;
}

export interface HttpStep extends StepBase {
  type: 'http';
  method: string;
  url: CompiledTemplate;
  headers?: CompiledTemplate;
  body?: CompiledTemplate;
  timeoutMs?: number;
  retry: RetryPolicy;
  catch: CatchRule[];
  compensate?: CompensationSpec;
}

export interface SetStep extends StepBase {
  type: 'set';
  values: { path: string[]; value: CompiledTemplate }[];
}

export interface ChoiceStep extends StepBase {
  type: 'choice';
  choices: { when: CompiledExpression; next: string }[];
  /** Step to take when no choice matches; absent = `next` (fall-through). */
  otherwise?: string;
}

export interface ParallelStep extends StepBase {
  type: 'parallel';
  branches: { name: string; scope: string }[];
  catch: CatchRule[];
  compensate?: CompensationSpec;
}

export type ToleratedFailures = { kind: 'count'; count: number } | { kind: 'percent'; percent: number };

export interface MapStep extends StepBase {
  type: 'map';
  items: CompiledExpression;
  /** Scope id of the iteration body. */
  body: string;
  /** Most iterations in flight at once; 0 = unlimited. */
  concurrency: number;
  toleratedFailures: ToleratedFailures;
  catch: CatchRule[];
}

export interface WaitStep extends StepBase {
  type: 'wait';
  event: string;
  correlate?: CompiledExpression;
  timeoutMs?: number;
  onTimeout?: string;
}

export interface DelayStep extends StepBase {
  type: 'delay';
  durationMs?: number;
  until?: CompiledExpression;
}

export interface WorkflowStep extends StepBase {
  type: 'workflow';
  workflow: string;
  version?: number;
  input?: CompiledTemplate;
  timeoutMs?: number;
  retry: RetryPolicy;
  catch: CatchRule[];
  compensate?: CompensationSpec;
}

export interface CompensateStep extends StepBase {
  type: 'compensate';
}

export interface ContinueStep extends StepBase {
  type: 'continue';
  input?: CompiledTemplate;
}

export interface SucceedStep extends StepBase {
  type: 'succeed';
  /** Output template of the workflow (or branch); absent = the data as it is. */
  value?: CompiledTemplate;
}

export interface FailStep extends StepBase {
  type: 'fail';
  error: string;
  message?: CompiledTemplate;
}

export type PlanStep =
  | TaskStep
  | HttpStep
  | SetStep
  | ChoiceStep
  | ParallelStep
  | MapStep
  | WaitStep
  | DelayStep
  | WorkflowStep
  | CompensateStep
  | ContinueStep
  | SucceedStep
  | FailStep;

export type StepType = PlanStep['type'];

/** An ordered list of steps with its own namespace: the top level, a branch, or a map body. */
export interface Scope {
  id: string;
  /** The step owning this scope (parallel or map), absent for the top level. */
  owner?: { scope: string; step: string; branch?: string };
  steps: PlanStep[];
  byName: ReadonlyMap<string, PlanStep>;
}

/** A trigger compiled: `event` names the event; the expressions see the event (see engine/triggers.ts). */
export interface PlanTrigger {
  event: string;
  filter?: CompiledExpression;
  input?: CompiledTemplate;
  id?: CompiledTemplate;
}

export interface Plan {
  name: string;
  version: number;
  description?: string;
  /** JSON Schema for the start input, as written. */
  inputSchema?: JsonObject;
  timeoutMs?: number;
  /** sha256 of the canonical JSON of the definition: equal content, equal hash. */
  hash: string;
  /** The definition as parsed (plain JSON), for display and re-registration. */
  definition: JsonObject;
  /** Scope id "" is the top level. */
  scopes: ReadonlyMap<string, Scope>;
  /** Whether any scope has a `wait` step: only then can an instance have open event waits. */
  hasWaitSteps: boolean;
  /** The events that start instances of it, in the order written. */
  triggers: PlanTrigger[];
  /** The most instances of the workflow running at once (`concurrency.limit`); absent: no limit. */
  concurrencyLimit?: number;
}

/** One problem found in a definition, positioned in its source text. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Name of the step the problem is in, when there is one. */
  step?: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

/** Scope id of a parallel branch or a map body, derived from its owner's scope and name. */
export function childScopeId(parentScope: string, step: string, branch?: string): string {
  const own = branch === undefined ? `${step}[]` : `${step}.${branch}`;
  return parentScope === '' ? own : `${parentScope}/${own}`;
}
