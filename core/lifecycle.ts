/**
 * How a run ends: completed, or put in a terminal status with what it still waits for withdrawn
 * and its parent told; and `terminate`, which ends it at once. Ending a run that has compensations
 * to run first is the saga's (saga.ts).
 */
import type { Json } from '../definitions/model.js';
import { cancelAllFrames, preview, type Decision } from './context.js';
import { TERMINAL_STATUSES, type EngineInput, type ErrorInfo, type InstanceStatus } from './model.js';

export function completeInstance(d: Decision, output: Json): void {
  d.state.output = output;
  // Compensations exist to undo a run that did not complete; a completed run drops them.
  d.state.compensations = [];
  return endInstance(d, 'COMPLETED', { output });
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

/** Immediate: nothing more runs, compensations included; children are terminated too. */
export function terminate(d: Decision, reason: string | undefined): void {
  d.state.compensations = [];
  endInstance(d, 'TERMINATED', { error: { error: 'Terminated', message: reason ?? 'terminated by request' } });
}
