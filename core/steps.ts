/**
 * Taking steps: what each step type does when a frame enters it, and how a step completes or fails.
 */
import { END, type CatchRule, type Json, type PlanStep, type RetryPolicy } from '../definitions/model.js';
import { ExpressionEvaluationError } from '../definitions/expressions.js';
import { placeResult, setPath } from './data.js';
import { Decision, errorJson, preview } from './context.js';
import { startMap, startParallel, childFinished, childFailed } from './fanout.js';
import { registerCompensation, beginCompensation } from './saga.js';
import { completeInstance, failInstance } from './lifecycle.js';
import { retryDelayMs, shouldRetry } from './retry.js';
import type { ErrorInfo, Frame } from './model.js';
import { startChildWorkflow, startDelay, startWait, continueAsNew } from './waits.js';

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
  d.log('StepStarted', step.name, frame.attempt > 1 ? { attempt: frame.attempt } : undefined);
  try {
    await enter(d, frame, step);
  } catch (err) {
    if (!(err instanceof ExpressionEvaluationError)) throw err;
    await failStep(d, frame, step, { error: 'ExpressionError', message: err.message, retryable: false });
  }
}

async function enter(d: Decision, frame: Frame, step: PlanStep): Promise<void> {
  switch (step.type) {
    case 'task': {
      const input = step.input ? await step.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
      scheduleTask(d, frame, step.name, step.task, step.queue, input, step.timeoutMs, step.heartbeatMs);
      return;
    }
    case 'http': {
      const b = d.bindings(frame);
      const request: Record<string, Json> = { method: step.method, url: await step.url.evaluate(frame.data, b) };
      if (step.headers) request.headers = await step.headers.evaluate(frame.data, b);
      if (step.body) request.body = await step.body.evaluate(frame.data, b);
      if (step.timeoutMs !== undefined) request.timeoutMs = step.timeoutMs;
      scheduleTask(d, frame, step.name, HTTP_TASK_TYPE, HTTP_TASK_TYPE, request, step.timeoutMs);
      return;
    }
    case 'set': {
      const b = d.bindings(frame);
      for (const { path, value } of step.values) frame.data = setPath(frame.data, path, await value.evaluate(frame.data, b));
      d.log('StepCompleted', step.name);
      return goto(d, frame, step.next);
    }
    case 'choice': {
      const b = d.bindings(frame);
      let target = step.otherwise ?? step.next;
      for (const choice of step.choices) {
        if (truthy(await choice.when.evaluate(frame.data, b))) {
          target = choice.next;
          break;
        }
      }
      d.log('StepCompleted', step.name, { next: target === END ? 'end' : target });
      return goto(d, frame, target);
    }
    case 'parallel':
      return startParallel(d, frame, step);
    case 'map':
      return startMap(d, frame, step);
    case 'wait':
      return startWait(d, frame, step);
    case 'delay':
      return startDelay(d, frame, step);
    case 'workflow':
      return startChildWorkflow(d, frame, step);
    case 'continue':
      return continueAsNew(d, frame, step);
    case 'compensate':
      frame.wait = { kind: 'compensation' };
      return beginCompensation(d, { reason: 'step', resumeFrames: [frame.id] });
    case 'succeed': {
      const output = step.value ? await step.value.evaluate(frame.data, d.bindings(frame)) : frame.data;
      d.log('StepCompleted', step.name);
      return finishFrame(d, frame, output);
    }
    case 'fail': {
      const message = step.message ? String(await step.message.evaluate(frame.data, d.bindings(frame))) : '';
      d.log('StepCompleted', step.name);
      return failFrame(d, frame, { error: step.error, message, step: step.name, retryable: false });
    }
  }
}

/** The reserved task type of HTTP calls the engine makes itself. */
export const HTTP_TASK_TYPE = '$http';

export function scheduleTask(
  d: Decision,
  frame: Frame,
  step: string,
  type: string,
  queue: string,
  input: Json,
  timeoutMs?: number,
  heartbeatMs?: number,
): void {
  const taskId = d.newId('t');
  d.commands.push({
    type: 'scheduleTask',
    task: {
      id: taskId,
      step,
      type,
      queue,
      input,
      attempt: frame.attempt,
      timeoutMs: timeoutMs ?? d.options.defaultTaskTimeoutMs,
      heartbeatMs: heartbeatMs ?? null,
    },
  });
  frame.wait = { kind: 'task', taskId };
  d.log('TaskScheduled', step, { task: type, taskId, attempt: frame.attempt });
}

/** JSONata's notion of truth (`$boolean`). */
function truthy(value: Json | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => truthy(v));
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Moves a frame to `target` in its scope, or finishes it at END. */
export async function goto(d: Decision, frame: Frame, target: string): Promise<void> {
  frame.wait = undefined;
  frame.join = undefined;
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
    if (raw !== undefined) {
      const result = step.result ? await step.result.evaluate(frame.data, d.bindings(frame, { result: raw })) : raw;
      frame.data = placeResult(frame.data, step.output, result);
    }
    if ('compensate' in step && step.compensate) await registerCompensation(d, frame, step, step.compensate);
  } catch (err) {
    if (!(err instanceof ExpressionEvaluationError)) throw err;
    return failStep(d, frame, step, { error: 'ExpressionError', message: err.message, retryable: false });
  }
  d.log('StepCompleted', step.name, raw === undefined ? undefined : { result: preview(raw) });
  return goto(d, frame, step.next);
}

/** A step failed: retry it, or follow a matching catch, or fail the frame. */
export async function failStep(d: Decision, frame: Frame, step: PlanStep, error: ErrorInfo): Promise<void> {
  frame.wait = undefined;
  frame.join = undefined;
  const failure: ErrorInfo = { ...error, step: error.step ?? step.name };
  d.log('StepFailed', step.name, { error: failure.error, message: failure.message, attempt: frame.attempt });
  const retry: RetryPolicy | undefined = 'retry' in step ? step.retry : undefined;
  if (retry && shouldRetry(retry, frame.attempt, failure)) {
    const delayMs = retryDelayMs(retry, frame.attempt, d.options.random());
    const timerId = d.newId('r');
    d.commands.push({ type: 'startTimer', timerId, dueAt: d.now + delayMs, input: { type: 'timerFired', timerId } });
    frame.wait = { kind: 'retry', timerId };
    d.log('RetryScheduled', step.name, { attempt: frame.attempt + 1, delayMs });
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

/** A frame reached its end: the instance completes, or its parallel/map step collects the result. */
export async function finishFrame(d: Decision, frame: Frame, output: Json): Promise<void> {
  delete d.state.frames[frame.id];
  if (frame.parent === undefined) {
    d.state.data = frame.data;
    return completeInstance(d, output);
  }
  return childFinished(d, frame, output);
}

/** A frame failed past its catch rules: the instance fails, or its parallel/map step handles it. */
export async function failFrame(d: Decision, frame: Frame, error: ErrorInfo): Promise<void> {
  delete d.state.frames[frame.id];
  if (frame.parent === undefined) {
    d.state.data = frame.data;
    d.state.failedFrame = { ...frame, wait: undefined, join: undefined, attempt: 1 };
    return failInstance(d, error);
  }
  return childFailed(d, frame, error);
}
