/**
 * The working context of one `decide` call: the plan, the state being changed, and the commands
 * and history gathered on the way; and the helpers every step uses to ask for work (a task, a
 * timer, an HTTP call) or to withdraw it. Nothing here does I/O; time and randomness come from outside.
 */
import type { HttpStep, Json, Plan, PlanStep } from '../definitions/model.js';
import { DEFAULT_EXPRESSION_LIMITS, EvaluationBudget, type Bindings, type ExpressionIsolate, type ExpressionLimits, type ExpressionScope } from '../definitions/expression-budget.js';
import type { CallbackWait, Command, ErrorInfo, Frame, HistoryEvent, InstanceRecord, InstanceState, InstanceStatus, TaskCommand, Wait } from './model.js';

export interface DecideOptions {
  /** Epoch ms of this transition. */
  now: number;
  /** Source of randomness in [0, 1) for retry jitter; injected so decide stays deterministic. */
  random: () => number;
  /** Lease of a task attempt whose step sets no `timeout`, ms. */
  defaultTaskTimeoutMs: number;
  /** In-process steps (set, choice, …) taken for one input before the run is failed as a loop. */
  maxStepsPerInput: number;
  /** Items one map step may run over. */
  maxMapItems: number;
  /** Bounds of every expression evaluation; see DEFAULT_EXPRESSION_LIMITS. */
  expressions: ExpressionLimits;
  /** Where evaluations that outgrow their slice of the engine's thread run (the engine gives one). */
  expressionIsolate?: ExpressionIsolate;
  /**
   * About how many characters of JSON a value recorded in the history (a step's result, a task's
   * input) may take to be kept whole; a larger one is summarised, so that the history stays a
   * small multiple of the instance's data.
   */
  historyValueChars: number;
}

export const DEFAULT_DECIDE_OPTIONS: Omit<DecideOptions, 'now' | 'random'> = {
  defaultTaskTimeoutMs: 5 * 60_000,
  maxStepsPerInput: 1_000,
  maxMapItems: 10_000,
  expressions: DEFAULT_EXPRESSION_LIMITS,
  historyValueChars: 16_384,
};

/** Outcome of an input: applied, or refused because nothing was waiting for it (a stale result). */
export type Outcome = { kind: 'applied' } | { kind: 'stale'; reason: string };

/** How a branch or map iteration ended: with its output, or failed past its own catch rules. */
export type FrameEnd = { output: Json } | { error: ErrorInfo };

/**
 * What one step type does (a file in steps/ each): what a frame does as it takes the step, and,
 * for the steps whose frame waits on other frames or on compensations, how it goes on. The table
 * is handed to the decision, so the kernel (flow.ts) and the saga reach a step's own reaction
 * without importing the steps that import them.
 */
export interface StepHandler<S extends PlanStep = PlanStep> {
  enter(d: Decision, frame: Frame, step: S): Promise<void>;
  /** parallel, map: a branch or iteration forked by `parent` ended. */
  childEnded?(d: Decision, parent: Frame, step: S, child: Frame, end: FrameEnd): Promise<void>;
  /** compensate: the compensation run the frame waited for finished with no failure. */
  compensated?(d: Decision, frame: Frame, step: S): Promise<void>;
}

/** One handler per step type; a type left out does not compile. */
export type StepTable = { readonly [T in PlanStep['type']]: StepHandler<Extract<PlanStep, { type: T }>> };

export class Decision {
  readonly commands: Command[] = [];
  readonly history: HistoryEvent[] = [];
  /** Frames ready to take their current step. */
  readonly ready: string[] = [];
  outcome: Outcome = { kind: 'applied' };
  status: InstanceStatus;
  run: number;
  /** Set by a `continue` step: the input of the next run. */
  continueWith?: Json;
  /** In-process steps taken per frame during this input. */
  private readonly stepsTaken = new Map<string, number>();
  /** Shared by every evaluation of this decision (they pause together once they held the thread a slice). */
  private readonly evaluation: EvaluationBudget;

  constructor(
    readonly plan: Plan,
    readonly record: InstanceRecord,
    public state: InstanceState,
    readonly options: DecideOptions,
    private readonly steps: StepTable,
  ) {
    this.status = record.status;
    this.run = record.run;
    this.evaluation = new EvaluationBudget(options.expressions, options.expressionIsolate);
  }

  get now(): number {
    return this.options.now;
  }

  log(type: string, step?: string, details?: Json): void {
    const event: HistoryEvent = { instanceId: this.record.id, run: this.run, seq: ++this.state.seq, type, at: this.now };
    if (step !== undefined) event.step = step;
    if (details !== undefined) event.details = details;
    this.history.push(event);
  }

  /** A new id, unique within the instance and deterministic (replaying a decision gives the same ids). */
  newId(kind: string): string {
    return `${this.record.id}:${this.run}:${kind}${++this.state.ids}`;
  }

