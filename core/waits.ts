/**
 * Steps that wait on the outside world: events, timers, child workflows; and `continue`.
 */
import type { ContinueStep, DelayStep, Json, WaitStep, WorkflowStep } from '../definitions/model.js';
import { ExpressionEvaluationError } from '../definitions/expressions.js';
import { isTime, MAX_TIME_MS } from '../definitions/duration.js';
import { preview, type Decision } from './context.js';
import { cancelAllFrames } from './cancel.js';
import type { Frame } from './model.js';
import { completeStep } from './steps.js';

export async function startWait(d: Decision, frame: Frame, step: WaitStep): Promise<void> {
  const buffered = d.state.inbox.findIndex((e) => e.event === step.event);
  if (buffered >= 0) {
    const [event] = d.state.inbox.splice(buffered, 1);
    d.log('EventConsumed', step.name, { event: step.event, buffered: true });
    return completeStep(d, frame, step, event!.payload);
  }
  const key = step.correlate ? correlationKey(await step.correlate.evaluate(frame.data, d.bindings(frame))) : null;
  frame.wait = { kind: 'event', event: step.event, key };
  if (step.timeoutMs !== undefined) {
    const timerId = d.newId('w');
    frame.wait.timerId = timerId;
    d.commands.push({ type: 'startTimer', timerId, dueAt: d.now + step.timeoutMs, input: { type: 'timerFired', timerId } });
  }
  d.log('EventAwaited', step.name, key === null ? { event: step.event } : { event: step.event, key });
}

/** Correlation keys are compared as strings: `"42"` and `42` find the same wait. */
export function correlationKey(value: Json | undefined): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function startDelay(d: Decision, frame: Frame, step: DelayStep): Promise<void> {
  let dueAt = d.now + (step.durationMs ?? 0);
  if (step.until) {
    const value = await step.until.evaluate(frame.data, d.bindings(frame));
    const time = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    if (!isTime(time)) {
      const range = MAX_TIME_MS.toExponential().replace('+', '');
      const got = JSON.stringify(preview(value, 60));
      throw new ExpressionEvaluationError(step.until.source, `"until" must give an ISO time like 2026-01-31T09:00:00Z, or epoch milliseconds within ±${range} (the date range), got ${got}`);
    }
    dueAt = time;
  }
  if (dueAt <= d.now) return completeStep(d, frame, step, undefined);
  const timerId = d.newId('d');
  frame.wait = { kind: 'delay', timerId };
  d.commands.push({ type: 'startTimer', timerId, dueAt, input: { type: 'timerFired', timerId } });
  d.log('TimerStarted', step.name, { dueAt: new Date(dueAt).toISOString() });
}

export async function startChildWorkflow(d: Decision, frame: Frame, step: WorkflowStep): Promise<void> {
  const input = step.input ? await step.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
  // Step names may hold spaces; ids travel in URLs, so keep them to a safe alphabet.
  const childId = `${d.record.id}.${step.name.replace(/[^A-Za-z0-9_.-]/g, '-')}.${d.run}-${++d.state.ids}`;
  const command: Extract<Decision['commands'][number], { type: 'startChild' }> = { type: 'startChild', childId, workflow: step.workflow, input };
  if (step.version !== undefined) command.version = step.version;
  d.commands.push(command);
  frame.wait = { kind: 'child', childId };
  if (step.timeoutMs !== undefined) {
    const timerId = d.newId('c');
    frame.wait.timerId = timerId;
    d.commands.push({ type: 'startTimer', timerId, dueAt: d.now + step.timeoutMs, input: { type: 'timerFired', timerId } });
  }
  d.log('ChildStarted', step.name, { childId, workflow: step.workflow, attempt: frame.attempt });
}

/** Ends this run; `decide` starts the next one with the evaluated input. */
export async function continueAsNew(d: Decision, frame: Frame, step: ContinueStep): Promise<void> {
  const input = step.input ? await step.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
  delete d.state.frames[frame.id];
  cancelAllFrames(d, 'continued as new');
  d.continueWith = input;
  d.log('ContinuedAsNew', step.name);
}
