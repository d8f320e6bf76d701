/** Builds what callers see of an instance and its history (protocol/instances.ts) from the stored model. */
import type { InstanceState } from '../core/model.js';
import type { HistoryEvent, InstanceRecord, SetAside } from './store/port.js';
import type { CurrentStep, HistoryView, InstanceView, SetAsideView } from '../protocol/instances.js';

export function instanceView(record: InstanceRecord): InstanceView {
  const state = record.state;
  const root = state.frames.root;
  const view: InstanceView = {
    id: record.id,
    workflow: record.workflow,
    version: record.version,
    run: record.run,
    status: record.status,
    input: state.input,
    output: state.output ?? null,
    error: state.error ?? null,
    data: root?.data ?? state.data ?? state.input,
    current: Object.values(state.frames).map(currentStep),
    parentId: record.parentId,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
  if (state.compensating) view.compensating = { reason: state.compensating.reason, step: state.compensating.current?.compensation.step ?? null };
  if (state.schedule) view.schedule = state.schedule;
  if (state.previousRun) view.previousRun = { run: state.previousRun.run, endedAt: new Date(state.previousRun.endedAt).toISOString() };
  if (record.setAside) view.setAside = setAsideView(record.setAside);
  return view;
}

function setAsideView(mark: SetAside): SetAsideView {
  const view: SetAsideView = { reason: mark.reason, at: new Date(mark.at).toISOString(), tries: mark.tries, input: mark.input, held: mark.held.length };
  if (mark.step !== undefined) view.step = mark.step;
  return view;
}

function currentStep(frame: InstanceState['frames'][string]): CurrentStep {
  const c: CurrentStep = { step: frame.step, waiting: frame.wait?.kind ?? 'running', attempt: frame.attempt };
  if (frame.branch !== undefined) c.branch = frame.branch;
  if (frame.index !== undefined) c.index = frame.index;
  if (frame.wait?.kind === 'event') c.event = frame.wait.event;
  if (frame.wait?.kind === 'child') c.childId = frame.wait.childId;
  return c;
}

export function historyView(event: HistoryEvent): HistoryView {
  const v: HistoryView = { seq: event.seq, type: event.type, at: new Date(event.at).toISOString() };
  if (event.step !== undefined) v.step = event.step;
  if (event.details !== undefined) v.details = event.details;
  return v;
}
