/**
 * The SQLite schema. `PRAGMA user_version` records the schema version, so a later build can
 * migrate a file and an older build refuses a file it cannot read instead of misreading it.
 * No foreign keys: history, tasks and timers are keyed by instance id and removed with it.
 */
import type { Database } from 'better-sqlite3';
import { StoreError } from '../errors.js';

/**
 * 2: history is one row per transition (and run), its events a JSON array; partial indexes on tasks and on parents.
 * 3: a batch of events over 1 KB of JSON is stored deflated (rows of schema 2 stay text, and are read as they are).
 * 4: instances carry their redelivery tries and set-aside mark, timers count their claims, and the
 *    lease sweep claims expired task leases (so an older build, which would apply inputs to an
 *    instance set aside, refuses the file).
 * 5: lifecycle events (written with the transitions that make them), subscriptions and their dead
 *    letters; added in place to a file of schema 4 (an older build, which would commit transitions
 *    without their events, refuses the file).
 * 6: history batches in a rowid table, appended in commit order, found by a unique index: a
 *    commit writes its batches into a few tail pages instead of one page per instance in flight
 *    (the pages a commit dirties are what its fsync and the checkpoints pay for). Rebuilt from
 *    the clustered table of schemas 2–5 on open.
 */
const SCHEMA_VERSION = 6;

const DDL = `
CREATE TABLE IF NOT EXISTS definitions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  hash TEXT NOT NULL,
  source TEXT NOT NULL,
  definition TEXT NOT NULL,
  createdAt INTEGER NOT NULL,
  PRIMARY KEY (name, version),
  UNIQUE (name, hash)
);

CREATE TABLE IF NOT EXISTS instances (
  id TEXT PRIMARY KEY,
  run INTEGER NOT NULL,
  workflow TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  rev INTEGER NOT NULL,
  parentId TEXT,
  createdAt INTEGER NOT NULL,
  updatedAt INTEGER NOT NULL,
  waits TEXT NOT NULL,
  state TEXT NOT NULL,
  redelivery TEXT,
  setAside TEXT
);
CREATE INDEX IF NOT EXISTS instances_by_created ON instances (createdAt DESC, id DESC);
CREATE INDEX IF NOT EXISTS instances_by_workflow ON instances (workflow, createdAt, id);
CREATE INDEX IF NOT EXISTS instances_by_status ON instances (status, createdAt, id);
-- Only children: most instances have no parent, and a listing by parent always names one.
CREATE INDEX IF NOT EXISTS instances_of_parent ON instances (parentId, createdAt, id) WHERE parentId IS NOT NULL;
-- Only instances set aside: a handful at most, listed and counted by operators and metrics.
CREATE INDEX IF NOT EXISTS instances_set_aside ON instances (createdAt, id) WHERE setAside IS NOT NULL;

CREATE TABLE IF NOT EXISTS waits (
  instanceId TEXT NOT NULL,
  event TEXT NOT NULL,
  key TEXT
);
CREATE INDEX IF NOT EXISTS waits_by_event ON waits (event, key);
CREATE INDEX IF NOT EXISTS waits_by_instance ON waits (instanceId);
CREATE INDEX IF NOT EXISTS waits_by_key ON waits (key) WHERE key IS NOT NULL;

-- The history events one transition appended to one run: seq firstSeq..lastSeq, as a JSON array
-- of {seq, type, at, step?, details?}: text, or raw-deflated when over 1 KB. One insert per
-- commit, however many events it has. Rows go in commit order; the index finds an instance's.
CREATE TABLE IF NOT EXISTS history_batches (
  instanceId TEXT NOT NULL,
  run INTEGER NOT NULL,
  firstSeq INTEGER NOT NULL,
  lastSeq INTEGER NOT NULL,
  events BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS history_by_instance ON history_batches (instanceId, run, firstSeq);

CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  instanceId TEXT NOT NULL,
  run INTEGER NOT NULL,
  step TEXT NOT NULL,
  type TEXT NOT NULL,
  queue TEXT NOT NULL,
  input TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  timeoutMs INTEGER NOT NULL,
  heartbeatMs INTEGER,
  createdAt INTEGER NOT NULL,
  token TEXT,
  worker TEXT,
  leasedAt INTEGER,
  leaseExpiresAt INTEGER,
  sweptUntil INTEGER,
  sweeps INTEGER NOT NULL DEFAULT 0
);
-- Partial indexes: a queued task is only in the claim index, a leased one only in the lease and
-- token indexes, so each write of a task touches as few of them as its status needs.
CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_token ON tasks (token) WHERE token IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_queued ON tasks (queue, createdAt, id) WHERE status = 'QUEUED';
CREATE INDEX IF NOT EXISTS tasks_leased ON tasks (leaseExpiresAt, id) WHERE status = 'LEASED';
CREATE INDEX IF NOT EXISTS tasks_by_instance ON tasks (instanceId);

CREATE TABLE IF NOT EXISTS timers (
  id TEXT PRIMARY KEY,
  instanceId TEXT NOT NULL,
  dueAt INTEGER NOT NULL,
  input TEXT NOT NULL,
  leasedUntil INTEGER,
  claims INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS timers_by_due ON timers (dueAt, id);
CREATE INDEX IF NOT EXISTS timers_by_instance ON timers (instanceId);
-- When each timer becomes claimable (see nextTimerDue). An added index needs no new schema version:
-- older builds open the file and keep the index up to date without knowing of it.
CREATE INDEX IF NOT EXISTS timers_by_ready ON timers (max(dueAt, coalesce(leasedUntil, 0)));

-- Schedules: the record as JSON, with the columns the scheduler's queries need beside it.
-- hasWork = 1 while fires are pending or one is buffered.
CREATE TABLE IF NOT EXISTS schedules (
  id TEXT PRIMARY KEY,
  rev INTEGER NOT NULL,
  paused INTEGER NOT NULL,
  nextFireAt INTEGER,
  hasWork INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS schedules_by_next_fire ON schedules (paused, nextFireAt);
CREATE INDEX IF NOT EXISTS schedules_with_work ON schedules (hasWork) WHERE hasWork = 1;

-- Lifecycle events, in the transaction of the transition that made them: seq is the feed's order
-- (the single writer assigns it at commit, so a reader never sees a later seq before an earlier one).
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  instanceId TEXT NOT NULL,
  workflow TEXT NOT NULL,
  version INTEGER NOT NULL,
  run INTEGER NOT NULL,
  at INTEGER NOT NULL,
  step TEXT,
  data TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS subscriptions (
  id TEXT PRIMARY KEY,
  rev INTEGER NOT NULL,
  record TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS dead_letters (
  subscriptionId TEXT NOT NULL,
  eventId TEXT NOT NULL,
  seq INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (subscriptionId, eventId)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dead_letters_by_seq ON dead_letters (subscriptionId, seq);
-- Run slots of workflows with a concurrency limit: the instances holding one and those waiting,
-- in start order, as JSON arrays; a row only while either has any. (An added table needs no new
-- schema version, as an added index does not.)
CREATE TABLE IF NOT EXISTS run_slots (
  workflow TEXT PRIMARY KEY,
  holders TEXT NOT NULL,
  waiting TEXT NOT NULL
);
`;

