/**
 * Task steps that end by a callback (ASL's `.waitForTaskToken`). The step's task goes to a worker
 * with a token; the worker's failure fails the step, its result does not end it. The step ends
 * when the token is sent back with a result (the step's result) or a failure (the step's error,
 * through its retry and catch), or when its timer runs out: at its timeout whatever happens, or
 * when no heartbeat moved its heartbeat deadline on in time.
 *
 * A heartbeat only moves `heartbeatAt`: the timer stays where it was, and when it fires before the
 * deadline it starts the next one (one timer write per heartbeat interval, none per heartbeat).
 */
import { formatDuration } from '../definitions/duration.js';
import type { TaskStep } from '../definitions/model.js';
import { frameAwaiting } from './awaited-frames.js';
import { newCallbackToken, sameToken } from './callback-token.js';
import { logTaskScheduled, recorded, scheduleTask, startTimer, withdrawCallback, type Decision, type TaskRequest } from './context.js';
import { completeStep, failStep } from './flow.js';
import type { CallbackInput, CallbackWait, Frame } from './model.js';

/** A token for a step about to wait for a callback: an id of the instance's own for the wait, and a nonce. */
export function callbackToken(d: Decision): string {
  return newCallbackToken(d.newId('cb'), d.options.random);
}

/** The frame hands its task to a worker with `token`, and waits for the token to come back. */
export function awaitCallback(d: Decision, frame: Frame, request: Omit<TaskRequest, 'attempt'>, token: string): void {
  const timeoutMs = request.timeoutMs ?? d.options.defaultTaskTimeoutMs;
  const wait: CallbackWait = { kind: 'callback', token, timerId: '', timeoutAt: d.now + timeoutMs };
  if (request.heartbeatMs !== undefined) {
    wait.heartbeatMs = request.heartbeatMs;
    wait.heartbeatAt = d.now + request.heartbeatMs;
  }
  wait.timerId = startTimer(d, 'ct', deadline(wait));
  // The worker's lease is the step's timeout: the heartbeats that count are the callback's, not the worker's.
  const { heartbeatMs: _callbackOnly, ...dispatch } = request;
  wait.taskId = scheduleTask(d, 't', { ...dispatch, timeoutMs, attempt: frame.attempt });
  frame.wait = wait;
  logTaskScheduled(d, frame, request, wait.taskId, { callback: true });
}

/** A token sent back: the step's result, its failure, or a heartbeat; stale when no step waits for it. */
export async function callbackReceived(d: Decision, input: CallbackInput): Promise<void> {
  const frame = frameWithToken(d, input.token);
  if (!frame) return d.stale(NOT_AWAITED);
  const wait = frame.wait as CallbackWait;
  // Its timer may not have fired yet (an engine was down): a token past its deadline is late all the same.
  if (d.now >= deadline(wait)) return d.stale(`the step "${frame.step}" it was given to has timed out`);
  const step = d.stepOf(frame);
  switch (input.type) {
    case 'callbackHeartbeat':
      if (wait.heartbeatMs !== undefined) wait.heartbeatAt = d.now + wait.heartbeatMs;
      return;
    case 'callbackSucceeded':
      withdrawCallback(d, wait);
      d.log('CallbackSucceeded', step.name, recorded(d, 'output', input.output));
      return completeStep(d, frame, step, input.output);
    case 'callbackFailed':
      withdrawCallback(d, wait);
      d.log('CallbackFailed', step.name, { error: input.error.error, message: input.error.message });
      return failStep(d, frame, step, input.error);
  }
}

/** The wait of the callback step whose task `taskId` is, while that task is outstanding; undefined for any other task. */
export function callbackOfTask(frames: Record<string, Frame>, taskId: string): CallbackWait | undefined {
  const wait = frameAwaiting(frames, 'task', taskId)?.wait;
  return wait?.kind === 'callback' ? wait : undefined;
}

/** Whether some step waits for `token` now (a token sent while the instance is suspended is kept only then). */
export function awaitsToken(d: Decision, token: string): boolean {
  return frameWithToken(d, token) !== undefined;
}

/** The step's timer fired: it times out, or, when heartbeats moved its deadline on, waits for the next one. */
export async function callbackTimerFired(d: Decision, frame: Frame, step: TaskStep, wait: CallbackWait): Promise<void> {
  const due = deadline(wait);
  if (d.now < due) {
    wait.timerId = startTimer(d, 'ct', due);
    return;
  }
  if (wait.taskId) d.commands.push({ type: 'removeTask', taskId: wait.taskId });
  const heartbeatMissed = wait.heartbeatAt !== undefined && wait.heartbeatAt < wait.timeoutAt;
  d.log('CallbackTimedOut', step.name, { heartbeat: heartbeatMissed });
  const error = heartbeatMissed
    ? { error: 'HeartbeatTimeout', message: `no heartbeat came with the task token within ${formatDuration(wait.heartbeatMs!)}` }
    : { error: 'Timeout', message: `the task token was not sent back by ${new Date(wait.timeoutAt).toISOString()}, when the step timed out` };
  return failStep(d, frame, step, error);
}

const NOT_AWAITED = 'no step waits for this task token: it was sent back already, its step timed out or was cancelled, or it was never given';

function frameWithToken(d: Decision, token: string): Frame | undefined {
  for (const id in d.state.frames) {
    const wait = d.state.frames[id]!.wait;
    if (wait?.kind === 'callback' && sameToken(token, wait.token)) return d.state.frames[id];
  }
  return undefined;
}

/** When the step times out unless the token comes back (or a heartbeat, for the heartbeat's deadline). */
function deadline(wait: CallbackWait): number {
  return wait.heartbeatAt === undefined ? wait.timeoutAt : Math.min(wait.timeoutAt, wait.heartbeatAt);
}