  stepOf(frame: Frame): PlanStep {
    const step = this.plan.scopes.get(frame.scope)?.byName.get(frame.step);
    if (!step) throw new Error(`plan ${this.plan.name} v${this.plan.version} has no step "${frame.step}" in scope "${frame.scope}"`);
    return step;
  }

  handlerOf(step: PlanStep): StepHandler {
    return this.steps[step.type];
  }

  firstStep(scope: string): string {
    const first = this.plan.scopes.get(scope)?.steps[0];
    if (!first) throw new Error(`plan ${this.plan.name} v${this.plan.version} has an empty scope "${scope}"`);
    return first.name;
  }

  /** What the expressions of `frame` evaluate in: its bindings, the transition's time, the budget. */
  bindings(frame: Frame | undefined, extra?: Bindings): ExpressionScope {
    const b: Bindings = {
      input: this.state.input,
      instance: this.instanceInfo(),
      now: new Date(this.now).toISOString(),
    };
    if (frame?.error) b.error = frame.error as unknown as Json;
    if (frame?.index !== undefined) {
      b.index = frame.index;
      b.item = frame.item ?? null;
    }
    return { bindings: extra ? Object.assign(b, extra) : b, now: this.now, budget: this.evaluation };
  }

  private instanceInfo(): Json {
    const info: Record<string, Json> = {
      id: this.record.id,
      workflow: this.record.workflow,
      version: this.record.version,
      run: this.run,
      startedAt: new Date(this.state.startedAt).toISOString(),
    };
    if (this.state.schedule) info.schedule = this.state.schedule;
    return info;
  }

  /**
   * Counts one step of `frame`; false once that frame spent its budget for this input without
   * waiting for anything (a likely endless loop). Counted per frame, so a wide map is no loop.
   */
  takeStep(frame: string): boolean {
    const taken = (this.stepsTaken.get(frame) ?? 0) + 1;
    this.stepsTaken.set(frame, taken);
    return taken <= this.options.maxStepsPerInput;
  }

  frame(id: string): Frame | undefined {
    return this.state.frames[id];
  }

  markReady(frame: Frame): void {
    this.ready.push(frame.id);
  }

  stale(reason: string): void {
    this.outcome = { kind: 'stale', reason };
  }
}

/** Starts a timer that feeds `timerFired` back to this instance at `dueAt`; returns its id. */
export function startTimer(d: Decision, kind: string, dueAt: number): string {
  const timerId = d.newId(kind);
  d.commands.push({ type: 'startTimer', timerId, dueAt, input: { type: 'timerFired', timerId } });
  return timerId;
}

/** One attempt of a task, as a step or a compensation asks for it; the lease defaults to the engine's. */
export type TaskRequest = Omit<TaskCommand, 'id' | 'timeoutMs' | 'heartbeatMs'> & { timeoutMs?: number; heartbeatMs?: number };

/** Schedules one attempt of a task; returns its id (`kind` tells steps' tasks from compensations'). */
export function scheduleTask(d: Decision, kind: string, request: TaskRequest): string {
  const { timeoutMs, heartbeatMs, ...task } = request;
  const id = d.newId(kind);
  d.commands.push({
    type: 'scheduleTask',
    task: { id, ...task, timeoutMs: timeoutMs ?? d.options.defaultTaskTimeoutMs, heartbeatMs: heartbeatMs ?? null },
  });
  return id;
}

/** The frame waits for one attempt of a task its step asks for. */
export function awaitTask(d: Decision, frame: Frame, request: Omit<TaskRequest, 'attempt'>): void {
  const taskId = scheduleTask(d, 't', { ...request, attempt: frame.attempt });
  frame.wait = { kind: 'task', taskId };
  logTaskScheduled(d, frame, request, taskId);
}

/** The history's record of a task scheduled for `frame`'s step: its type, id, attempt, limits and input. */
export function logTaskScheduled(d: Decision, frame: Frame, request: Omit<TaskRequest, 'attempt'>, taskId: string, extra?: Record<string, Json>): void {
  const limits: Record<string, Json> = { timeoutMs: request.timeoutMs ?? d.options.defaultTaskTimeoutMs };
  if (request.heartbeatMs !== undefined) limits.heartbeatMs = request.heartbeatMs;
  d.log('TaskScheduled', request.step, { task: request.type, taskId, attempt: frame.attempt, ...limits, ...extra, ...recorded(d, 'input', request.input) });
}

/** What an `http` step or compensation declares about its call. */
export type HttpCall = Pick<HttpStep, 'method' | 'url' | 'headers' | 'body' | 'timeoutMs'>;

