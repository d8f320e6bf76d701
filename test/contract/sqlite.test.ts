import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faults } from '../../engine/store/faults.js';
import { openStore, type OpenStoreOptions } from '../../engine/store/open-store.js';
import type { Store } from '../../engine/store/port.js';
import { SqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { T0, creation, definition, historyEvent, instance, lifecycleEvent, next, task, timer } from './records.js';
import { storeContract } from './store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'segue-sqlite-'));
let counter = 0;
const freshFile = () => join(root, `store-${++counter}.db`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

storeContract('sqlite file', async () => {
  const store = await openStore(`sqlite:${freshFile()}`);
  return { store, cleanup: () => store.close() };
});

storeContract('sqlite file, data sealed with a key', async () => {
  const store = await openStore(`sqlite:${freshFile()}`, { dataKeys: { current: { id: 'contract', key: randomBytes(32) }, old: [] } });
  return { store, cleanup: () => store.close() };
});

describe('SQLite store', () => {
  const open: Store[] = [];
  const track = async (path: string, options?: OpenStoreOptions) => {
    const store = await openStore(`sqlite:${path}`, options);
    open.push(store);
    return store;
  };
  afterEach(async () => {
    faults.disarmAll();
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('keeps everything across close and reopen, in WAL mode', async () => {
    const path = freshFile();
    const first = await track(path);
    await first.putDefinition(definition('orders', 1));
    const a = instance('i-1');
    await first.createInstance(creation(a, { createTasks: [task('t-1')], createTimers: [timer('tm-1', { dueAt: T0 + 5 })] }));
    const moved = next(a, { status: 'COMPLETED' }, { history: [historyEvent('i-1', 1)] });
    await first.commitTransition(moved);
    await first.close();

    const again = await track(path);
    expect(await again.getDefinition('orders')).toEqual(definition('orders', 1));
    expect(await again.getInstance('i-1')).toEqual(moved.record);
    expect(await again.readHistory('i-1', 1)).toEqual([historyEvent('i-1', 1)]);
    expect(await again.countQueued()).toEqual({ payments: 1 });
    expect(await again.nextTimerDue()).toBe(T0 + 5);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('migrates a schema 1 file (a history row per event, full task indexes) and reads it the same', async () => {
    const path = freshFile();
    const old = new Database(path);
    old.exec(`
      CREATE TABLE history (instanceId TEXT NOT NULL, run INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
        at INTEGER NOT NULL, step TEXT, details TEXT, PRIMARY KEY (instanceId, run, seq)) WITHOUT ROWID;
      CREATE TABLE tasks (id TEXT PRIMARY KEY, instanceId TEXT NOT NULL, run INTEGER NOT NULL, step TEXT NOT NULL,
        type TEXT NOT NULL, queue TEXT NOT NULL, input TEXT NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL,
        timeoutMs INTEGER NOT NULL, heartbeatMs INTEGER, createdAt INTEGER NOT NULL, token TEXT UNIQUE, worker TEXT,
        leasedAt INTEGER, leaseExpiresAt INTEGER);
      CREATE INDEX tasks_by_queue ON tasks (queue, status, createdAt, id);
      CREATE INDEX tasks_by_lease ON tasks (status, leaseExpiresAt, id);
      CREATE INDEX tasks_by_instance ON tasks (instanceId);
      CREATE TABLE instances (id TEXT PRIMARY KEY, run INTEGER NOT NULL, workflow TEXT NOT NULL, version INTEGER NOT NULL,
        status TEXT NOT NULL, rev INTEGER NOT NULL, parentId TEXT, createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL,
        waits TEXT NOT NULL, state TEXT NOT NULL);
      CREATE INDEX instances_by_parent ON instances (parentId, createdAt, id);
    `);
    const insert = old.prepare('INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run('i-1', 1, 1, 'InstanceStarted', T0, null, '{"workflow":"orders"}');
    insert.run('i-1', 1, 2, 'StepStarted', T0 + 2, 'reserve', null);
    old.prepare(`INSERT INTO tasks VALUES ('t-1', 'i-1', 1, 'reserve', 'payments', 'payments', '{"n":1}', 1, 'QUEUED', 60000, NULL, ?, NULL, NULL, NULL, NULL)`).run(T0);
    old.pragma('user_version = 1');
    old.close();
    const store = await track(path);
    expect(await store.readHistory('i-1', 1)).toEqual([
      { instanceId: 'i-1', run: 1, seq: 1, type: 'InstanceStarted', at: T0, details: { workflow: 'orders' } },
      { instanceId: 'i-1', run: 1, seq: 2, type: 'StepStarted', at: T0 + 2, step: 'reserve' },
    ]);
    const [claimed] = await store.claimTasks({ queues: ['payments'], worker: 'w', max: 5, now: T0 + 10 });
    expect(claimed).toMatchObject({ id: 't-1', input: { n: 1 }, status: 'LEASED', worker: 'w' });
    expect(await store.getTaskByToken(claimed!.token!)).toMatchObject({ id: 't-1' });
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(6);
    const names = raw.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'").pluck().all();
    expect(names).not.toContain('history');
    expect(names).not.toContain('tasks_schema1');
    expect(names).not.toContain('instances_by_parent');
    expect(names).toEqual(expect.arrayContaining(['tasks', 'tasks_by_token', 'tasks_queued', 'tasks_leased', 'history_batches', 'instances_of_parent']));
    raw.close();
  });

  it('stores long history batches deflated, and still reads the text rows of a schema 2 file it upgraded', async () => {
    const path = freshFile();
    const old = new Database(path);
    old.exec(`
      CREATE TABLE history_batches (instanceId TEXT NOT NULL, run INTEGER NOT NULL, firstSeq INTEGER NOT NULL,
        lastSeq INTEGER NOT NULL, events TEXT NOT NULL, PRIMARY KEY (instanceId, run, firstSeq)) WITHOUT ROWID;
    `);
    old.prepare('INSERT INTO history_batches VALUES (?, ?, ?, ?, ?)').run('i-1', 1, 1, 2, JSON.stringify([
      { seq: 1, type: 'InstanceStarted', at: T0, details: { workflow: 'orders' } },
      { seq: 2, type: 'StepStarted', at: T0 + 2, step: 'reserve' },
    ]));
    old.pragma('user_version = 2');
    old.close();

    const store = await track(path);
    const a = instance('i-1');
    await store.createInstance(creation(a));
    // Events that repeat themselves, as a chain of steps' do.
    const later = Array.from({ length: 30 }, (_, i) => historyEvent('i-1', 3 + i, { details: { taskId: 'i-1:1:t7', worker: 'in-process' } }));
    const moved = next(a, {}, { history: later });
    await store.commitTransition(moved);
    // A short batch is kept as text: deflating it would save no page.
    const last = historyEvent('i-1', 33);
    await store.commitTransition(next(moved.record, {}, { history: [last] }));
    expect(await store.readHistory('i-1', 1)).toEqual([
      { instanceId: 'i-1', run: 1, seq: 1, type: 'InstanceStarted', at: T0, details: { workflow: 'orders' } },
      { instanceId: 'i-1', run: 1, seq: 2, type: 'StepStarted', at: T0 + 2, step: 'reserve' },
      ...later,
      last,
    ]);
    expect(await store.readHistory('i-1', 1, 20)).toEqual([...later.slice(18), last]);

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(6);
    const rows = raw.prepare('SELECT firstSeq, typeof(events) AS kind, length(events) AS bytes FROM history_batches ORDER BY firstSeq').all();
    expect(rows).toMatchObject([{ firstSeq: 1, kind: 'text' }, { firstSeq: 3, kind: 'blob' }, { firstSeq: 33, kind: 'text' }]);
    const textBytes = JSON.stringify(later.map(({ instanceId: _i, run: _r, ...e }) => e)).length;
    expect((rows[1] as { bytes: number }).bytes).toBeLessThan(textBytes / 4);
    raw.close();
  });

  it('upgrades a schema 4 file in place: its instances carry on, and their transitions write events', async () => {
    const path = freshFile();
    const first = await track(path);
    const a = instance('i-1');
    await first.createInstance(creation(a, { history: [historyEvent('i-1', 1)] }));
    await first.close();
    // The file as a build of schema 4 left it: no event, subscription or dead letter tables.
    const old = new Database(path);
    old.exec('DROP TABLE events; DROP TABLE subscriptions; DROP TABLE dead_letters;');
    old.pragma('user_version = 4');
    old.close();

    const store = await track(path);
    expect(await store.getInstance('i-1')).toEqual(a);
    expect(await store.commitTransition(next(a, { status: 'COMPLETED' }, { events: [lifecycleEvent('i-1', 2, { type: 'segue.instance.completed' })] }))).toBe(true);
    expect((await store.readEvents(0, 10)).map((e) => [e.seq, e.id])).toEqual([[1, 'i-1:1:2']]);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(6);
    raw.close();
  });

  it('rebuilds the clustered history of a schema 5 file in commit order, and reads it the same', async () => {
    const path = freshFile();
    const first = await track(path);
    const [a, b] = [instance('i-a'), instance('i-b')];
    await first.createInstance(creation(a, { history: [historyEvent('i-a', 1)] }));
    await first.createInstance(creation(b, { history: [historyEvent('i-b', 1)] }));
    await first.commitTransition(next(a, {}, { history: [historyEvent('i-a', 2), historyEvent('i-a', 3)] }));
    await first.close();
    // The file as a build of schema 5 left it: history clustered by instance, in a WITHOUT ROWID table.
    const old = new Database(path);
    old.exec(`
      ALTER TABLE history_batches RENAME TO history_rowid;
      DROP INDEX history_by_instance;
      CREATE TABLE history_batches (instanceId TEXT NOT NULL, run INTEGER NOT NULL, firstSeq INTEGER NOT NULL,
        lastSeq INTEGER NOT NULL, events BLOB NOT NULL, PRIMARY KEY (instanceId, run, firstSeq)) WITHOUT ROWID;
      INSERT INTO history_batches SELECT instanceId, run, firstSeq, lastSeq, events FROM history_rowid;
      DROP TABLE history_rowid;
    `);
    old.pragma('user_version = 5');
    old.close();

    const store = await track(path);
    expect(await store.readHistory('i-a', 1)).toEqual([historyEvent('i-a', 1), historyEvent('i-a', 2), historyEvent('i-a', 3)]);
    expect(await store.readHistory('i-b', 1)).toEqual([historyEvent('i-b', 1)]);
    await store.commitTransition(next(b, {}, { history: [historyEvent('i-b', 2)] }));
    expect(await store.readHistory('i-b', 1)).toEqual([historyEvent('i-b', 1), historyEvent('i-b', 2)]);

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(6);
    const table = raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'history_batches'").pluck().get() as string;
    expect(table).not.toMatch(/WITHOUT ROWID/i);
    // Rows in commit order: the migrated ones in key order, then the new commit's at the end.
    const rows = raw.prepare('SELECT instanceId, firstSeq FROM history_batches ORDER BY rowid').all();
    expect(rows).toEqual([
      { instanceId: 'i-a', firstSeq: 1 },
      { instanceId: 'i-a', firstSeq: 2 },
      { instanceId: 'i-b', firstSeq: 1 },
      { instanceId: 'i-b', firstSeq: 2 },
    ]);
    const names = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(names).not.toContain('history_clustered');
    raw.close();
  });

  it('reports history it cannot decompress as STORE_CORRUPT, naming the events', async () => {
    const path = freshFile();
    const store = await track(path);
    await store.createInstance(creation(instance('i-1'), { history: [historyEvent('i-1', 1)] }));
    const raw = new Database(path);
    raw.prepare('UPDATE history_batches SET events = ?').run(Buffer.from([0xff, 0x00, 0x13, 0x37]));
    raw.close();
    await expect(store.readHistory('i-1', 1)).rejects.toMatchObject({
      code: 'STORE_CORRUPT',
      message: 'stored history events 1–1 of "i-1" cannot be decompressed',
    });
  });

  it('lets exactly one commit win when two connections race on one instance', async () => {
    const path = freshFile();
    const [one, two] = [await track(path), await track(path)];
    const a = instance('i-1');
    await one.createInstance(creation(a));
    const attempts = Array.from({ length: 10 }, (_, i) =>
      next(a, { state: { by: i } }, { history: [historyEvent('i-1', 1, { details: { by: i } })] }),
    );
    const results = await Promise.all(attempts.map((t, i) => (i % 2 ? one : two).commitTransition(t)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = attempts[results.indexOf(true)]!.record;
    expect(await one.getInstance('i-1')).toEqual(winner);
    expect(await two.getInstance('i-1')).toEqual(winner);
    expect(await two.readHistory('i-1', 1)).toHaveLength(1);
  });

  it('leases each task once across two connections', async () => {
    const path = freshFile();
    const stores = [await track(path), await track(path)];
    const ids = Array.from({ length: 30 }, (_, i) => `t-${String(i).padStart(2, '0')}`);
    await stores[0]!.createInstance(creation(instance('i-1'), { createTasks: ids.map((id) => task(id)) }));
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores[i % 2]!.claimTasks({ queues: ['payments'], worker: `w-${i}`, max: 3, now: T0 }),
      ),
    );
    expect(claims.flat().map((t) => t.id).sort()).toEqual(ids);
  });

  it('fails with STORE_BUSY when another connection holds the write lock past the busy timeout', async () => {
    const path = freshFile();
    const store = await track(path, { busyTimeoutMs: 50 });
    const a = instance('i-1');
    await store.createInstance(creation(a));
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    await expect(store.commitTransition(next(a))).rejects.toMatchObject({
      code: 'STORE_BUSY',
      retryable: true,
      message: `could not commit a transition of instance "i-1": the database is locked by another connection; try again`,
    });
    holder.exec('COMMIT');
    holder.close();
    expect(await store.commitTransition(next(a))).toBe(true);
  });

  it('refuses a database written by a newer schema', async () => {
    const path = freshFile();
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    await expect(openStore(`sqlite:${path}`)).rejects.toMatchObject({
      code: 'STORE_CORRUPT',
      message: 'the database was written by a newer version of Segue (schema 99; this build reads up to 6)',
    });
  });

  it('reports a path it cannot open as STORE_UNAVAILABLE', async () => {
    await expect(new SqliteStore({ path: root }).init()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('refuses calls after close and before init with a plain message', async () => {
    const store = await openStore(`sqlite:${freshFile()}`);
    await store.close();
    await expect(store.getInstance('i-1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'the store is closed' });
    await expect(new SqliteStore({ path: freshFile() }).ping()).rejects.toMatchObject({
      message: 'the store is not open; call init() first',
    });
  });

  it('validates its options with plain messages', () => {
    expect(() => new SqliteStore({ path: 'x.db', synchronous: 'off' as 'full' })).toThrow(
      'synchronous must be "full" or "normal", got "off"',
    );
    expect(() => new SqliteStore({ path: 'x.db', busyTimeoutMs: -1 })).toThrow(
      'busyTimeoutMs must be a whole number of milliseconds >= 0, got -1',
    );
    expect(() => new SqliteStore({ path: 'x.db', maxBatchSize: 0 })).toThrow('maxBatchSize must be a whole number >= 1, got 0');
  });
});

describe('fault seams', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore(`sqlite:${freshFile()}`, { synchronous: 'normal' });
  });
  afterEach(async () => {
    faults.disarmAll();
    await store.close();
  });

  const injected = (point: string) => ({ code: 'STORE_UNAVAILABLE', message: `storage failure injected at ${point}` });

  it.each(['sqlite.commitTransition.afterInstanceUpdate', 'sqlite.commitTransition.beforeCommit'])(
    '%s leaves nothing of the transition written, once',
    async (point) => {
      const a = instance('i-1', { waits: [{ event: 'paid', key: 'k' }] });
      await store.createInstance(creation(a, { createTasks: [task('t-old')] }));
      const transition = next(a, { state: { moved: true }, waits: [] }, {
        history: [historyEvent('i-1', 1)],
        createTasks: [task('t-new', { queue: 'new' })],
        removeTasks: ['t-old'],
        createTimers: [timer('tm-1')],
        createInstances: [instance('i-child')],
      });
      faults.arm(point);
      await expect(store.commitTransition(transition)).rejects.toMatchObject(injected(point));
      expect(await store.getInstance('i-1')).toEqual(a);
      expect(await store.readHistory('i-1', 1)).toEqual([]);
      expect(await store.countQueued()).toEqual({ payments: 1 });
      expect(await store.nextTimerDue()).toBeNull();
      expect(await store.getInstance('i-child')).toBeNull();
      expect(await store.findWaiting('paid', 'k')).toEqual(['i-1']);
      expect(await store.commitTransition(transition)).toBe(true);
    },
  );

  it('sqlite.createInstance.beforeCommit leaves no instance and no effects', async () => {
    const point = 'sqlite.createInstance.beforeCommit';
    const create = creation(instance('i-1'), { history: [historyEvent('i-1', 1)], createTasks: [task('t-1')] });
    faults.arm(point);
    await expect(store.createInstance(create)).rejects.toMatchObject(injected(point));
    expect(await store.getInstance('i-1')).toBeNull();
    expect(await store.readHistory('i-1', 1)).toEqual([]);
    expect(await store.countQueued()).toEqual({});
    expect(await store.createInstance(create)).toBe(true);
  });

  it('sqlite.claimTasks.beforeCommit leaves the tasks queued', async () => {
    const point = 'sqlite.claimTasks.beforeCommit';
    await store.createInstance(creation(instance('i-1'), { createTasks: [task('t-1'), task('t-2')] }));
    faults.arm(point);
    const claim = { queues: ['payments'], worker: 'w', max: 5, now: T0 };
    await expect(store.claimTasks(claim)).rejects.toMatchObject(injected(point));
    expect(await store.countQueued()).toEqual({ payments: 2 });
    expect(await store.claimTasks(claim)).toHaveLength(2);
  });

  it('sqlite.claimDueTimers.beforeCommit leaves the timers unleased', async () => {
    const point = 'sqlite.claimDueTimers.beforeCommit';
    await store.createInstance(creation(instance('i-1'), { createTimers: [timer('tm-1')] }));
    faults.arm(point);
    await expect(store.claimDueTimers(T0, 10, 60_000)).rejects.toMatchObject(injected(point));
    expect((await store.claimDueTimers(T0, 10, 60_000)).map((t) => t.id)).toEqual(['tm-1']);
  });

  it('arming an unknown point names the known ones', () => {
    expect(() => faults.arm('sqlite.nowhere')).toThrow(/no fault point named "sqlite.nowhere"; known points: .*sqlite.claimTasks.beforeCommit/);
  });
});

describe('openStore', () => {
  it('resolves a relative sqlite: path from the working directory and creates its folders', async () => {
    const file = join(root, 'nested', 'deeper', 'segue.db');
    const store = await openStore(`sqlite:${relative(process.cwd(), file)}`);
    await store.close();
    expect(existsSync(file)).toBe(true);
  });

  it('names the accepted forms for an unknown URL without echoing credentials', async () => {
    const failure = openStore('postgres://admin:s3cret@db/segue');
    await expect(failure).rejects.toMatchObject({ code: 'STORE_INVALID' });
    await expect(failure).rejects.toThrow(
      'unknown store URL scheme "postgres://"; accepted forms: "sqlite:<path>" (e.g. sqlite:./segue.db), "memory", or "mongodb://…" / "mongodb+srv://…"',
    );
    await expect(openStore('sqlite:')).rejects.toThrow('store URL "sqlite:" has no file path');
  });
});
