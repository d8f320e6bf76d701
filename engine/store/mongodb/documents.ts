/**
 * Document ↔ record mapping for the MongoDB adapter. Opaque JSON (instance state, task and timer
 * inputs, history details, parsed definitions) is stored as JSON text, as in SQLite: workflow data
 * may hold keys MongoDB restricts (`$ref`, `a.b`) or nest deeper than BSON allows, and text
 * round-trips exactly. Fields the store queries (status, queue, dueAt, waits…) stay native.
 * Optional record fields are left out of the document and out of the record again.
 */
import { BSON } from 'mongodb';
import { parseJson } from '../checks.js';
import { StoreError } from '../errors.js';
import type {
  DeadLetter,
  EventWait,
  FeedEvent,
  LifecycleEvent,
  LifecycleEventType,
  SubscriptionRecord,
  HistoryEvent,
  InstanceRecord,
  InstanceStatus,
  Redelivery,
  ScheduleRecord,
  SetAside,
  StoredDefinition,
  TaskRecord,
  TaskStatus,
  TimerRecord,
} from '../port.js';

export interface DefinitionDoc {
  name: string;
  version: number;
  hash: string;
  source: string;
  definition: string;
  createdAt: number;
}

export interface InstanceDoc {
  _id: string;
  run: number;
  workflow: string;
  version: number;
  status: InstanceStatus;
  rev: number;
  parentId: string | null;
  createdAt: number;
  updatedAt: number;
  /** Native subdocuments: findWaiting matches them through a multikey index. */
  waits: EventWait[];
  state: string;
  /** JSON text of the record's redelivery and setAside marks, null without them (always written, so a commit clears them). */
  redelivery: string | null;
  setAside: string | null;
  /** Writes to other collections not yet known to be applied; see outbox.ts. */
  outbox?: OutboxDoc;
}

export interface HistoryDoc {
  /** `${instanceId}:${run}:${seq}`: a replayed append collides instead of duplicating. */
  _id: string;
  instanceId: string;
  run: number;
  seq: number;
  type: string;
  at: number;
  step?: string;
  details?: string;
}

export interface TaskDoc {
  _id: string;
  instanceId: string;
  run: number;
  step: string;
  type: string;
  queue: string;
  input: string;
  attempt: number;
  status: TaskStatus;
  timeoutMs: number;
  heartbeatMs: number | null;
  createdAt: number;
  /** Left out until the task is leased (earlier versions wrote null): tasks_by_token is unique over the tasks that have one. */
  token?: string | null;
  worker: string | null;
  leasedAt: number | null;
  leaseExpiresAt: number | null;
  /** Set by the lease sweep's claims of an expired lease (absent before the first). */
  sweptUntil?: number | null;
  sweeps?: number;
}

export interface TimerDoc {
  _id: string;
  instanceId: string;
  dueAt: number;
  input: string;
  /** Set while an engine fires the timer; others skip it until then. */
  leasedUntil: number | null;
  /** When the timer can next be claimed: max(dueAt, leasedUntil), kept for nextTimerDue's index. */
  readyAt: number;
  /** Claims so far (absent before the first). */
  claims?: number;
}

/** A transition's writes to other collections, in the form they are written. */
export interface EffectsDoc {
  history: HistoryDoc[];
  removeTasks: string[];
  createTasks: TaskDoc[];
  removeTimers: string[];
  createTimers: TimerDoc[];
  createInstances: InstanceDoc[];
  /** Absent in the outboxes of a build before schema 3. */
  events?: PendingEventDoc[];
}

/**
 * The outbox of an instance document: the effects of the transition that produced `rev`, or the
 * mark of a purge in progress. `at` (writer's clock, ms) lets sweeps leave young outboxes to the
 * process still applying them.
 */
export type OutboxDoc = { rev: number; at: number; effects: EffectsDoc } | { at: number; purge: true };

/** MongoDB refuses a document over 16 MiB. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * Refuses an instance document MongoDB would refuse, before anything is written, with a message
 * that says what to change. The outbox counts: it holds the transition's task inputs and children.
 */
