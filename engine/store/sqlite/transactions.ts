/**
 * The SQLite adapter's write transactions, built once per connection. The store runs each with
 * `.immediate()` (BEGIN IMMEDIATE): the write lock is taken up front, so connections in other
 * processes queue on the busy timeout instead of failing halfway on a stale read snapshot.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { faultPoint } from '../faults.js';
import {
  TERMINAL_STATUSES,
  type ClaimRequest,
  type InstanceRecord,
  type InstanceStatus,
  type StoredDefinition,
  type TaskRecord,
  type TimerRecord,
  type Transition,
} from '../port.js';
import {
  definitionToRow,
  historyToRow,
  instanceToRow,
  rowToDefinition,
  rowToTask,
  rowToTimer,
  taskToRow,
  timerToRow,
  type TimerRow,
} from './rows.js';
import type { Statements } from './statements.js';

const afterInstanceUpdate = faultPoint('sqlite.commitTransition.afterInstanceUpdate');
const beforeTransitionCommit = faultPoint('sqlite.commitTransition.beforeCommit');
const beforeCreateCommit = faultPoint('sqlite.createInstance.beforeCommit');
const beforeClaimTasksCommit = faultPoint('sqlite.claimTasks.beforeCommit');
const beforeClaimTimersCommit = faultPoint('sqlite.claimDueTimers.beforeCommit');

type Effects = Omit<Transition, 'expectedRev' | 'record'>;

/** A transaction the store runs under BEGIN IMMEDIATE. */
export interface ImmediateTransaction<A extends unknown[], R> {
  immediate(...args: A): R;
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byDueThenId = (a: TimerRow, b: TimerRow): number => a.dueAt - b.dueAt || byId(a, b);
const byCreatedThenId = (a: { id: string; createdAt: number }, b: { id: string; createdAt: number }): number =>
  a.createdAt - b.createdAt || byId(a, b);

/** The writes transactions share. */
function writers(s: Statements) {
  function insertWaits(record: InstanceRecord): void {
    for (const wait of record.waits) s.insertWait.run(record.id, wait.event, wait.key);
  }

  /** Insert-if-absent: false, and nothing written, when the id is taken. */
  function insertInstance(record: InstanceRecord): boolean {
    if (s.insertInstance.run(instanceToRow(record)).changes === 0) return false;
    insertWaits(record);
    return true;
  }

  /** Ids of the oldest `max` QUEUED tasks of those queues. */
  function pickQueued(queues: string[], max: number): string[] {
    if (queues.length === 1) return s.queuedInQueue.all(queues[0], max).map((row) => row.id);
    // Each queue's oldest come straight off its index; merging them beats sorting every queued task.
    const candidates = [...new Set(queues)].flatMap((queue) => s.queuedInQueue.all(queue, max));
    return candidates.sort(byCreatedThenId).slice(0, max).map((row) => row.id);
  }

  // Removals run before creations so one transition can re-arm a timer (or task) under the same id.
  function applyEffects(effects: Effects): void {
    for (const event of effects.history) s.insertHistory.run(historyToRow(event));
    for (const id of effects.removeTasks) s.deleteTask.run(id);
    for (const task of effects.createTasks) s.insertTask.run(taskToRow(task));
    for (const id of effects.removeTimers) s.deleteTimer.run(id);
    for (const timer of effects.createTimers) s.insertTimer.run(timerToRow(timer));
    for (const child of effects.createInstances) insertInstance(child);
  }

  return { insertWaits, insertInstance, pickQueued, applyEffects };
}

export function prepareTransactions(db: Database, s: Statements) {
  const transaction = <A extends unknown[], R>(work: (...args: A) => R): ImmediateTransaction<A, R> =>
    db.transaction(work);
  const { insertWaits, insertInstance, pickQueued, applyEffects } = writers(s);

  return {
    putDefinition: transaction((def: StoredDefinition) => {
      const same = s.definitionByHash.get(def.name, def.hash);
      if (same) return { definition: rowToDefinition(same), created: false };
      if (s.definitionByVersion.get(def.name, def.version)) {
        throw new StoreError(
          'STORE_CONFLICT',
          `workflow "${def.name}" version ${def.version} already exists with different content`,
        );
      }
      s.insertDefinition.run(definitionToRow(def));
      return { definition: def, created: true };
    }),

    createInstance: transaction((transition: Omit<Transition, 'expectedRev'>): boolean => {
      if (!insertInstance(transition.record)) return false;
      applyEffects(transition);
      beforeCreateCommit();
      return true;
    }),

    commitTransition: transaction((transition: Transition): boolean => {
      const row = Object.assign(instanceToRow(transition.record), { expectedRev: transition.expectedRev });
      // Nothing is written before this compare-and-swap, so a lost race leaves no trace.
      if (s.updateInstance.run(row).changes === 0) return false;
      afterInstanceUpdate();
      s.deleteWaits.run(transition.record.id);
      insertWaits(transition.record);
      applyEffects(transition);
      beforeTransitionCommit();
      return true;
    }),

    purgeInstance: transaction((id: string): boolean => {
      const status = s.instanceStatus.get(id);
      if (status === undefined || !TERMINAL_STATUSES.has(status as InstanceStatus)) return false;
      s.deleteInstance.run(id);
      s.deleteWaits.run(id);
      s.deleteHistory.run(id);
      s.deleteTasksOf.run(id);
      s.deleteTimersOf.run(id);
      return true;
    }),

    // Each task gets its own random token, so the ids are picked first and leased one by one;
    // the IMMEDIATE lock makes pick-and-lease atomic against every other claimer.
    claimTasks: transaction((req: ClaimRequest): TaskRecord[] => {
      const claimed: TaskRecord[] = [];
      for (const id of pickQueued(req.queues, req.max)) {
        const row = s.leaseTask.get({ id, token: randomUUID(), worker: req.worker, now: req.now });
        if (row) claimed.push(rowToTask(row));
      }
      beforeClaimTasksCommit();
      return claimed;
    }),

    claimDueTimers: transaction((now: number, limit: number, leaseMs: number): TimerRecord[] => {
      const rows = s.claimTimers.all({ now, until: now + leaseMs, limit });
      beforeClaimTimersCommit();
      // RETURNING gives no order guarantee.
      return rows.sort(byDueThenId).map(rowToTimer);
    }),
  };
}

export type Transactions = ReturnType<typeof prepareTransactions>;