/** Creates the tables and indexes if absent. Runs in one IMMEDIATE transaction, so engines starting together do not race. */
export function applySchema(db: Database): void {
  db.transaction(() => {
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > SCHEMA_VERSION) {
      throw new StoreError(
        'STORE_CORRUPT',
        `the database was written by a newer version of Segue (schema ${found}; this build reads up to ${SCHEMA_VERSION})`,
      );
    }
    if (found === 1) renameSchema1Tasks(db);
    if (found >= 1 && found < 4) addSchema4Columns(db);
    if (found >= 2 && found < 6) db.exec('ALTER TABLE history_batches RENAME TO history_clustered');
    db.exec(DDL);
    if (found === 1) migrateFromSchema1(db);
    if (found >= 2 && found < 6) migrateClusteredHistory(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Schema 1's tasks table is rebuilt (its token index was not partial), and its full parent index dropped, before the DDL. */
function renameSchema1Tasks(db: Database): void {
  db.exec(`
    DROP INDEX IF EXISTS instances_by_parent;
    DROP INDEX tasks_by_queue;
    DROP INDEX tasks_by_lease;
    DROP INDEX tasks_by_instance;
    ALTER TABLE tasks RENAME TO tasks_schema1;
  `);
}

/** Columns of schema 4, added to the tables an older file has, before the DDL indexes them. */
const SCHEMA4_COLUMNS: ReadonlyArray<[table: string, column: string, type: string]> = [
  ['instances', 'redelivery', 'TEXT'],
  ['instances', 'setAside', 'TEXT'],
  ['tasks', 'sweptUntil', 'INTEGER'],
  ['tasks', 'sweeps', 'INTEGER NOT NULL DEFAULT 0'],
  ['timers', 'claims', 'INTEGER NOT NULL DEFAULT 0'],
];

function addSchema4Columns(db: Database): void {
  for (const [table, column, type] of SCHEMA4_COLUMNS) {
    const columns = db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[];
    // An absent table is created whole by the DDL (so is schema 1's tasks table, renamed away).
    if (columns.length > 0 && !columns.includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

/** Schemas 2–5 kept history clustered by instance (WITHOUT ROWID): copied over in that order. */
function migrateClusteredHistory(db: Database): void {
  db.exec(`
    INSERT INTO history_batches (instanceId, run, firstSeq, lastSeq, events)
    SELECT instanceId, run, firstSeq, lastSeq, events FROM history_clustered ORDER BY instanceId, run, firstSeq;
    DROP TABLE history_clustered;
  `);
}

/** Schema 1 kept a row per history event: each becomes a batch of one. Its tasks are copied over. */
function migrateFromSchema1(db: Database): void {
  db.exec(`
    INSERT INTO tasks (id, instanceId, run, step, type, queue, input, attempt, status, timeoutMs, heartbeatMs,
      createdAt, token, worker, leasedAt, leaseExpiresAt)
    SELECT id, instanceId, run, step, type, queue, input, attempt, status, timeoutMs, heartbeatMs,
      createdAt, token, worker, leasedAt, leaseExpiresAt FROM tasks_schema1;
    DROP TABLE tasks_schema1;
    INSERT INTO history_batches (instanceId, run, firstSeq, lastSeq, events)
    SELECT instanceId, run, seq, seq, json_array(
      CASE WHEN details IS NULL THEN json(ev) ELSE json_set(ev, '$.details', json(details)) END)
    FROM (
      SELECT instanceId, run, seq, details,
        CASE WHEN step IS NULL THEN json_object('seq', seq, 'type', type, 'at', at)
             ELSE json_object('seq', seq, 'type', type, 'at', at, 'step', step) END AS ev
      FROM history
    );
    DROP TABLE history;
  `);
}
