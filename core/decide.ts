/**
 * decide: the pure interpreter. (plan, instance record, input, now) → (new record, commands,
 * history). No I/O, no clock, no randomness of its own: everything comes in as arguments, so a
 * decision can be replayed and tested without a database.
 *
 * It takes ownership of `record.state` (the runtime hands it a freshly loaded copy).
 */
import type { Json, Plan, TaskStep } from '../definitions/model.js';
import { formatDuration } from '../definitions/duration.js';
import { frameAwaiting } from './awaited-frames.js';
import { awaitsToken, callbackReceived, callbackTimerFired } from './callbacks.js';
import { Decision, startTimer, type DecideOptions, type Outcome } from './context.js';
import { copyJson, mergePatch } from './data.js';
import { completeStep, drain, failStep, goto, nextAttempt } from './flow.js';
import { isTerminal, terminate } from './lifecycle.js';
import {
  LIFECYCLE_INPUTS,
  type Command,
  type EngineInput,
  type ErrorInfo,
  type EventWait,
  type Frame,
  type HistoryEvent,
  type InstanceRecord,
  type InstanceState,
} from './model.js';
import { cancel, compensationTaskDone, compensationTimerFired, failInstance, timeOut } from './saga.js';
import { STEPS } from './steps/index.js';

export interface DecideResult {
  record: InstanceRecord;
  commands: Command[];
  history: HistoryEvent[];
  outcome: Outcome;
}

/** The state of a run that has not started yet. */
export function initialState(input: Json, now: number, extra?: Pick<InstanceState, 'parent' | 'schedule'>): InstanceState {
  return { input, frames: {}, seq: 0, ids: 0, inbox: [], compensations: [], deferred: [], startedAt: now, ...extra };
}

export async function decide(plan: Plan, record: InstanceRecord, input: EngineInput, options: DecideOptions): Promise<DecideResult> {
  const d = new Decision(plan, record, record.state, options, STEPS);
  await apply(d, input);
  await drain(d);
  while (d.continueWith !== undefined) {
    startNextRun(d, d.continueWith);
    await drain(d);
  }
  const next: InstanceRecord = {
    ...record,
    run: d.run,
    status: d.status,
    // A retry onto another version of the workflow moves the instance to that version's plan.
    version: d.outcome.kind === 'applied' ? plan.version : record.version,
    rev: record.rev + 1,
    updatedAt: options.now,
    // Only a plan with a wait step can have open waits: the others skip looking at every frame.
    waits: plan.hasWaitSteps ? openWaits(d.state) : [],
    state: d.state,
  };
  return { record: next, commands: d.commands, history: d.history, outcome: d.outcome };
}

async function apply(d: Decision, input: EngineInput): Promise<void> {
  if (isTerminal(d.status) && !(input.type === 'retry' && d.status === 'FAILED')) {
    return d.stale(`instance ${d.record.id} is ${d.status}`);
  }
  if (d.status === 'SUSPENDED' && !LIFECYCLE_INPUTS.has(input.type)) {
    // A token no step waits for is refused now, not kept to be found stale on resume.
    if ('token' in input && !awaitsToken(d, input.token)) return callbackReceived(d, input);
    // The result is kept here, so its task row is done with (and its lease cannot expire later).
    if ('taskId' in input) d.commands.push({ type: 'removeTask', taskId: input.taskId });
    d.state.deferred.push(input);
    d.log('InputDeferred', undefined, { input: input.type });
    return;
  }
  switch (input.type) {
    case 'start':
      return d.status === 'PENDING' ? begin(d) : d.stale('already started');
    case 'taskCompleted':
    case 'taskFailed':
    case 'taskTimedOut':
      return taskResult(d, input);
    case 'timerFired':
      return timerFired(d, input.timerId);
    case 'event':
      return eventReceived(d, input);
    case 'childFinished':
      return childFinished(d, input);
    case 'cancel':
      return cancel(d, input.reason);
    case 'terminate':
      return terminate(d, input.reason);
    case 'suspend':
      if (d.status === 'SUSPENDED') return;
      d.state.suspendedFrom = d.status === 'PENDING' ? 'PENDING' : 'RUNNING';
      d.status = 'SUSPENDED';
      d.log('InstanceSuspended');
      return;
    case 'resume':
      return resume(d);
    case 'retry':
      return retryFailed(d, input);
    case 'abort':
      d.log('InstanceAborted', undefined, { error: input.error.error, message: input.error.message });
      return failInstance(d, input.error);
    case 'callbackSucceeded':
    case 'callbackFailed':
    case 'callbackHeartbeat':
      return callbackReceived(d, input);
  }
}

function begin(d: Decision): void {
  d.status = 'RUNNING';
  d.state.startedAt = d.now;
  d.log('InstanceStarted', undefined, { workflow: d.plan.name, version: d.plan.version, run: d.run });
  const root: Frame = { id: 'root', scope: '', step: d.firstStep(''), data: copyJson(d.state.input), attempt: 1 };
  d.state.frames = { [root.id]: root };
  d.markReady(root);
  armWorkflowTimeout(d);
}

