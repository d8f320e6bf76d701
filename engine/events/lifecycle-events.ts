/**
 * The lifecycle events of a transition, read off the history it appends: the transition's own
 * record of what happened, so an event exists exactly when its transition is committed.
 */
import type { Json } from '../../definitions/model.js';
import type { HistoryEvent, InstanceRecord, LifecycleEvent, LifecycleEventType } from '../store/port.js';

const INSTANCE_EVENTS: Readonly<Record<string, LifecycleEventType>> = {
  InstanceStarted: 'segue.instance.started',
  InstanceCompleted: 'segue.instance.completed',
  InstanceFailed: 'segue.instance.failed',
  InstanceCancelled: 'segue.instance.cancelled',
  InstanceTerminated: 'segue.instance.terminated',
  InstanceTimedOut: 'segue.instance.timed_out',
  InstanceSuspended: 'segue.instance.suspended',
  InstanceResumed: 'segue.instance.resumed',
  InstanceContinuedAsNew: 'segue.instance.continued',
};

const STEP_EVENTS: Readonly<Record<string, LifecycleEventType>> = {
  StepStarted: 'segue.step.started',
  StepCompleted: 'segue.step.completed',
  StepFailed: 'segue.step.failed',
};

/** The events of `history`, appended by the transition to `record`; step events only `withSteps`. */
export function lifecycleEvents(record: InstanceRecord, history: readonly HistoryEvent[], withSteps: boolean): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  for (const h of history) {
    const type = INSTANCE_EVENTS[h.type] ?? (withSteps ? STEP_EVENTS[h.type] : undefined);
    if (type === undefined) continue;
    const event: LifecycleEvent = {
      id: `${h.instanceId}:${h.run}:${h.seq}`,
      type,
      instanceId: h.instanceId,
      workflow: record.workflow,
      version: record.version,
      run: h.run,
      at: h.at,
      data: eventData(record, h, type),
    };
    if (h.step !== undefined) event.step = h.step;
    events.push(event);
  }
  return events;
}

/** The instance's status, and what the run ended with: its whole output or error (history keeps a summary). */
function eventData(record: InstanceRecord, h: HistoryEvent, type: LifecycleEventType): Json {
  const data: Record<string, Json> = { instanceId: record.id, workflow: record.workflow, version: record.version, run: h.run, status: record.status };
  const { state } = record;
  const sameRun = h.run === record.run;
  if (type === 'segue.instance.completed' && sameRun && state.output !== undefined) data.output = state.output;
  else if (sameRun && state.error && (type === 'segue.instance.failed' || type === 'segue.instance.timed_out')) data.error = state.error as unknown as Json;
  else if (h.details !== undefined) data.details = h.details;
  if (h.step !== undefined) data.step = h.step;
  return data;
}
