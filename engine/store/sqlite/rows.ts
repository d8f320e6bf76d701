/**
 * Row ↔ record mapping for the SQLite adapter. JSON columns hold JSON.stringify text (long history
 * batches deflated), or with a data key the same sealed (stored-json.ts), and are parsed on read;
 * optional record fields stored as NULL are left out of the record again. Writes are turned into rows when they are submitted, not when their batch
 * runs: the batch then stores what the caller passed even if the caller changes its objects
 * meanwhile, and each JSON field is serialised exactly once.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { parseJson } from '../checks.js';
import { StoreError } from '../errors.js';
import { eventToRow, type EventRow } from './events.js';
import { isSealed, type StoredForm, type StoredJson } from '../stored-json.js';
import type {
  EventWait,
  HistoryEvent,
  InstanceRecord,
  InstanceStatus,
  Redelivery,
  SetAside,
  StoredDefinition,
  TaskRecord,
  TaskStatus,
  TimerRecord,
  Transition,
} from '../port.js';

export interface DefinitionRow {
  name: string;
  version: number;
  hash: string;
  source: string;
  definition: string;
  createdAt: number;
}

export interface InstanceRow {
  id: string;
  run: number;
  workflow: string;
  version: number;
  status: string;
  rev: number;
  parentId: string | null;
  createdAt: number;
  updatedAt: number;
  /** The record's waits as JSON, so a read needs no join; the waits table is the lookup index. */
  waits: string;
  state: StoredForm;
  /** JSON of the record's redelivery and setAside marks, NULL without them. */
  redelivery: StoredForm | null;
  setAside: StoredForm | null;
}

/** The events one transition appended to one run. */
export interface HistoryBatchRow {
  instanceId: string;
  run: number;
  firstSeq: number;
  lastSeq: number;
  /** A JSON array of StoredEvent: as text, (from schema 3, when it is long) raw-deflated, or sealed. */
  events: Buffer | string;
}

/** An event in a batch: its instance and run are the row's. */
type StoredEvent = Pick<HistoryEvent, 'seq' | 'type' | 'at' | 'step' | 'details'>;

export interface TaskRow {
  id: string;
  instanceId: string;
  run: number;
  step: string;
  type: string;
  queue: string;
  input: StoredForm;
  attempt: number;
  status: string;
  timeoutMs: number;
  heartbeatMs: number | null;
  createdAt: number;
  token: string | null;
  worker: string | null;
  leasedAt: number | null;
  leaseExpiresAt: number | null;
  /** Read only: set by the lease sweep's claims. */
  sweeps?: number;
}

export interface TimerRow {
  id: string;
  instanceId: string;
  dueAt: number;
  input: StoredForm;
  /** Read only: counted by claims. */
  claims?: number;
}


export function definitionToRow(def: StoredDefinition): DefinitionRow {
  return { ...def, definition: JSON.stringify(def.definition) };
}

export function rowToDefinition(row: DefinitionRow): StoredDefinition {
  return { ...row, definition: parseJson(row.definition, `definition of workflow "${row.name}"`) };
}

// Most instances wait on nothing: skip the JSON round trip for that case.
const NO_WAITS = '[]';

export function instanceToRow(record: InstanceRecord, json: StoredJson, stateJson?: string): InstanceRow {
  return {
    id: record.id,
    run: record.run,
    workflow: record.workflow,
    version: record.version,
    status: record.status,
    rev: record.rev,
    parentId: record.parentId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    waits: record.waits.length === 0 ? NO_WAITS : JSON.stringify(record.waits),
    state: json.encode(stateJson ?? JSON.stringify(record.state)),
    redelivery: record.redelivery ? json.stringify(record.redelivery) : null,
    setAside: record.setAside ? json.stringify(record.setAside) : null,
  };
}

export function rowToInstance(row: InstanceRow, json: StoredJson): InstanceRecord {
  const record: InstanceRecord = {
    id: row.id,
    run: row.run,
    workflow: row.workflow,
    version: row.version,
    status: row.status as InstanceStatus,
    rev: row.rev,
    parentId: row.parentId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    waits: row.waits === NO_WAITS ? [] : parseJson<EventWait[]>(row.waits, `waits of instance "${row.id}"`),
    state: json.parse(row.state, `state of instance "${row.id}"`),
  };
  if (row.redelivery !== null) record.redelivery = json.parse<Redelivery>(row.redelivery, `redelivery of instance "${row.id}"`);
  if (row.setAside !== null) record.setAside = json.parse<SetAside>(row.setAside, `set-aside mark of instance "${row.id}"`);
  return record;
}

/** A transition's events as rows: one per run they belong to (a `continue` starts a run mid-transition). */
export function historyBatches(events: HistoryEvent[], json: StoredJson): HistoryBatchRow[] {
  const batches: { first: HistoryEvent; stored: StoredEvent[] }[] = [];
  for (const e of events) {
    const last = batches.at(-1);
    const stored: StoredEvent = { seq: e.seq, type: e.type, at: e.at, step: e.step, details: e.details };
    if (last && last.first.run === e.run && last.first.instanceId === e.instanceId) last.stored.push(stored);
    else batches.push({ first: e, stored: [stored] });
  }
  return batches.map(({ first, stored }) => ({
    instanceId: first.instanceId,
    run: first.run,
    firstSeq: first.seq,
    lastSeq: stored.at(-1)!.seq,
    events: packEvents(stored, json),
  }));
}

