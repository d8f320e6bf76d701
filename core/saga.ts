/**
 * Compensation (saga): compensations registered as steps complete run in reverse completion
 * order on failure, on cancel, on workflow timeout and at a `compensate` step. One runs at a time;
 * a failing one is retried per its own policy, then recorded, and the rest still run. The ways a
 * run ends that compensate first (failure, cancel, timeout) are here; the end itself is lifecycle.ts.
 */
import type { CompensationSpec, Json, PlanStep } from '../definitions/model.js';
import { cancelAllFrames, httpRequest, scheduleTask, startTimer, type Decision } from './context.js';
import { endInstance, withdrawCompensation } from './lifecycle.js';
import { retryDelayMs, shouldRetry } from './retry.js';
import { HTTP_TASK_TYPE, type CompensationRun, type ErrorInfo, type Frame, type RegisteredCompensation } from './model.js';

export async function registerCompensation(d: Decision, frame: Frame, step: PlanStep, spec: CompensationSpec): Promise<void> {
  let input: Json;
  if (spec.kind === 'task') input = spec.input ? await spec.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
  else input = await httpRequest(d, frame, spec);
  const registered: RegisteredCompensation = {
    step: step.name,
    kind: spec.kind,
    type: spec.kind === 'task' ? spec.task : HTTP_TASK_TYPE,
    queue: spec.kind === 'task' ? (spec.queue ?? spec.task) : HTTP_TASK_TYPE,
    input,
    retry: spec.retry,
  };
  if (spec.timeoutMs !== undefined) registered.timeoutMs = spec.timeoutMs;
  d.state.compensations.push(registered);
  d.log('CompensationRegistered', step.name, { task: registered.type });
}

export async function beginCompensation(
  d: Decision,
  run: Pick<CompensationRun, 'reason' | 'cause' | 'resumeFrames'>,
): Promise<void> {
  const running = d.state.compensating;
  if (running?.reason === 'step' && run.reason === 'step') {
    // Another `compensate` step (in a parallel branch) joins the run already under way.
    running.resumeFrames = [...(running.resumeFrames ?? []), ...(run.resumeFrames ?? [])];
    return;
  }
  // A failure (or cancel) during a compensate step's run takes that run over: what it had not
  // finished yet runs again after the compensations registered since.
  const unfinished = running ? [...(running.current ? [running.current.compensation] : []), ...running.queue] : [];
  if (running) withdrawCompensation(d);
  d.state.compensating = { ...run, queue: [...[...d.state.compensations].reverse(), ...unfinished], errors: running?.errors ?? [] };
  d.state.compensations = [];
  await runNext(d);
}

async function runNext(d: Decision): Promise<void> {
  const run = d.state.compensating!;
  const next = run.queue.shift();
  if (!next) return finish(d, run);
  run.current = { compensation: next, attempt: 1 };
  scheduleAttempt(d, run);
}

function scheduleAttempt(d: Decision, run: CompensationRun): void {
  const current = run.current!;
  const c = current.compensation;
  const taskId = scheduleTask(d, 'k', { step: c.step, type: c.type, queue: c.queue, input: c.input, attempt: current.attempt, timeoutMs: c.timeoutMs });
  current.taskId = taskId;
  current.timerId = undefined;
  d.log('CompensationStarted', c.step, { task: c.type, taskId, attempt: current.attempt });
}

/** True when `taskId` is the running compensation's task (the input was handled here). */
export async function compensationTaskDone(d: Decision, taskId: string, error?: ErrorInfo): Promise<boolean> {
  const run = d.state.compensating;
  const current = run?.current;
  if (!run || !current || current.taskId !== taskId) return false;
  const c = current.compensation;
  if (!error) {
    d.log('CompensationCompleted', c.step, { task: c.type });
    await runNext(d);
    return true;
  }
  if (shouldRetry(c.retry, current.attempt, error)) {
    const delayMs = retryDelayMs(c.retry, current.attempt, d.options.random());
    current.taskId = undefined;
    current.timerId = startTimer(d, 'r', d.now + delayMs);
    d.log('CompensationRetryScheduled', c.step, { attempt: current.attempt + 1, delayMs, error: error.error });
    return true;
  }
  run.errors.push({ error: error.error, message: error.message, step: c.step });
  d.log('CompensationFailed', c.step, { error: error.error, message: error.message });
  await runNext(d);
  return true;
}

