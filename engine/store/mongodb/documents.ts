/**
 * Document ↔ record mapping for the MongoDB adapter. Opaque JSON (instance state, task and timer
 * inputs, history details, parsed definitions) is stored as JSON text, as in SQLite: workflow data
 * may hold keys MongoDB restricts (`$ref`, `a.b`) or nest deeper than BSON allows, and text
 * round-trips exactly; with a data key it is sealed (stored-json.ts) and kept as BinData. Fields
 * the store queries (status, queue, dueAt, waits…) stay native and clear.
 * Optional record fields are left out of the document and out of the record again.
 */
import { BSON, Binary } from 'mongodb';
import { parseJson } from '../checks.js';
import { StoreError } from '../errors.js';
import type { StoredForm, StoredJson } from '../stored-json.js';
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
  state: Stored;
  /** JSON text of the record's redelivery and setAside marks, null without them (always written, so a commit clears them). */
  redelivery: Stored | null;
  /** Always text (sealed: in base64): instances_set_aside holds the documents whose mark is a string. */
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
  details?: Stored;
}

export interface TaskDoc {
  _id: string;
  instanceId: string;
  run: number;
  step: string;
  type: string;
  queue: string;
  input: Stored;
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
  input: Stored;
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

/** Opaque JSON as written (text, or a sealed Buffer) and as read back (a sealed value comes back as Binary). */
export type Stored = StoredForm | Binary;

/** A stored value as the codec reads it. */
function stored(value: Stored): string | Uint8Array {
  return value instanceof Binary ? value.buffer : value;
}

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

export function instanceToDoc(record: InstanceRecord, json: StoredJson, stateJson?: string): InstanceDoc {
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
    state: json.encode(stateJson ?? JSON.stringify(record.state)),
    redelivery: record.redelivery ? json.stringify(record.redelivery) : null,
    setAside: record.setAside ? json.stringifyText(record.setAside) : null,
  };
}

export function docToInstance(doc: InstanceDoc, json: StoredJson): InstanceRecord {
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
    state: json.parse(stored(doc.state), `state of instance "${doc._id}"`),
  };
  // Documents written before these fields existed have neither.
  if (doc.redelivery) record.redelivery = json.parse<Redelivery>(stored(doc.redelivery), `redelivery of instance "${doc._id}"`);
  if (doc.setAside) record.setAside = json.parse<SetAside>(doc.setAside, `set-aside mark of instance "${doc._id}"`);
  return record;
}

export function historyId(event: Pick<HistoryEvent, 'instanceId' | 'run' | 'seq'>): string {
  return `${event.instanceId}:${event.run}:${event.seq}`;
}

export function historyToDoc(event: HistoryEvent, json: StoredJson): HistoryDoc {
  const doc: HistoryDoc = {
    _id: historyId(event),
    instanceId: event.instanceId,
    run: event.run,
    seq: event.seq,
    type: event.type,
    at: event.at,
  };
  if (event.step !== undefined) doc.step = event.step;
  if (event.details !== undefined) doc.details = json.stringify(event.details);
  return doc;
}

export function docToHistory(doc: HistoryDoc, json: StoredJson): HistoryEvent {
  const event: HistoryEvent = { instanceId: doc.instanceId, run: doc.run, seq: doc.seq, type: doc.type, at: doc.at };
  if (doc.step !== undefined && doc.step !== null) event.step = doc.step;
  if (doc.details !== undefined && doc.details !== null) {
    event.details = json.parse(stored(doc.details), `history event ${doc.seq} of "${doc.instanceId}"`);
  }
  return event;
}

export function taskToDoc(task: TaskRecord, json: StoredJson): TaskDoc {
  const doc: TaskDoc = {
    _id: task.id,
    instanceId: task.instanceId,
    run: task.run,
    step: task.step,
    type: task.type,
    queue: task.queue,
    input: json.stringify(task.input),
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

export function docToTask(doc: TaskDoc, json: StoredJson): TaskRecord {
  const task: TaskRecord = {
    id: doc._id,
    instanceId: doc.instanceId,
    run: doc.run,
    step: doc.step,
    type: doc.type,
    queue: doc.queue,
    input: json.parse(stored(doc.input), `input of task "${doc._id}"`),
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

export function timerToDoc(timer: TimerRecord, json: StoredJson): TimerDoc {
  return {
    _id: timer.id,
    instanceId: timer.instanceId,
    dueAt: timer.dueAt,
    input: json.stringify(timer.input),
    leasedUntil: null,
    readyAt: timer.dueAt,
  };
}

export function docToTimer(doc: TimerDoc, json: StoredJson): TimerRecord {
  const timer: TimerRecord = {
    id: doc._id,
    instanceId: doc.instanceId,
    dueAt: doc.dueAt,
    input: json.parse(stored(doc.input), `input of timer "${doc._id}"`),
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
  record: Stored;
}

export function scheduleToDoc(s: ScheduleRecord, json: StoredJson): ScheduleDoc {
  return {
    _id: s.id,
    rev: s.rev,
    paused: s.paused,
    nextFireAt: s.nextFireAt,
    hasWork: s.pending.length > 0 || s.buffered !== null,
    record: json.stringify(s),
  };
}

export function docToSchedule(doc: ScheduleDoc, json: StoredJson): ScheduleRecord {
  return json.parse<ScheduleRecord>(stored(doc.record), `schedule "${doc._id}"`);
}

/** A lifecycle event waiting for its place in the feed (see events.ts). */
export type PendingEventDoc = Omit<LifecycleEvent, 'id' | 'data'> & {
  /** The event's id. */
  _id: string;
  /** The event's data as JSON text: the same encoding point as an instance's state. */
  data: Stored;
};

export interface EventDoc extends Omit<PendingEventDoc, '_id'> {
  /** The event's seq in the feed. */
  _id: number;
  eventId: string;
}

export interface SubscriptionDoc {
  _id: string;
  rev: number;
  record: Stored;
}

export interface DeadLetterDoc {
  /** `<subscription id> <event id>`. */
  _id: string;
  subscriptionId: string;
  seq: number;
  record: Stored;
}

export function eventToDoc(event: LifecycleEvent, json: StoredJson): PendingEventDoc {
  const { id, data, step, ...rest } = event;
  return { _id: id, ...rest, ...(step === undefined ? {} : { step }), data: json.stringify(data) };
}

export function docToFeedEvent(doc: EventDoc, json: StoredJson): FeedEvent {
  const { _id, eventId, data, type, ...rest } = doc;
  return { seq: _id, id: eventId, ...rest, type: type as LifecycleEventType, data: json.parse(stored(data), `data of event "${eventId}"`) };
}

export function subscriptionToDoc(s: SubscriptionRecord, json: StoredJson): SubscriptionDoc {
  return { _id: s.id, rev: s.rev, record: json.stringify(s) };
}

export const docToSubscription = (doc: SubscriptionDoc, json: StoredJson): SubscriptionRecord => json.parse(stored(doc.record), `subscription "${doc._id}"`);

export function deadLetterToDoc(l: DeadLetter, json: StoredJson): DeadLetterDoc {
  return { _id: deadLetterId(l.subscriptionId, l.event.id), subscriptionId: l.subscriptionId, seq: l.event.seq, record: json.stringify(l) };
}

export const deadLetterId = (subscriptionId: string, eventId: string): string => `${subscriptionId} ${eventId}`;

export const docToDeadLetter = (doc: DeadLetterDoc, json: StoredJson): DeadLetter => json.parse(stored(doc.record), `dead letter "${doc._id}"`);
