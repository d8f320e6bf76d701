/**
 * Every fixed statement of the SQLite adapter, prepared once per connection. The instance list,
 * whose shape depends on the filter, is prepared per filter shape and cached by the store.
 */
import type { Database, RunResult } from 'better-sqlite3';
import type { TaskGroup } from '../queue-summary.js';
import type { EventRow } from './events.js';
import type { DefinitionRow, HistoryBatchRow, InstanceRow, TaskRow, TimerRow } from './rows.js';

/** The part of a prepared statement the adapter uses. */
export interface Prepared<P extends unknown[], R> {
  run(...params: P): RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
}

/** Lease length per claim: the heartbeat interval when shorter than the task timeout. */
const LEASE_UNTIL = '@now + min(timeoutMs, coalesce(heartbeatMs, timeoutMs))';

function preparer(db: Database) {
  return {
    one: <P extends unknown[], R>(sql: string): Prepared<P, R> => db.prepare<P, R>(sql),
    /** A statement returning the first column of each row instead of the row. */
    column: <P extends unknown[], R>(sql: string): Prepared<P, R> => db.prepare<P, R>(sql).pluck(),
    named: <P extends object, R = unknown>(sql: string): Prepared<[P], R> => db.prepare<[P], R>(sql),
  };
}

type Preparer = ReturnType<typeof preparer>;

function definitionStatements({ one, named }: Preparer) {
  return {
    definitionByHash: one<[string, string], DefinitionRow>('SELECT * FROM definitions WHERE name = ? AND hash = ?'),
    definitionByVersion: one<[string, number], DefinitionRow>('SELECT * FROM definitions WHERE name = ? AND version = ?'),
    latestDefinition: one<[string], DefinitionRow>(
      'SELECT * FROM definitions WHERE name = ? ORDER BY version DESC LIMIT 1',
    ),
    latestVersion: one<[string], { version: number | null }>('SELECT max(version) AS version FROM definitions WHERE name = ?'),
    definitionVersions: one<[string], DefinitionRow>('SELECT * FROM definitions WHERE name = ? ORDER BY version'),
    latestDefinitions: one<[], DefinitionRow>(
      `SELECT d.* FROM definitions d
       WHERE d.version = (SELECT max(version) FROM definitions WHERE name = d.name) ORDER BY d.name`,
    ),
    insertDefinition: named<DefinitionRow>(
      `INSERT INTO definitions (name, version, hash, source, definition, createdAt)
       VALUES (@name, @version, @hash, @source, @definition, @createdAt)`,
    ),
  };
}

function instanceStatements({ one, column, named }: Preparer) {
  return {
    getInstance: one<[string], InstanceRow>('SELECT * FROM instances WHERE id = ?'),
    instanceStatus: column<[string], string>('SELECT status FROM instances WHERE id = ?'),
    insertInstance: named<InstanceRow>(
      `INSERT OR IGNORE INTO instances
         (id, run, workflow, version, status, rev, parentId, createdAt, updatedAt, waits, state, redelivery, setAside)
       VALUES (@id, @run, @workflow, @version, @status, @rev, @parentId, @createdAt, @updatedAt, @waits, @state, @redelivery, @setAside)`,
    ),
    // The compare-and-swap every transition goes through: no row changes when `rev` moved on. The
    // columns that never change (workflow, parentId, createdAt) are left alone, and their indexes with them.
    updateInstance: named<InstanceRow & { expectedRev: number }>(
      `UPDATE instances SET run = @run, version = @version, status = @status, rev = @rev,
         updatedAt = @updatedAt, waits = @waits, state = @state, redelivery = @redelivery, setAside = @setAside
       WHERE id = @id AND rev = @expectedRev`,
    ),
    deleteInstance: one<[string], unknown>('DELETE FROM instances WHERE id = ?'),
    countSetAside: one<[], { workflow: string; n: number }>(
      'SELECT workflow, count(*) AS n FROM instances WHERE setAside IS NOT NULL GROUP BY workflow',
    ),

    insertWait: one<[string, string, string | null], unknown>('INSERT INTO waits (instanceId, event, key) VALUES (?, ?, ?)'),
    deleteWaits: one<[string], unknown>('DELETE FROM waits WHERE instanceId = ?'),
    findWaiting: column<[string, string], string>(
      'SELECT DISTINCT instanceId FROM waits WHERE event = ? AND key = ? ORDER BY instanceId',
    ),
    findByWaitKey: column<[string, number], string>(
      'SELECT DISTINCT instanceId FROM waits WHERE key = ? AND key IS NOT NULL ORDER BY instanceId LIMIT ?',
    ),

    insertHistory: named<HistoryBatchRow>(
      `INSERT INTO history_batches (instanceId, run, firstSeq, lastSeq, events)
       VALUES (@instanceId, @run, @firstSeq, @lastSeq, @events)`,
    ),
    /** The batches holding events after seq ?, in order. */
    readHistory: one<[string, number, number], HistoryBatchRow>(
      'SELECT * FROM history_batches WHERE instanceId = ? AND run = ? AND lastSeq > ? ORDER BY firstSeq',
    ),
    deleteHistory: one<[string], unknown>('DELETE FROM history_batches WHERE instanceId = ?'),
    insertEvent: named<EventRow>(
      `INSERT INTO events (id, type, instanceId, workflow, version, run, at, step, data)
       VALUES (@id, @type, @instanceId, @workflow, @version, @run, @at, @step, @data)`,
    ),
  };
}