/** True when `timerId` is the running compensation's retry timer. */
export function compensationTimerFired(d: Decision, timerId: string): boolean {
  const current = d.state.compensating?.current;
  if (!current || current.timerId !== timerId) return false;
  current.attempt += 1;
  scheduleAttempt(d, d.state.compensating!);
  return true;
}

async function finish(d: Decision, run: CompensationRun): Promise<void> {
  d.state.compensating = undefined;
  const failed = run.errors.length > 0;
  d.log('CompensationFinished', undefined, { failed: run.errors.length });
  if (run.reason === 'step') {
    const frames = (run.resumeFrames ?? []).map((id) => d.frame(id)).filter((f) => f !== undefined);
    if (failed) {
      // `retry` goes on from the compensate step that failed.
      if (frames[0]) d.state.failedFrame = rootOf(d, frames[0]);
      return failInstance(d, compensationError(run));
    }
    for (const frame of frames) {
      const step = d.stepOf(frame);
      await d.handlerOf(step).compensated?.(d, frame, step);
    }
    return;
  }
  if (failed) return endInstance(d, 'FAILED', { error: compensationError(run) });
  if (run.reason === 'failure') return endInstance(d, 'FAILED', { error: run.cause! });
  if (run.reason === 'timeout') return endInstance(d, 'TIMED_OUT', { error: run.cause! });
  return endInstance(d, 'CANCELLED', { error: run.cause! });
}

/** The error an instance ends with when compensations failed: it lists every failure. */
function compensationError(run: CompensationRun): ErrorInfo {
  const errors = run.cause ? [stripNested(run.cause), ...run.errors] : run.errors;
  const head = run.cause ?? { error: 'CompensationFailed', message: '' };
  const count = `${run.errors.length} compensation${run.errors.length === 1 ? '' : 's'} failed`;
  return { error: head.error, message: head.message ? `${head.message}; ${count}` : count, ...(head.step ? { step: head.step } : {}), errors };
}

/** The top-level frame a frame belongs to, as `retry` restarts it. */
function rootOf(d: Decision, frame: Frame): Frame {
  let top = frame;
  while (top.parent !== undefined && d.frame(top.parent)) top = d.frame(top.parent)!;
  return { ...top, wait: undefined, join: undefined, attempt: 1 };
}

function stripNested(error: ErrorInfo): ErrorInfo {
  const { errors: _nested, retryable: _r, ...rest } = error;
  return rest;
}

/** The run failed: compensate first when there is anything to undo. */
export async function failInstance(d: Decision, error: ErrorInfo): Promise<void> {
  cancelAllFrames(d, 'the instance failed');
  if (d.state.compensations.length > 0 || d.state.compensating) return beginCompensation(d, { reason: 'failure', cause: error });
  endInstance(d, 'FAILED', { error });
}

/** Graceful: pending work withdrawn, registered compensations run, then CANCELLED. */
export async function cancel(d: Decision, reason: string | undefined): Promise<void> {
  const error: ErrorInfo = { error: 'Cancelled', message: reason ?? 'cancelled by request' };
  d.log('CancelRequested', undefined, { reason: error.message });
  cancelAllFrames(d, 'the instance was cancelled');
  const running = d.state.compensating;
  if (running) {
    // A run for a failure or timeout keeps its end status; one for a compensate step now ends the instance.
    if (running.reason === 'step') Object.assign(running, { reason: 'cancel', cause: error, resumeFrames: [] });
    return;
  }
  if (d.status !== 'PENDING' && d.state.compensations.length > 0) {
    d.status = 'RUNNING';
    return beginCompensation(d, { reason: 'cancel', cause: error });
  }
  endInstance(d, 'CANCELLED', { error });
}

/** The workflow `timeout` passed: withdraw everything, compensate, end TIMED_OUT. */
export async function timeOut(d: Decision): Promise<void> {
  d.state.timeoutTimerId = undefined;
  const error: ErrorInfo = { error: 'Timeout', message: `the workflow did not finish within its timeout` };
  cancelAllFrames(d, 'the workflow timed out');
  if (d.state.compensating) {
    d.state.compensating.reason = 'timeout';
    d.state.compensating.cause = error;
    return;
  }
  if (d.state.compensations.length > 0) return beginCompensation(d, { reason: 'timeout', cause: error });
  endInstance(d, 'TIMED_OUT', { error });
}
