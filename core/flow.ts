/**
 * The kernel every step type goes through: taking ready steps, moving a frame on (goto), a step
 * completing or failing (retry, catch), and a frame ending — the instance's end for the top level,
 * the step that forked it for a branch or map iteration (through its handler in the step table).
 */
import { END, type CatchRule, type Json, type PlanStep, type RetryPolicy } from '../definitions/model.js';
import { ExpressionEvaluationError } from '../definitions/expressions.js';
import { StepFailure, type ErrorDecision } from '../definitions/step-hooks.js';
import { errorJson, framePath, recorded, startTimer, type Decision, type FrameEnd } from './context.js';
import { placeResult } from './data.js';
import { applyOutcome, errorInfo, hookEnvironment, hookError } from './hooks.js';
import { completeInstance } from './lifecycle.js';
import type { ErrorInfo, Frame } from './model.js';
import { retryDelayMs, shouldRetry } from './retry.js';
import { failInstance, registerCompensation } from './saga.js';

/** Runs ready frames until every frame waits for something or has finished. */
export async function drain(d: Decision): Promise<void> {
  while (d.ready.length > 0) {
    const frame = d.frame(d.ready.shift()!);
    if (!frame || frame.wait || d.continueWith !== undefined) continue;
    await takeStep(d, frame);
  }
}

async function takeStep(d: Decision, frame: Frame): Promise<void> {
  const step = d.stepOf(frame);
  if (!d.takeStep(frame.id)) {
    await failFrame(d, frame, {
      error: 'StepLimitExceeded',
      message: `more than ${d.options.maxStepsPerInput} steps ran one after another without waiting for anything (last step "${step.name}"); a loop of steps that never waits probably never ends`,
      step: step.name,
      retryable: false,
    });
    return;
  }
  d.log('StepStarted', step.name, startedDetails(d, frame));
  try {
    await d.handlerOf(step).enter(d, frame, step);
  } catch (err) {
    await failStep(d, frame, step, stepError(err));
  }
}

/** The error a step fails with when evaluating its expressions or hooks threw; anything else is a bug and goes on up. */
function stepError(err: unknown): ErrorInfo {
  if (err instanceof StepFailure) return { error: err.error, message: err.reason, retryable: false };
  if (err instanceof ExpressionEvaluationError) return { error: 'ExpressionError', message: err.message, retryable: false };
  throw err;
}

/** The attempt (after the first) and, for a nested frame, the map items and branches it runs in. */
function startedDetails(d: Decision, frame: Frame): Json | undefined {
  const details: Record<string, Json> = {};
  if (frame.attempt > 1) details.attempt = frame.attempt;
  if (frame.parent !== undefined) details.path = framePath(d, frame);
  return Object.keys(details).length > 0 ? details : undefined;
}

/** Moves a frame to `target` in its scope, or finishes it at END. */
export async function goto(d: Decision, frame: Frame, target: string): Promise<void> {
  frame.wait = undefined;
  frame.join = undefined;
  frame.retries = undefined;
  if (target === END) return finishFrame(d, frame, frame.data);
  frame.step = target;
  frame.attempt = 1;
  d.markReady(frame);
}

/** The step produced `raw` (undefined = no result to store): place it, register compensation, go on. */
export async function completeStep(d: Decision, frame: Frame, step: PlanStep, raw: Json | undefined): Promise<void> {
  frame.wait = undefined;
  frame.join = undefined;
  try {
    if (step.hooks) applyOutcome(frame, await step.hooks.output(frame.data, raw, hookEnvironment(d, frame, step)));
    else if (raw !== undefined) {
      const result = step.result ? await step.result.evaluate(frame.data, d.bindings(frame, { result: raw })) : raw;
      frame.data = placeResult(frame.data, step.output, result);
    }
    if ('compensate' in step && step.compensate) await registerCompensation(d, frame, step, step.compensate);
  } catch (err) {
    return failStep(d, frame, step, stepError(err));
  }
  d.log('StepCompleted', step.name, raw === undefined ? undefined : recorded(d, 'result', raw));
  return goto(d, frame, step.next);
}

