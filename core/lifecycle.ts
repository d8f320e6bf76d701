/**
 * How a run ends, and the operator actions: cancel, terminate, suspend, resume, retry.
 */
import type { Json } from '../definitions/model.js';
import { TERMINAL_STATUSES, type InstanceStatus } from './model.js';
import type { Decision } from './context.js';
import { preview } from './context.js';
import { cancelAllFrames } from './cancel.js';
import { beginCompensation } from './saga.js';
import type { EngineInput, ErrorInfo } from './model.js';

export function completeInstance(d: Decision, output: Json): void {
  d.state.output = output;
  // Compensations exist to undo a run that did not complete; a completed run drops them.
  d.state.compensations = [];
  return endInstance(d, 'COMPLETED', { output });
}

/** The run failed: compensate first when there is anything to undo. */
export async function failInstance(d: Decision, error: ErrorInfo): Promise<void> {
  cancelAllFrames(d, 'the instance failed');
  if (d.state.compensations.length > 0 || d.state.compensating) return beginCompensation(d, { reason: 'failure', cause: error });
  endInstance(d, 'FAILED', { error });
}

/** Puts the run in a terminal status, withdraws what it still waits for and tells its parent. */
export function endInstance(d: Decision, status: InstanceStatus, end: { output?: Json; error?: ErrorInfo }): void {
  cancelAllFrames(d, `the instance ended ${status}`, status === 'TERMINATED' ? 'terminate' : 'cancel');
  withdrawCompensation(d);
  d.status = status;
  if (end.error) {
    const { retryable: _hidden, ...error } = end.error;
    d.state.error = error;
  }
  if (d.state.timeoutTimerId) {
    d.commands.push({ type: 'removeTimer', timerId: d.state.timeoutTimerId });
    d.state.timeoutTimerId = undefined;
  }
  d.log(`Instance${statusWord(status)}`, undefined, end.error ? { error: end.error.error, message: end.error.message } : { output: preview(end.output) });
  const parent = d.state.parent;
  if (parent) {
    const input: ChildFinished = { type: 'childFinished', childId: parent.childId, status };
    if (end.output !== undefined) input.output = end.output;
    if (d.state.error) input.error = d.state.error;
    d.commands.push({ type: 'message', instanceId: parent.id, messageId: `${parent.childId}:finished`, input });
  }
}

type ChildFinished = Extract<EngineInput, { type: 'childFinished' }>;

/** Withdraws the running compensation's task or retry timer and forgets the run. */
export function withdrawCompensation(d: Decision): void {
  const current = d.state.compensating?.current;
  if (current?.taskId) d.commands.push({ type: 'removeTask', taskId: current.taskId });
  if (current?.timerId) d.commands.push({ type: 'removeTimer', timerId: current.timerId });
  d.state.compensating = undefined;
}

function statusWord(status: InstanceStatus): string {
  return status
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

export function isTerminal(status: InstanceStatus): boolean {
  return TERMINAL_STATUSES.has(status);
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

/** Immediate: nothing more runs, compensations included; children are terminated too. */
export function terminate(d: Decision, reason: string | undefined): void {
  d.state.compensations = [];
  endInstance(d, 'TERMINATED', { error: { error: 'Terminated', message: reason ?? 'terminated by request' } });
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
