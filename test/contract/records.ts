/** Hand-built records for the store contract suite: small, valid, and easy to vary per test. */
import type { Json } from '../../definitions/model.js';
import type {
  HistoryEvent,
  InstanceRecord,
  LifecycleEvent,
  StoredDefinition,
  TaskRecord,
  TimerRecord,
  Transition,
} from '../../engine/store/port.js';

export const T0 = 1_700_000_000_000;

export type Effects = Omit<Transition, 'expectedRev' | 'record'>;

/** Fields of a record to vary; its state may be any JSON. */
export type RecordFields = Omit<Partial<InstanceRecord>, 'state'> & { state?: Json };

/**
 * The store keeps a record's state and a timer's input as it is given, without reading them, so
 * the suite gives it plain JSON of its own rather than the engine's documents.
 */
function opaque<T>(value: Json): T {
  return value as unknown as T;
}

export function instance(id: string, fields: RecordFields = {}): InstanceRecord {
  const { state = { step: 'reserve', data: { orderId: id } }, ...rest } = fields;
  return {
    id,
    run: 1,
    workflow: 'orders',
    version: 1,
    status: 'RUNNING',
    rev: 1,
    parentId: null,
    createdAt: T0,
    updatedAt: T0,
    waits: [],
    ...rest,
    state: opaque(state),
  };
}

export function task(id: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    instanceId: 'i-1',
    run: 1,
    step: 'charge',
    type: 'payments.charge',
    queue: 'payments',
    input: { amount: 10 },
    attempt: 1,
    status: 'QUEUED',
    timeoutMs: 60_000,
    heartbeatMs: null,
    createdAt: T0,
    token: null,
    worker: null,
    leasedAt: null,
    leaseExpiresAt: null,
    ...fields,
  };
}

export function timer(id: string, fields: Partial<TimerRecord> = {}): TimerRecord {
  return { id, instanceId: 'i-1', dueAt: T0, input: opaque({ type: 'timer', id }), ...fields };
}

export function historyEvent(instanceId: string, seq: number, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { instanceId, run: 1, seq, type: 'StepStarted', at: T0 + seq, step: 'reserve', ...fields };
}

export function definition(name: string, version: number, fields: Partial<StoredDefinition> = {}): StoredDefinition {
  const source = `name: ${name}\nversion: ${version}\nsteps: []\n`;
  return {
    name,
    version,
    hash: `hash-${name}-${version}`,
    source,
    definition: { name, version, steps: [] },
    createdAt: T0,
    ...fields,
  };
}

function effects(fields: Partial<Effects>): Effects {
  return {
    history: [],
    createTasks: [],
    removeTasks: [],
    createTimers: [],
    removeTimers: [],
    createInstances: [],
    ...fields,
  };
}

/** The creation of `record` with the given effects. */
export function creation(record: InstanceRecord, fields: Partial<Effects> = {}): Omit<Transition, 'expectedRev'> {
  return { record, ...effects(fields) };
}

/** The transition from `record` to its next revision with `changes` applied. */
export function next(
  record: InstanceRecord,
  changes: RecordFields = {},
  fields: Partial<Effects> = {},
): Transition {
  const { state, ...rest } = changes;
  return {
    record: { ...record, updatedAt: record.updatedAt + 1, ...rest, ...(state === undefined ? {} : { state: opaque(state) }), rev: record.rev + 1 },
    expectedRev: record.rev,
    ...effects(fields),
  };
}

/** A lifecycle event of instance `instanceId`, as the transition of history seq `seq` makes it. */
export function lifecycleEvent(instanceId: string, seq: number, fields: Partial<LifecycleEvent> = {}): LifecycleEvent {
  return {
    id: `${instanceId}:1:${seq}`,
    type: 'segue.instance.started',
    instanceId,
    workflow: 'orders',
    version: 1,
    run: 1,
    at: T0 + seq,
    data: { status: 'RUNNING', 'odd.key': { $ref: 'kept as written' } },
    ...fields,
  };
}
