/** What callers see of an instance: the API's shape, kept apart from the stored model. */
import type { Json } from '../definitions/model.js';
import type { ErrorInfo, InstanceState } from '../core/model.js';
import type { HistoryEvent, InstanceRecord, InstanceStatus, SetAside } from './store/port.js';

export interface CurrentStep {
  step: string;
  /** What the step waits for: task, retry, delay, event, child, join, compensation; or running. */
  waiting: string;
  attempt: number;
  branch?: string;
  index?: number;
  event?: string;
  childId?: string;
}

export interface InstanceView {
  id: string;
  workflow: string;
  version: number;
  run: number;
  status: InstanceStatus;
  input: Json;
  output: Json;
  error: ErrorInfo | null;
  data: Json;
  current: CurrentStep[];
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
  /** Compensations under way, when the instance is winding down. */
  compensating?: { reason: string; step: string | null };
  schedule?: { id: string; fireTime: string };
  previousRun?: { run: number; endedAt: string };
  /** Set aside after an input failed too many tries: nothing is applied to it but terminate and retry. */
  setAside?: SetAsideView;
}

export interface SetAsideView {
  reason: string;
  at: string;
  /** Tries of the input that did not finish. */
  tries: number;
  /** The input's type (timerFired, taskTimedOut, …). */
  input: string;
  step?: string;
  /** Inputs held for the retry, the one it was set aside on included. */
  held: number;
}

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

export interface HistoryView {
  seq: number;
  type: string;
  step?: string;
  at: string;
  details?: Json;
}

export function historyView(event: HistoryEvent): HistoryView {
  const v: HistoryView = { seq: event.seq, type: event.type, at: new Date(event.at).toISOString() };
  if (event.step !== undefined) v.step = event.step;
  if (event.details !== undefined) v.details = event.details;
  return v;
}
