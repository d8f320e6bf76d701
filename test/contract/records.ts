/** Hand-built records for the store contract suite: small, valid, and easy to vary per test. */
import type {
  HistoryEvent,
  InstanceRecord,
  StoredDefinition,
  TaskRecord,
  TimerRecord,
  Transition,
} from '../../engine/store/port.js';

export const T0 = 1_700_000_000_000;

export type Effects = Omit<Transition, 'expectedRev' | 'record'>;

export function instance(id: string, fields: Partial<InstanceRecord> = {}): InstanceRecord {
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
    state: { step: 'reserve', data: { orderId: id } },
    ...fields,
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
  return { id, instanceId: 'i-1', dueAt: T0, input: { type: 'timer', id }, ...fields };
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
  changes: Partial<InstanceRecord> = {},
  fields: Partial<Effects> = {},
): Transition {
  return {
    record: { ...record, updatedAt: record.updatedAt + 1, ...changes, rev: record.rev + 1 },
    expectedRev: record.rev,
    ...effects(fields),
  };
}