export function checkDocumentSize(doc: InstanceDoc): void {
  const bytes = BSON.calculateObjectSize(doc);
  if (bytes <= MAX_DOCUMENT_BYTES) return;
  const mib = (bytes / (1024 * 1024)).toFixed(1);
  throw new StoreError(
    'STORE_INVALID',
    `instance "${doc._id}" would take ${mib} MiB with the writes of this transition, over the 16 MiB a MongoDB ` +
      'document holds; keep state and task inputs smaller, or start fewer child workflows in one step',
  );
}


export function definitionToDoc(def: StoredDefinition): DefinitionDoc {
  return {
    name: def.name,
    version: def.version,
    hash: def.hash,
    source: def.source,
    definition: JSON.stringify(def.definition),
    createdAt: def.createdAt,
  };
}

export function docToDefinition(doc: DefinitionDoc): StoredDefinition {
  return {
    name: doc.name,
    version: doc.version,
    hash: doc.hash,
    source: doc.source,
    definition: parseJson(doc.definition, `definition of workflow "${doc.name}"`),
    createdAt: doc.createdAt,
  };
}

export function instanceToDoc(record: InstanceRecord, stateJson?: string): InstanceDoc {
  return {
    _id: record.id,
    run: record.run,
    workflow: record.workflow,
    version: record.version,
    status: record.status,
    rev: record.rev,
    parentId: record.parentId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    waits: record.waits.map((wait) => ({ event: wait.event, key: wait.key })),
    state: stateJson ?? JSON.stringify(record.state),
    redelivery: record.redelivery ? JSON.stringify(record.redelivery) : null,
    setAside: record.setAside ? JSON.stringify(record.setAside) : null,
  };
}

export function docToInstance(doc: InstanceDoc): InstanceRecord {
  const record: InstanceRecord = {
    id: doc._id,
    run: doc.run,
    workflow: doc.workflow,
    version: doc.version,
    status: doc.status,
    rev: doc.rev,
    parentId: doc.parentId,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    waits: doc.waits.map((wait) => ({ event: wait.event, key: wait.key })),
    state: parseJson(doc.state, `state of instance "${doc._id}"`),
  };
  // Documents written before these fields existed have neither.
  if (doc.redelivery) record.redelivery = parseJson<Redelivery>(doc.redelivery, `redelivery of instance "${doc._id}"`);
  if (doc.setAside) record.setAside = parseJson<SetAside>(doc.setAside, `set-aside mark of instance "${doc._id}"`);
  return record;
}

export function historyId(event: Pick<HistoryEvent, 'instanceId' | 'run' | 'seq'>): string {
  return `${event.instanceId}:${event.run}:${event.seq}`;
}

export function historyToDoc(event: HistoryEvent): HistoryDoc {
  const doc: HistoryDoc = {
    _id: historyId(event),
    instanceId: event.instanceId,
    run: event.run,
    seq: event.seq,
    type: event.type,
    at: event.at,
  };
  if (event.step !== undefined) doc.step = event.step;
  if (event.details !== undefined) doc.details = JSON.stringify(event.details);
  return doc;
}

export function docToHistory(doc: HistoryDoc): HistoryEvent {
  const event: HistoryEvent = { instanceId: doc.instanceId, run: doc.run, seq: doc.seq, type: doc.type, at: doc.at };
  if (doc.step !== undefined && doc.step !== null) event.step = doc.step;
  if (doc.details !== undefined && doc.details !== null) {
    event.details = parseJson(doc.details, `history event ${doc.seq} of "${doc.instanceId}"`);
  }
  return event;
}

export function taskToDoc(task: TaskRecord): TaskDoc {
  const doc: TaskDoc = {
    _id: task.id,
    instanceId: task.instanceId,
    run: task.run,
    step: task.step,
    type: task.type,
    queue: task.queue,
    input: JSON.stringify(task.input),
    attempt: task.attempt,
    status: task.status,
    timeoutMs: task.timeoutMs,
    heartbeatMs: task.heartbeatMs,
    createdAt: task.createdAt,
    worker: task.worker,
    leasedAt: task.leasedAt,
    leaseExpiresAt: task.leaseExpiresAt,
  };
  if (task.token !== null) doc.token = task.token;
  return doc;
}