function armWorkflowTimeout(d: Decision): void {
  if (d.plan.timeoutMs === undefined) return;
  d.state.timeoutTimerId = startTimer(d, 'timeout', d.now + d.plan.timeoutMs);
}

function findFrame(d: Decision, match: (f: Frame) => boolean): Frame | undefined {
  // No array of every frame per lookup (an event's wait is found by its name and key).
  for (const id in d.state.frames) if (match(d.state.frames[id]!)) return d.state.frames[id];
  return undefined;
}

async function taskResult(d: Decision, input: Extract<EngineInput, { type: 'taskCompleted' | 'taskFailed' | 'taskTimedOut' }>): Promise<void> {
  const frame = frameAwaiting(d.state.frames, 'task', input.taskId);
  const error: ErrorInfo | undefined =
    input.type === 'taskCompleted' ? undefined : input.type === 'taskFailed' ? input.error : timeoutError(d, frame, input.heartbeat === true);
  if (!frame) {
    if (await compensationTaskDone(d, input.taskId, error)) {
      d.commands.push({ type: 'removeTask', taskId: input.taskId });
      return;
    }
    return d.stale(`task ${input.taskId} is no longer awaited`);
  }
  d.commands.push({ type: 'removeTask', taskId: input.taskId });
  const step = d.stepOf(frame);
  if (input.type !== 'taskTimedOut' && input.startedAt !== undefined) {
    d.log('TaskStarted', step.name, { taskId: input.taskId, worker: input.worker ?? null, startedAt: new Date(input.startedAt).toISOString() });
  }
  const callback = frame.wait?.kind === 'callback' ? frame.wait : undefined;
  if (!error) {
    d.log('TaskCompleted', step.name, { taskId: input.taskId });
    // The worker handed the token on; the step waits for it to come back.
    if (callback) return void (callback.taskId = undefined);
    return completeStep(d, frame, step, (input as { output: Json }).output);
  }
  d.log(input.type === 'taskTimedOut' ? 'TaskTimedOut' : 'TaskFailed', step.name, { taskId: input.taskId, error: error.error, message: error.message });
  if (callback) d.commands.push({ type: 'removeTimer', timerId: callback.timerId });
  return failStep(d, frame, step, error);
}

/** The error of a timed-out attempt of the task `frame` awaits (no frame: a compensation's task, or a stale one). */
function timeoutError(d: Decision, frame: Frame | undefined, heartbeatMissed: boolean): ErrorInfo {
  const step = frame ? d.stepOf(frame) : undefined;
  if (heartbeatMissed && step?.type === 'task') {
    // The interval is the step's, or (ASL) one its hooks gave the attempt.
    const within = step.heartbeatMs === undefined ? 'in time' : `within ${formatDuration(step.heartbeatMs)}`;
    return { error: step.heartbeatError ?? 'Timeout', message: `no heartbeat ${within} (the worker's lease expired)` };
  }
  const limit = step && 'timeoutMs' in step && step.timeoutMs !== undefined ? step.timeoutMs : d.options.defaultTaskTimeoutMs;
  return { error: 'Timeout', message: `no result within ${formatDuration(limit)} (the worker's lease expired)` };
}

async function timerFired(d: Decision, timerId: string): Promise<void> {
  if (timerId === d.state.timeoutTimerId) return timeOut(d);
  if (compensationTimerFired(d, timerId)) return;
  const frame = frameAwaiting(d.state.frames, 'timer', timerId);
  const wait = frame?.wait;
  if (!frame || !wait) return d.stale(`timer ${timerId} is no longer awaited`);
  const step = d.stepOf(frame);
  d.log('TimerFired', step.name, { timerId });
  switch (wait.kind) {
    case 'retry':
      return nextAttempt(d, frame);
    case 'delay':
      return completeStep(d, frame, step, undefined);
    case 'event':
      if (step.type === 'wait' && step.onTimeout) return goto(d, frame, step.onTimeout);
      return failStep(d, frame, step, { error: 'Timeout', message: `no "${wait.event}" event arrived in time` });
    case 'callback':
      return callbackTimerFired(d, frame, step as TaskStep, wait);
    case 'child':
      d.commands.push({ type: 'message', instanceId: wait.childId, messageId: `${wait.childId}:terminate`, input: { type: 'terminate', reason: 'the parent step timed out' } });
      return failStep(d, frame, step, { error: 'Timeout', message: `child workflow ${wait.childId} did not finish in time` });
    default:
      return d.stale(`timer ${timerId} is no longer awaited`);
  }
}