/** A step failed: retry it, or follow a matching catch, or fail the frame. */
export async function failStep(d: Decision, frame: Frame, step: PlanStep, error: ErrorInfo): Promise<void> {
  frame.wait = undefined;
  frame.join = undefined;
  const failure: ErrorInfo = { ...error, step: error.step ?? step.name };
  d.log('StepFailed', step.name, { error: failure.error, message: failure.message, attempt: frame.attempt });
  if (step.hooks) return failHookedStep(d, frame, step, failure);
  const retry: RetryPolicy | undefined = 'retry' in step ? step.retry : undefined;
  if (retry && shouldRetry(retry, frame.attempt, failure)) {
    const delayMs = retryDelayMs(retry, frame.attempt, d.options.random());
    d.log('RetryScheduled', step.name, { attempt: frame.attempt + 1, delayMs });
    // With no wait, a task has nothing to wait for but its worker, which paces the attempts: the
    // next one is scheduled in this transition, so no timer is written and fired for it.
    if (delayMs === 0 && step.type === 'task') return nextAttempt(d, frame);
    frame.wait = { kind: 'retry', timerId: startTimer(d, 'r', d.now + delayMs) };
    return;
  }
  const rules: CatchRule[] = 'catch' in step ? step.catch : [];
  const rule = rules.find((r) => r.errors.includes('*') || r.errors.includes(failure.error));
  if (rule) {
    const { retryable: _ignored, ...visible } = failure;
    frame.error = visible;
    frame.data = placeResult(frame.data, rule.output, errorJson(visible));
    d.log('ErrorCaught', step.name, { error: failure.error, next: rule.next === END ? 'end' : rule.next });
    return goto(d, frame, rule.next);
  }
  return failFrame(d, frame, failure);
}

/** The frame's step is entered again, for its next attempt. */
export function nextAttempt(d: Decision, frame: Frame): void {
  frame.wait = undefined;
  frame.attempt += 1;
  d.markReady(frame);
}

/** A step with hooks failed: its hooks retry it, catch the error, or fail the frame. */
async function failHookedStep(d: Decision, frame: Frame, step: PlanStep, failure: ErrorInfo): Promise<void> {
  let decision: ErrorDecision = { kind: 'fail', error: hookError(failure) };
  try {
    if (step.hooks!.onError) decision = await step.hooks!.onError(frame.data, hookError(failure), frame.retries ?? [], hookEnvironment(d, frame, step));
  } catch (err) {
    // The catch rule's own output failed: the step fails with that error, past its rules.
    decision = { kind: 'fail', error: hookError(stepError(err)) };
  }
  switch (decision.kind) {
    case 'retry':
      frame.retries = decision.retries;
      frame.wait = { kind: 'retry', timerId: startTimer(d, 'r', d.now + decision.delayMs) };
      d.log('RetryScheduled', step.name, { attempt: frame.attempt + 1, delayMs: decision.delayMs });
      return;
    case 'catch':
      applyOutcome(frame, decision.outcome);
      d.log('ErrorCaught', step.name, { error: failure.error, next: decision.next });
      return goto(d, frame, decision.next);
    case 'fail':
      return failFrame(d, frame, { ...failure, ...errorInfo(decision.error, failure.step ?? step.name) });
  }
}

/** A frame reached its end: the instance completes, or its parallel/map step collects the result. */
export async function finishFrame(d: Decision, frame: Frame, output: Json): Promise<void> {
  delete d.state.frames[frame.id];
  if (frame.parent === undefined) {
    d.state.data = frame.data;
    return completeInstance(d, output);
  }
  return childEnded(d, frame, { output });
}

/** A frame failed past its catch rules: the instance fails, or its parallel/map step handles it. */
export async function failFrame(d: Decision, frame: Frame, error: ErrorInfo): Promise<void> {
  delete d.state.frames[frame.id];
  if (frame.parent === undefined) {
    d.state.data = frame.data;
    d.state.failedFrame = { ...frame, wait: undefined, join: undefined, attempt: 1 };
    return failInstance(d, error);
  }
  return childEnded(d, frame, { error });
}

/** Tells the step that forked `child` (still joining) how it ended; a parent gone or done ignores it. */
async function childEnded(d: Decision, child: Frame, end: FrameEnd): Promise<void> {
  const parent = d.frame(child.parent!);
  if (!parent?.join) return;
  const step = d.stepOf(parent);
  await d.handlerOf(step).childEnded?.(d, parent, step, child, end);
}