export function docToTask(doc: TaskDoc): TaskRecord {
  const task: TaskRecord = {
    id: doc._id,
    instanceId: doc.instanceId,
    run: doc.run,
    step: doc.step,
    type: doc.type,
    queue: doc.queue,
    input: parseJson(doc.input, `input of task "${doc._id}"`),
    attempt: doc.attempt,
    status: doc.status,
    timeoutMs: doc.timeoutMs,
    heartbeatMs: doc.heartbeatMs,
    createdAt: doc.createdAt,
    token: doc.token ?? null,
    worker: doc.worker,
    leasedAt: doc.leasedAt,
    leaseExpiresAt: doc.leaseExpiresAt,
  };
  if (doc.sweeps) task.sweeps = doc.sweeps;
  return task;
}

export function timerToDoc(timer: TimerRecord): TimerDoc {
  return {
    _id: timer.id,
    instanceId: timer.instanceId,
    dueAt: timer.dueAt,
    input: JSON.stringify(timer.input),
    leasedUntil: null,
    readyAt: timer.dueAt,
  };
}

export function docToTimer(doc: TimerDoc): TimerRecord {
  const timer: TimerRecord = {
    id: doc._id,
    instanceId: doc.instanceId,
    dueAt: doc.dueAt,
    input: parseJson(doc.input, `input of timer "${doc._id}"`),
  };
  if (doc.claims) timer.claims = doc.claims;
  return timer;
}

/**
 * A schedule: the record as JSON text (its input may hold keys MongoDB restricts), with the
 * fields the scheduler queries kept native beside it.
 */
export interface ScheduleDoc {
  _id: string;
  rev: number;
  paused: boolean;
  nextFireAt: number | null;
  /** True while fires are pending or one is buffered. */
  hasWork: boolean;
  record: string;
}

export function scheduleToDoc(s: ScheduleRecord): ScheduleDoc {
  return {
    _id: s.id,
    rev: s.rev,
    paused: s.paused,
    nextFireAt: s.nextFireAt,
    hasWork: s.pending.length > 0 || s.buffered !== null,
    record: JSON.stringify(s),
  };
}

export function docToSchedule(doc: ScheduleDoc): ScheduleRecord {
  return JSON.parse(doc.record) as ScheduleRecord;
}

/** A lifecycle event waiting for its place in the feed (see events.ts). */
export type PendingEventDoc = Omit<LifecycleEvent, 'id' | 'data'> & {
  /** The event's id. */
  _id: string;
  /** The event's data as JSON text: the same encoding point as an instance's state. */
  data: string;
};

export interface EventDoc extends Omit<PendingEventDoc, '_id'> {
  /** The event's seq in the feed. */
  _id: number;
  eventId: string;
}

export interface SubscriptionDoc {
  _id: string;
  rev: number;
  record: string;
}

export interface DeadLetterDoc {
  /** `<subscription id> <event id>`. */
  _id: string;
  subscriptionId: string;
  seq: number;
  record: string;
}

export function eventToDoc(event: LifecycleEvent): PendingEventDoc {
  const { id, data, step, ...rest } = event;
  return { _id: id, ...rest, ...(step === undefined ? {} : { step }), data: JSON.stringify(data) };
}

export function docToFeedEvent(doc: EventDoc): FeedEvent {
  const { _id, eventId, data, type, ...rest } = doc;
  return { seq: _id, id: eventId, ...rest, type: type as LifecycleEventType, data: parseJson(data, `data of event "${eventId}"`) };
}

export function subscriptionToDoc(s: SubscriptionRecord): SubscriptionDoc {
  return { _id: s.id, rev: s.rev, record: JSON.stringify(s) };
}

export const docToSubscription = (doc: SubscriptionDoc): SubscriptionRecord => parseJson(doc.record, `subscription "${doc._id}"`);

export function deadLetterToDoc(l: DeadLetter): DeadLetterDoc {
  return { _id: deadLetterId(l.subscriptionId, l.event.id), subscriptionId: l.subscriptionId, seq: l.event.seq, record: JSON.stringify(l) };
}

export const deadLetterId = (subscriptionId: string, eventId: string): string => `${subscriptionId} ${eventId}`;

export const docToDeadLetter = (doc: DeadLetterDoc): DeadLetter => parseJson(doc.record, `dead letter "${doc._id}"`);