async function eventReceived(d: Decision, input: Extract<EngineInput, { type: 'event' }>): Promise<void> {
  const frame = findFrame(
    d,
    (f) => f.wait?.kind === 'event' && f.wait.event === input.event && (input.key === undefined || f.wait.key === input.key),
  );
  if (!frame || frame.wait?.kind !== 'event') {
    if (input.key !== undefined) return d.stale(`no wait on "${input.event}" with key ${input.key}`);
    d.state.inbox.push({ event: input.event, payload: input.payload, at: d.now });
    d.log('EventBuffered', undefined, { event: input.event });
    return;
  }
  if (frame.wait.timerId) d.commands.push({ type: 'removeTimer', timerId: frame.wait.timerId });
  d.log('EventReceived', frame.step, { event: input.event });
  return completeStep(d, frame, d.stepOf(frame), input.payload);
}

async function childFinished(d: Decision, input: Extract<EngineInput, { type: 'childFinished' }>): Promise<void> {
  const frame = frameAwaiting(d.state.frames, 'child', input.childId);
  if (!frame || frame.wait?.kind !== 'child') return d.stale(`child ${input.childId} is no longer awaited`);
  if (frame.wait.timerId) d.commands.push({ type: 'removeTimer', timerId: frame.wait.timerId });
  const step = d.stepOf(frame);
  d.log('ChildFinished', step.name, { childId: input.childId, status: input.status });
  if (input.status === 'COMPLETED') return completeStep(d, frame, step, input.output ?? null);
  const cause = input.error ? `: ${input.error.error}: ${input.error.message}` : '';
  return failStep(d, frame, step, { error: 'ChildFailed', message: `child workflow ${input.childId} ended ${input.status}${cause}` });
}

async function resume(d: Decision): Promise<void> {
  if (d.status !== 'SUSPENDED') return;
  d.status = d.state.suspendedFrom ?? 'RUNNING';
  d.state.suspendedFrom = undefined;
  d.log('InstanceResumed');
  const deferred = d.state.deferred;
  d.state.deferred = [];
  for (const input of deferred) await apply(d, input);
}

/**
 * A FAILED run goes on from the step that failed (or the one asked for), with the data it had then
 * (or that data patched). The history keeps what was asked and by whom.
 */
function retryFailed(d: Decision, input: Extract<EngineInput, { type: 'retry' }>): void {
  const failed = d.state.failedFrame;
  if (d.status !== 'FAILED' || !failed) return d.stale(`instance ${d.record.id} has no failed step to retry`);
  const step = input.from ?? failed.step;
  if (!d.plan.scopes.get(failed.scope)?.byName.has(step)) {
    return d.stale(`workflow ${d.plan.name} version ${d.plan.version} has no step "${step}" at the top level to retry from`);
  }
  d.status = 'RUNNING';
  d.state.error = undefined;
  d.state.failedFrame = undefined;
  const data = input.patch === undefined ? failed.data : mergePatch(failed.data, input.patch);
  // A step chosen anew starts clean: the caught error belonged to where the run failed.
  const frame: Frame = step === failed.step ? { ...failed, data, attempt: 1 } : { id: failed.id, scope: failed.scope, step, data, attempt: 1 };
  d.state.frames = { [frame.id]: frame };
  d.log('InstanceRetried', step, redriveDetails(input, failed.step, d.plan.version));
  d.markReady(frame);
  // The retried run gets the workflow's whole timeout again.
  armWorkflowTimeout(d);
}

/** What a retry with edits asked for, for the audit trail; nothing for a plain retry. */
function redriveDetails(input: Extract<EngineInput, { type: 'retry' }>, failedStep: string, version: number): Json | undefined {
  const details: Record<string, Json> = {};
  if (input.from !== undefined) details.from = input.from;
  if (input.from !== undefined && input.from !== failedStep) details.failedAt = failedStep;
  if (input.patch !== undefined) details.patch = input.patch;
  if (input.version !== undefined) details.version = version;
  if (input.by !== undefined) details.by = input.by;
  if (input.reason !== undefined) details.reason = input.reason;
  return Object.keys(details).length > 0 ? details : undefined;
}

function startNextRun(d: Decision, input: Json): void {
  if (d.state.timeoutTimerId) d.commands.push({ type: 'removeTimer', timerId: d.state.timeoutTimerId });
  d.log('InstanceContinuedAsNew', undefined, { nextRun: d.run + 1 });
  const previous = d.state;
  d.continueWith = undefined;
  d.state = initialState(input, d.now, { ...(previous.parent ? { parent: previous.parent } : {}) });
  // Events buffered for this instance and not consumed yet belong to the instance, not the run.
  d.state.inbox = previous.inbox;
  d.state.previousRun = { run: d.run, endedAt: d.now };
  d.run += 1;
  d.status = 'PENDING';
  begin(d);
}

function openWaits(state: InstanceState): EventWait[] {
  const waits: EventWait[] = [];
  for (const f of Object.values(state.frames)) if (f.wait?.kind === 'event') waits.push({ event: f.wait.event, key: f.wait.key });
  return waits;
}