/** The request the engine's HTTP executor runs (the input of a `$http` task), its templates evaluated. */
export async function httpRequest(d: Decision, frame: Frame, call: HttpCall): Promise<Json> {
  const b = d.bindings(frame);
  const request: Record<string, Json> = { method: call.method, url: await call.url.evaluate(frame.data, b) };
  if (call.headers) request.headers = await call.headers.evaluate(frame.data, b);
  if (call.body) request.body = await call.body.evaluate(frame.data, b);
  // The executor's own timeout; without it the call could outlast its lease.
  if (call.timeoutMs !== undefined) request.timeoutMs = call.timeoutMs;
  return request;
}

/** Withdraws what a frame waits for: its task, its timers, its child (told to cancel or terminate). */
export function withdraw(d: Decision, wait: Wait, reason: string, mode: 'cancel' | 'terminate'): void {
  switch (wait.kind) {
    case 'task':
      d.commands.push({ type: 'removeTask', taskId: wait.taskId });
      return;
    case 'retry':
    case 'delay':
      d.commands.push({ type: 'removeTimer', timerId: wait.timerId });
      return;
    case 'event':
      if (wait.timerId) d.commands.push({ type: 'removeTimer', timerId: wait.timerId });
      return;
    case 'callback':
      return withdrawCallback(d, wait);
    case 'child':
      if (wait.timerId) d.commands.push({ type: 'removeTimer', timerId: wait.timerId });
      d.commands.push({
        type: 'message',
        instanceId: wait.childId,
        messageId: `${wait.childId}:${mode}`,
        input: { type: mode, reason },
      });
      return;
    case 'join':
    case 'compensation':
      return;
  }
}

/** Removes what a callback wait holds besides its frame: its task (while the worker has not reported) and its timer. */
export function withdrawCallback(d: Decision, wait: CallbackWait): void {
  if (wait.taskId) d.commands.push({ type: 'removeTask', taskId: wait.taskId });
  d.commands.push({ type: 'removeTimer', timerId: wait.timerId });
}

/** Cancels frame `id` and everything forked from it. Registered compensations stay registered. */
export function cancelFrame(d: Decision, id: string, reason: string, mode: 'cancel' | 'terminate' = 'cancel'): void {
  const frame = d.frame(id);
  if (!frame) return;
  for (const child of Object.values(d.state.frames)) {
    if (child.parent === id) cancelFrame(d, child.id, reason, mode);
  }
  if (frame.wait) withdraw(d, frame.wait, reason, mode);
  delete d.state.frames[id];
  d.log('StepCancelled', frame.step, { reason });
}

/** Cancels every frame of the run. */
export function cancelAllFrames(d: Decision, reason: string, mode: 'cancel' | 'terminate' = 'cancel'): void {
  for (const frame of Object.values(d.state.frames)) {
    if (frame.parent === undefined) cancelFrame(d, frame.id, reason, mode);
  }
}

export function errorJson(error: ErrorInfo): Json {
  return JSON.parse(JSON.stringify(error)) as Json;
}

/**
 * A short preview of a value for history details: the value itself when small, else a summary.
 * Never a full payload, and never the cost of encoding one (the size estimate stops early).
 */
export function preview(value: Json | undefined, max = 200): Json {
  if (value === undefined) return null;
  if (sizeAtMost(value, max)) return value;
  if (typeof value === 'string') return `${value.slice(0, max)}… (${value.length} chars)`;
  if (Array.isArray(value)) return `[a list of ${value.length} items]`;
  const keys = Object.keys(value as object);
  return `{an object with ${keys.length} fields: ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''}}`;
}

/**
 * `{ [key]: value }` for history details: the value whole when it is within the decision's
 * `historyValueChars`, else its preview and `summarised: true` (a string result and a summary of
 * a large one must not be mistaken for each other).
 */
export function recorded(d: Decision, key: string, value: Json): Record<string, Json> {
  const max = d.options.historyValueChars;
  return sizeAtMost(value, max) ? { [key]: value } : { [key]: preview(value, max), summarised: true };
}

/** Where a nested frame runs, outermost first: each map item and parallel branch on the way from the top level. */
export function framePath(d: Decision, frame: Frame): Json[] {
  const path: Json[] = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = d.frame(f.parent)) {
    const forkedBy = d.frame(f.parent);
    const place: Record<string, Json> = { step: forkedBy?.step ?? '' };
    if (f.index !== undefined) place.item = f.index;
    if (f.branch !== undefined) place.branch = f.branch;
    path.unshift(place);
  }
  return path;
}

/** True when `value` encodes to about `budget` characters or fewer; looks at no more than that. */
function sizeAtMost(value: Json, budget: number): boolean {
  let left = budget;
  const visit = (v: Json): boolean => {
    if (v === null || typeof v !== 'object') left -= typeof v === 'string' ? v.length + 2 : 8;
    else if (Array.isArray(v)) {
      left -= 2;
      for (const item of v) if (left < 0 || !visit(item)) return false;
    } else {
      left -= 2;
      for (const [k, item] of Object.entries(v)) {
        left -= k.length + 3;
        if (left < 0 || !visit(item)) return false;
      }
    }
    return left >= 0;
  };
  return visit(value);
}
