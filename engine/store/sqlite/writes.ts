/**
 * The SQLite adapter's writes, built once per connection. Each runs inside a group-commit batch
 * (group-commit.ts), in its own savepoint of a BEGIN IMMEDIATE transaction: the write lock is
 * taken up front, so connections in other processes queue on the busy timeout instead of failing
 * halfway on a stale read snapshot, and every read-then-write below is atomic against them.
 */
import { randomUUID } from 'node:crypto';
import { StoreError } from '../errors.js';
import { faultPoint } from '../faults.js';
import {
  TERMINAL_STATUSES,
  type ClaimRequest,
  type InstanceStatus,
  type StoredDefinition,
  type TaskRecord,
  type TimerRecord,
} from '../port.js';
import {
  rowToDefinition,
  rowToTask,
  rowToTimer,
  type DefinitionRow,
  type InstanceWrite,
  type TimerRow,
  type TransitionRows,
} from './rows.js';
import type { Statements } from './statements.js';
import type { StoredJson } from '../stored-json.js';

const afterInstanceUpdate = faultPoint('sqlite.commitTransition.afterInstanceUpdate');
const beforeTransitionCommit = faultPoint('sqlite.commitTransition.beforeCommit');
const beforeCreateCommit = faultPoint('sqlite.createInstance.beforeCommit');
const beforeClaimTasksCommit = faultPoint('sqlite.claimTasks.beforeCommit');
const beforeClaimTimersCommit = faultPoint('sqlite.claimDueTimers.beforeCommit');

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byDueThenId = (a: TimerRow, b: TimerRow): number => a.dueAt - b.dueAt || byId(a, b);
export const byCreatedThenId = (a: { id: string; createdAt: number }, b: { id: string; createdAt: number }): number =>
  a.createdAt - b.createdAt || byId(a, b);

/** The writes the others share. */
function writers(s: Statements) {
  function insertWaits(write: InstanceWrite): void {
    for (const [event, key] of write.waits) s.insertWait.run(write.row.id, event, key);
  }

  /** Insert-if-absent: false, and nothing written, when the id is taken. */
  function insertInstance(write: InstanceWrite): boolean {
    if (s.insertInstance.run(write.row).changes === 0) return false;
    insertWaits(write);
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
  function applyEffects(rows: TransitionRows): void {
    for (const event of rows.history) s.insertHistory.run(event);
    for (const id of rows.removeTasks) s.deleteTask.run(id);
    for (const task of rows.createTasks) s.insertTask.run(task);
    for (const id of rows.removeTimers) s.deleteTimer.run(id);
    for (const timer of rows.createTimers) s.insertTimer.run(timer);
    for (const child of rows.createInstances) insertInstance(child);
    for (const event of rows.events) s.insertEvent.run(event);
  }

  return { insertWaits, insertInstance, pickQueued, applyEffects };
}

export function prepareWrites(s: Statements, json: StoredJson) {
  const { insertWaits, insertInstance, pickQueued, applyEffects } = writers(s);

  return {
    putDefinition(def: StoredDefinition, row: DefinitionRow): { definition: StoredDefinition; created: boolean } {
      const same = s.definitionByHash.get(def.name, def.hash);
      if (same) return { definition: rowToDefinition(same), created: false };
      if (s.definitionByVersion.get(def.name, def.version)) {
        throw new StoreError(
          'STORE_CONFLICT',
          `workflow "${def.name}" version ${def.version} already exists with different content`,
        );
      }
      s.insertDefinition.run(row);
      return { definition: def, created: true };
    },

    createInstance(rows: TransitionRows): boolean {
      if (!insertInstance(rows.instance)) return false;
      applyEffects(rows);
      beforeCreateCommit();
      return true;
    },

    commitTransition(rows: TransitionRows): boolean {
      const { instance } = rows;
      // Nothing is written before this compare-and-swap, so a lost race leaves no trace.
      if (s.updateInstance.run({ ...instance.row, expectedRev: rows.expectedRev }).changes === 0) return false;
      afterInstanceUpdate();
      s.deleteWaits.run(instance.row.id);
      insertWaits(instance);
      applyEffects(rows);
      beforeTransitionCommit();
      return true;
    },

    purgeInstance(id: string): boolean {
      const status = s.instanceStatus.get(id);
      if (status === undefined || !TERMINAL_STATUSES.has(status as InstanceStatus)) return false;
      s.deleteInstance.run(id);
      s.deleteWaits.run(id);
      s.deleteHistory.run(id);
      s.deleteTasksOf.run(id);
      s.deleteTimersOf.run(id);
      return true;
    },

    // Each task gets its own random token, so the ids are picked first and leased one by one;
    // the batch's IMMEDIATE lock makes pick-and-lease atomic against every other claimer.
    claimTasks(req: ClaimRequest): TaskRecord[] {
      const claimed: TaskRecord[] = [];
      for (const id of pickQueued(req.queues, req.max)) {
        const row = s.leaseTask.get({ id, token: randomUUID(), worker: req.worker, now: req.now });
        if (row) claimed.push(rowToTask(row, json));
      }
      beforeClaimTasksCommit();
      return claimed;
    },

    extendLease(token: string, until: number): boolean {
      return s.extendLease.run(until, token).changes > 0;
    },

    claimExpiredLeases(now: number, limit: number, leaseMs: number): TaskRecord[] {
      const rows = s.claimExpiredLeases.all({ now, until: now + leaseMs, limit });
      // RETURNING gives no order guarantee.
      return rows.sort((a, b) => a.leaseExpiresAt! - b.leaseExpiresAt! || byId(a, b)).map((row) => rowToTask(row, json));
    },

    claimDueTimers(now: number, limit: number, leaseMs: number): TimerRecord[] {
      const rows = s.claimTimers.all({ now, until: now + leaseMs, limit });
      beforeClaimTimersCommit();
      // RETURNING gives no order guarantee.
      return rows.sort(byDueThenId).map((row) => rowToTimer(row, json));
    },
  };
}

export type Writes = ReturnType<typeof prepareWrites>;