function taskStatements({ one, named }: Preparer) {
  return {
    insertTask: named<TaskRow>(
      `INSERT INTO tasks (id, instanceId, run, step, type, queue, input, attempt, status, timeoutMs, heartbeatMs,
         createdAt, token, worker, leasedAt, leaseExpiresAt)
       VALUES (@id, @instanceId, @run, @step, @type, @queue, @input, @attempt, @status, @timeoutMs, @heartbeatMs,
         @createdAt, @token, @worker, @leasedAt, @leaseExpiresAt)`,
    ),
    deleteTask: one<[string], unknown>('DELETE FROM tasks WHERE id = ?'),
    deleteTasksOf: one<[string], unknown>('DELETE FROM tasks WHERE instanceId = ?'),
    queuedInQueue: one<[string, number], { id: string; createdAt: number }>(
      `SELECT id, createdAt FROM tasks WHERE queue = ? AND status = 'QUEUED' ORDER BY createdAt, id LIMIT ?`,
    ),
    leaseTask: named<{ id: string; token: string; worker: string; now: number }, TaskRow>(
      `UPDATE tasks SET status = 'LEASED', token = @token, worker = @worker, leasedAt = @now,
         leaseExpiresAt = ${LEASE_UNTIL}
       WHERE id = @id AND status = 'QUEUED' RETURNING *`,
    ),
    taskByToken: one<[string], TaskRow>(`SELECT * FROM tasks WHERE token = ? AND status = 'LEASED'`),
    // max(): a late, out-of-order heartbeat never shortens a lease.
    extendLease: one<[number, string], unknown>(
      `UPDATE tasks SET leaseExpiresAt = max(leaseExpiresAt, ?) WHERE token = ? AND status = 'LEASED'`,
    ),
    // The sweep's own claim is kept apart from the lease (sweptUntil), which tells a timeout by
    // heartbeat from one by the attempt's timeout.
    claimExpiredLeases: named<{ now: number; until: number; limit: number }, TaskRow>(
      `UPDATE tasks SET sweptUntil = @until, sweeps = sweeps + 1
       WHERE id IN (SELECT id FROM tasks WHERE status = 'LEASED' AND leaseExpiresAt <= @now
                      AND (sweptUntil IS NULL OR sweptUntil <= @now)
                    ORDER BY leaseExpiresAt, id LIMIT @limit)
       RETURNING *`,
    ),
    expiredLeases: one<[number, number], TaskRow>(
      `SELECT * FROM tasks WHERE status = 'LEASED' AND leaseExpiresAt <= ? ORDER BY leaseExpiresAt, id LIMIT ?`,
    ),
    countQueued: one<[], { queue: string; n: number }>(
      `SELECT queue, count(*) AS n FROM tasks WHERE status = 'QUEUED' GROUP BY queue`,
    ),
    taskGroups: one<[], TaskGroup>(
      'SELECT queue, status, worker, count(*) AS n, min(createdAt) AS oldest FROM tasks GROUP BY queue, status, worker',
    ),
    queuedBy: one<[string, number, number], TaskRow>(
      `SELECT * FROM tasks WHERE queue = ? AND status = 'QUEUED' AND createdAt <= ? ORDER BY createdAt, id LIMIT ?`,
    ),
  };
}

function timerStatements({ one, column, named }: Preparer) {
  return {
    insertTimer: named<TimerRow>('INSERT INTO timers (id, instanceId, dueAt, input) VALUES (@id, @instanceId, @dueAt, @input)'),
    deleteTimer: one<[string], unknown>('DELETE FROM timers WHERE id = ?'),
    deleteTimersOf: one<[string], unknown>('DELETE FROM timers WHERE instanceId = ?'),
    claimTimers: named<{ now: number; until: number; limit: number }, TimerRow>(
      `UPDATE timers SET leasedUntil = @until, claims = claims + 1
       WHERE id IN (SELECT id FROM timers WHERE dueAt <= @now AND (leasedUntil IS NULL OR leasedUntil <= @now)
                    ORDER BY dueAt, id LIMIT @limit)
       RETURNING id, instanceId, dueAt, input, claims`,
    ),
    // When the next timer becomes claimable: a leased one only once its lease ends. Served by
    // the timers_by_ready expression index, whose expression this must repeat exactly.
    nextTimerDue: column<[], number | null>('SELECT min(max(dueAt, coalesce(leasedUntil, 0))) FROM timers'),
  };
}

export function prepareStatements(db: Database) {
  const p = preparer(db);
  return {
    ping: p.column<[], unknown>('SELECT 1'),
    ...definitionStatements(p),
    ...instanceStatements(p),
    ...taskStatements(p),
    ...timerStatements(p),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