/**
 * Above this many characters a batch is stored deflated. SQLite keeps about 1 KB of a row of this
 * table in its b-tree page and moves the rest to overflow pages, so a longer batch costs whole
 * extra pages per commit; a shorter one costs none, and deflating it would only cost the call.
 */
const DEFLATE_FROM_CHARS = 1_000;

// History is most of what a commit writes (a W1 chain: 6.6 KB of JSON), and its text repeats
// itself: deflated it is a tenth of that. The fastest level compresses about as well as the others here.
function packEvents(stored: StoredEvent[], json: StoredJson): Buffer | string {
  const text = JSON.stringify(stored);
  const deflate = text.length >= DEFLATE_FROM_CHARS;
  if (json.keyId !== null) return json.encode(text, deflate);
  return deflate ? deflateRawSync(text, { level: 1 }) : text;
}

function unpackEvents(row: HistoryBatchRow, json: StoredJson): StoredEvent[] {
  const what = `history events ${row.firstSeq}–${row.lastSeq} of "${row.instanceId}"`;
  const { events } = row;
  if (typeof events !== 'string' && !isSealed(events)) return parseJson<StoredEvent[]>(inflated(events, what), what);
  return json.parse<StoredEvent[]>(events, what);
}

function inflated(deflated: Buffer, what: string): string {
  try {
    return inflateRawSync(deflated).toString('utf8');
  } catch (err) {
    throw new StoreError('STORE_CORRUPT', `stored ${what} cannot be decompressed`, { cause: err });
  }
}

export function batchToHistory(row: HistoryBatchRow, json: StoredJson): HistoryEvent[] {
  return unpackEvents(row, json).map((e) => {
    const event: HistoryEvent = { instanceId: row.instanceId, run: row.run, seq: e.seq, type: e.type, at: e.at };
    if (e.step !== undefined) event.step = e.step;
    if (e.details !== undefined) event.details = e.details;
    return event;
  });
}

export function taskToRow(task: TaskRecord, json: StoredJson): TaskRow {
  const { sweeps: _counted, ...row } = task;
  return { ...row, input: json.stringify(task.input) };
}

export function rowToTask(row: TaskRow, json: StoredJson): TaskRecord {
  const task: TaskRecord = {
    id: row.id,
    instanceId: row.instanceId,
    run: row.run,
    step: row.step,
    type: row.type,
    queue: row.queue,
    input: json.parse(row.input, `input of task "${row.id}"`),
    attempt: row.attempt,
    status: row.status as TaskStatus,
    timeoutMs: row.timeoutMs,
    heartbeatMs: row.heartbeatMs,
    createdAt: row.createdAt,
    token: row.token,
    worker: row.worker,
    leasedAt: row.leasedAt,
    leaseExpiresAt: row.leaseExpiresAt,
  };
  if (row.sweeps) task.sweeps = row.sweeps;
  return task;
}

export function timerToRow(timer: TimerRecord, json: StoredJson): TimerRow {
  return { id: timer.id, instanceId: timer.instanceId, dueAt: timer.dueAt, input: json.stringify(timer.input) };
}

export function rowToTimer(row: TimerRow, json: StoredJson): TimerRecord {
  const timer: TimerRecord = { id: row.id, instanceId: row.instanceId, dueAt: row.dueAt, input: json.parse(row.input, `input of timer "${row.id}"`) };
  if (row.claims) timer.claims = row.claims;
  return timer;
}

/** An instance as written: its row, and its waits for the lookup table. */
export interface InstanceWrite {
  row: InstanceRow;
  waits: Array<[event: string, key: string | null]>;
}

export function instanceWrite(record: InstanceRecord, json: StoredJson, stateJson?: string): InstanceWrite {
  return { row: instanceToRow(record, json, stateJson), waits: record.waits.map((w) => [w.event, w.key]) };
}

/** A transition (or a creation, without `expectedRev`) as rows. */
export interface TransitionRows {
  instance: InstanceWrite;
  expectedRev: number;
  history: HistoryBatchRow[];
  createTasks: TaskRow[];
  removeTasks: string[];
  createTimers: TimerRow[];
  removeTimers: string[];
  createInstances: InstanceWrite[];
  events: EventRow[];
}

export function transitionRows(transition: Omit<Transition, 'expectedRev'>, json: StoredJson, expectedRev = 0): TransitionRows {
  return {
    instance: instanceWrite(transition.record, json, transition.stateJson),
    expectedRev,
    history: historyBatches(transition.history, json),
    createTasks: transition.createTasks.map((task) => taskToRow(task, json)),
    // A Set both copies and drops repeats (the engine may remove a consumed task twice).
    removeTasks: [...new Set(transition.removeTasks)],
    createTimers: transition.createTimers.map((timer) => timerToRow(timer, json)),
    removeTimers: [...new Set(transition.removeTimers)],
    createInstances: transition.createInstances.map((r) => instanceWrite(r, json)),
    events: (transition.events ?? []).map((event) => eventToRow(event, json)),
  };
}
