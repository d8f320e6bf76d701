import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { BSON, MongoClient, MongoServerError, type Document } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../engine/store/cursor.js';
import { faults } from '../../engine/store/faults.js';
import {
  checkDocumentSize,
  definitionToDoc,
  docToDefinition,
  docToHistory,
  docToInstance,
  docToTask,
  docToTimer,
  historyToDoc,
  instanceToDoc,
  taskToDoc,
  timerToDoc,
  type InstanceDoc,
  type TaskDoc,
} from '../../engine/store/mongodb/documents.js';
import { listQuery, waitingFilter } from '../../engine/store/mongodb/list-instances.js';
import { applySchema, INDEXES, PLAIN_FORMS } from '../../engine/store/mongodb/indexes.js';
import { openCollections } from '../../engine/store/mongodb/collections.js';
import { Batches } from '../../engine/store/mongodb/batches.js';
import { isDuplicateKey, normaliseMongoError } from '../../engine/store/mongodb/mongodb-errors.js';
import { createMongoStore, MongoStore, type MongoStoreOptions } from '../../engine/store/mongodb/mongodb-store.js';
import { parseMongoUrl } from '../../engine/store/mongodb/mongodb-url.js';
import { pendingFilter, planEffects } from '../../engine/store/mongodb/outbox.js';
import { CLAIM_SORT, DUE_SORT, EXPIRY_SORT, dueFilter, expiredFilter, queuedFilter, tokenFilter } from '../../engine/store/mongodb/work.js';
import { openStore } from '../../engine/store/open-store.js';
import { PLAIN_JSON } from '../../engine/store/stored-json.js';
import type { Store } from '../../engine/store/port.js';
import { T0, creation, definition, historyEvent, instance, lifecycleEvent, next, task, timer } from './records.js';
import { storeContract } from './store-contract.js';

const uri = process.env.MONGODB_URI;

/** The queries of the hot path that filter on more than _id, and the index MongoDB serves each from. */
const HOT_QUERIES: { index: string; collection: string; filter: Document; sort?: Document }[] = [
  { index: 'tasks_queued', collection: 'tasks', filter: queuedFilter(['a', 'b']), sort: CLAIM_SORT },
  { index: 'tasks_leased_by_expiry', collection: 'tasks', filter: expiredFilter(T0), sort: EXPIRY_SORT },
  { index: 'tasks_by_token', collection: 'tasks', filter: tokenFilter('tok') },
  { index: 'timers_by_due', collection: 'timers', filter: dueFilter(T0), sort: DUE_SORT },
  { index: 'instances_with_outbox', collection: 'instances', filter: pendingFilter(T0) },
  { index: 'instances_by_wait', collection: 'instances', filter: waitingFilter('e', 'k') },
  { index: 'history_by_run', collection: 'history', filter: { instanceId: 'i', run: 1, seq: { $gt: 0 } }, sort: { seq: 1 } },
];

/**
 * The ones FerretDB's SQLite handler scans the collection for, even patched: it hands SQLite only
 * equality on top-level fields, not ranges, `$exists` or dotted paths (see docs/deploy.md).
 */
const SCANNED_ON_SQLITE = ['timers_by_due', 'instances_with_outbox', 'instances_by_wait'];
const json = PLAIN_JSON;
const bson = <T>(doc: T): T => BSON.deserialize(BSON.serialize(doc as Document)) as T;
const injected = (point: string) => ({ code: 'STORE_UNAVAILABLE', message: `storage failure injected at ${point}` });

describe('MongoDB store URL', () => {
  it('takes the database from the path, `segue` when there is none, and never keeps credentials', () => {
    expect(parseMongoUrl('mongodb://db.internal/orders')).toMatchObject({ database: 'orders', hosts: 'db.internal' });
    expect(parseMongoUrl('mongodb://db.internal')).toMatchObject({ database: 'segue' });
    const replicaSet = parseMongoUrl('mongodb://admin:s%40cret@h1:27017,h2:27018/?replicaSet=rs0&W=majority');
    expect(replicaSet).toMatchObject({ database: 'segue', hosts: 'h1:27017,h2:27018' });
    expect([...replicaSet.options].sort()).toEqual(['replicaset', 'w']);
    expect(parseMongoUrl('mongodb+srv://cluster.example.net/prod%5Fa?retryWrites=true').database).toBe('prod_a');
  });

  it('refuses database names MongoDB refuses, and URLs without a host', () => {
    expect(() => parseMongoUrl('mongodb://h/a.b')).toThrow(
      '"a.b" is not a valid MongoDB database name: use 1 to 63 characters, none of / \\ . " $ * < > : | ? or spaces',
    );
    expect(() => parseMongoUrl('mongodb://h/a%2Fb')).toThrow('"a/b" is not a valid MongoDB database name');
    expect(() => parseMongoUrl(`mongodb://h/${'x'.repeat(64)}`)).toThrow('is not a valid MongoDB database name');
    expect(() => parseMongoUrl('mongodb://h/%E0%A4%A')).toThrow('not valid percent-encoding');
    expect(() => parseMongoUrl('mongodb:///segue')).toThrow('must look like mongodb://host[:port]');
  });

  it('validates the store options with plain messages', () => {
    expect(() => new MongoStore('mongodb://h/x', { outboxSweepMs: -1 })).toThrow(
      'outboxSweepMs must be a whole number of milliseconds >= 0, got -1',
    );
    expect(() => new MongoStore('mongodb://h/x', { serverSelectionTimeoutMs: 1.5 })).toThrow('serverSelectionTimeoutMs must be');
    expect(() => new MongoStore('mongodb://h/x', { database: 'has space' })).toThrow('"has space" is not a valid MongoDB database name');
  });
});

describe('MongoDB documents', () => {
  it('round-trip an instance through BSON, whatever JSON its state holds', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const state = JSON.parse(JSON.stringify(value ?? null));
        const record = instance('i-1', { state, waits: [{ event: 'paid', key: 'o-1' }, { event: 'shipped', key: null }] });
        expect(docToInstance(bson(instanceToDoc(record, json)), json)).toEqual(record);
      }),
      { numRuns: 200 },
    );
    const awkward = instance('i-2', { state: { $ref: 'x', 'a.b': { $gt: 1 }, deep: [[[{}]]] }, parentId: 'i-1' });
    const doc = instanceToDoc(awkward, json);
    expect(typeof doc.state).toBe('string');
    expect(doc._id).toBe('i-2');
    expect(docToInstance(bson(doc), json)).toEqual(awkward);
  });

  it('round-trip history, tasks, timers and definitions, leaving optional fields out', () => {
    const bare = { instanceId: 'i:1', run: 2, seq: 3, type: 'Started', at: T0 };
    expect(historyToDoc(bare, json)).toEqual({ _id: 'i:1:2:3', ...bare });
    expect(docToHistory(bson(historyToDoc(bare, json)), json)).toEqual(bare);
    const full = historyEvent('i-1', 4, { details: { error: { name: 'Timeout' } } });
    expect(docToHistory(bson(historyToDoc(full, json)), json)).toEqual(full);
    const leased = task('t-1', { status: 'LEASED', token: 'tok', worker: 'w', leasedAt: T0, leaseExpiresAt: T0 + 5, heartbeatMs: 5 });
    for (const t of [task('t-0'), leased]) expect(docToTask(bson(taskToDoc(t, json)), json)).toEqual(t);
    expect(timerToDoc(timer('tm-1'), json)).toMatchObject({ _id: 'tm-1', leasedUntil: null });
    expect(docToTimer(bson(timerToDoc(timer('tm-1'), json)), json)).toEqual(timer('tm-1'));
    expect(docToDefinition(bson(definitionToDoc(definition('orders', 3))))).toEqual(definition('orders', 3));
  });

  it('reports unreadable JSON as STORE_CORRUPT', () => {
    const doc = { ...instanceToDoc(instance('i-1'), json), state: '{broken' };
    expect(() => docToInstance(doc, json)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT', message: 'stored state of instance "i-1" is not valid JSON' }));
  });

  it('refuses an instance document over 16 MiB before writing, counting its outbox', () => {
    const big = { blob: 'x'.repeat(4 * 1024 * 1024) };
    const parent = instance('i-1', { state: big });
    expect(() => checkDocumentSize(instanceToDoc(parent, json))).not.toThrow();
    const children = Array.from({ length: 4 }, (_, i) => instance(`c-${i}`, { state: big }));
    const doc: InstanceDoc = { ...instanceToDoc(parent, json), outbox: { rev: 2, at: T0, effects: planEffects(creation(parent, { createInstances: children }), json)! } };
    expect(() => checkDocumentSize(doc)).toThrow(
      expect.objectContaining({ code: 'STORE_INVALID', message: expect.stringMatching(/^instance "i-1" would take 20\.0 MiB .* over the 16 MiB/) }),
    );
  });
});

describe('MongoDB outbox planner', () => {
  it('plans nothing for a transition that writes only the instance', () => {
    expect(planEffects(creation(instance('i-1')), json)).toBeNull();
  });

  it('plans every effect as the document it writes, with deterministic ids, and survives BSON', () => {
    const child = instance('i-1.c', { parentId: 'i-1' });
    const effects = planEffects(
      creation(instance('i-1'), {
        history: [historyEvent('i-1', 7)],
        createTasks: [task('t-2')],
        removeTasks: ['t-1'],
        createTimers: [timer('tm', { dueAt: T0 + 9 })],
        removeTimers: ['tm'],
        createInstances: [child],
      }),
      json,
    )!;
    expect(effects.history.map((h) => h._id)).toEqual(['i-1:1:7']);
    expect(effects).toMatchObject({ removeTasks: ['t-1'], removeTimers: ['tm'] });
    expect(effects.createTasks.map((d) => docToTask(d, json))).toEqual([task('t-2')]);
    expect(effects.createTimers.map((d) => docToTimer(d, json))).toEqual([timer('tm', { dueAt: T0 + 9 })]);
    expect(effects.createInstances[0]).not.toHaveProperty('outbox');
    expect(bson(effects).createInstances.map((d) => docToInstance(d, json))).toEqual([child]);
  });
});

describe('MongoDB instance list query', () => {
  it('treats an empty status list as no filter and refuses unknown statuses', () => {
    expect(listQuery({ status: [] })).toEqual({ 'outbox.purge': { $exists: false } });
    expect(listQuery({ status: ['FAILED', 'FAILED'] })).toMatchObject({ status: 'FAILED' });
    expect(() => listQuery({ status: ['DONE' as 'FAILED'] })).toThrow('"DONE" is not an instance status');
  });

  it('starts after the cursor within the `to` bound, ties broken by id', () => {
    const cursor = encodeCursor({ createdAt: T0 + 10, id: 'c' });
    expect(listQuery({ from: T0, to: T0 + 50 }, cursor)).toMatchObject({
      createdAt: { $gte: T0, $lte: T0 + 10 },
      $or: [{ createdAt: { $lt: T0 + 10 } }, { _id: { $lt: 'c' } }],
    });
    expect(listQuery({ to: T0 + 5 }, cursor)).toMatchObject({ createdAt: { $lte: T0 + 5 } });
  });
});

describe('MongoDB shared round trips (Batches)', () => {
  it('sends the first request at once and the ones that came meanwhile together, each answered with its own result', async () => {
    const batches: number[][] = [];
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const b = new Batches<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await held;
      return items.map((n) => n * 10);
    });
    const answers = Promise.all([1, 2, 3, 4].map((n) => b.submit(n)));
    release();
    expect(await answers).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps items of one key in separate batches, in order, and fails only the batch that failed', async () => {
    const batches: string[][] = [];
    const b = new Batches<string, string>(
      async (items) => {
        batches.push(items);
        if (items.includes('b:2')) throw new Error('broken');
        return items;
      },
      (item) => item.split(':')[0]!,
    );
    const results = await Promise.allSettled(['a:1', 'a:2', 'b:1', 'a:3', 'b:2'].map((item) => b.submit(item)));
    expect(batches).toEqual([['a:1'], ['a:2', 'b:1'], ['a:3', 'b:2']]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });
});

describe('MongoDB errors', () => {
  it('maps server errors to store codes and leaves other errors alone', () => {
    const duplicate = new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 });
    expect(isDuplicateKey(duplicate)).toBe(true);
    expect(normaliseMongoError(duplicate, 'store it')).toMatchObject({
      code: 'STORE_CONFLICT',
      message: 'could not store it: a record with the same key already exists (E11000 duplicate key error)',
    });
    const conflict = new MongoServerError({ message: 'WriteConflict', code: 112 });
    expect(normaliseMongoError(conflict, 'x')).toMatchObject({ code: 'STORE_BUSY', retryable: true });
    const bug = new TypeError('not a storage problem');
    expect(normaliseMongoError(bug, 'x')).toBe(bug);
  });

  it('fails to open an unreachable server quickly with STORE_UNAVAILABLE, naming hosts but not credentials', async () => {
    const started = Date.now();
    const failure = openStore('mongodb://admin:s3cret@127.0.0.1:1/orders?serverSelectionTimeoutMS=300');
    await expect(failure).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    const message = await failure.catch((err: Error) => err.message);
    expect(message).toMatch(/^could not connect to MongoDB at 127\.0\.0\.1:1 \(database "orders"\): no MongoDB server could be reached \(.+\); check that it is running and the store URL is right$/);
    expect(message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses calls before init and after close with a plain message', async () => {
    const store = createMongoStore('mongodb://127.0.0.1:1/x');
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'the store is not open; call init() first' });
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ message: 'the store is closed' });
    await expect(store.init()).rejects.toMatchObject({ message: 'the store is closed; open a new one' });
  });
});

describe.skipIf(!uri)('mongodb store contract (needs MONGODB_URI, or Go to build FerretDB)', () => {
  let admin: MongoClient;
  const databases: string[] = [];
  const stores: Store[] = [];
  beforeAll(async () => {
    admin = await new MongoClient(uri!).connect();
  });
  afterAll(async () => {
    await admin?.close();
  });

  /** A store on a database of its own, dropped when the test ends. */
  async function freshStore(options: MongoStoreOptions = {}, database = `segue_test_${randomUUID().slice(0, 8)}`) {
    if (!databases.includes(database)) databases.push(database);
    const store = createMongoStore(uri!, { database, serverSelectionTimeoutMs: 5_000, ...options });
    stores.push(store);
    await store.init();
    return { store, database, raw: admin.db(database) };
  }
  afterEach(async () => {
    faults.disarmAll();
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(databases.splice(0).map((name) => admin.db(name).dropDatabase()));
  });

  storeContract('mongodb', async () => {
    const { store } = await freshStore();
    return { store, cleanup: async () => undefined };
  });

  storeContract('mongodb, data sealed with a key', async () => {
    const { store } = await freshStore({ dataKeys: { current: { id: 'contract', key: randomBytes(32) }, old: [] } });
    return { store, cleanup: async () => undefined };
  });

  describe('crash repair through the outbox', () => {
    const a = instance('i-1', { waits: [{ event: 'paid', key: 'k' }] });
    const moved = next(a, { state: { moved: true }, waits: [{ event: 'shipped', key: 'k' }] }, {
      history: [historyEvent('i-1', 1)],
      createTasks: [task('t-new', { queue: 'new' })],
      removeTasks: ['t-old'],
      createTimers: [timer('tm-1', { dueAt: T0 + 5 })],
      createInstances: [instance('i-child', { parentId: 'i-1' })],
      events: [lifecycleEvent('i-1', 1)],
    });

    async function expectEffects(store: Store): Promise<void> {
      expect(await store.getInstance('i-1')).toEqual(moved.record);
      expect(await store.readHistory('i-1', 1)).toEqual([historyEvent('i-1', 1)]);
      expect(await store.countQueued()).toEqual({ new: 1 });
      expect(await store.nextTimerDue()).toBe(T0 + 5);
      expect(await store.getInstance('i-child')).toEqual(instance('i-child', { parentId: 'i-1' }));
      expect(await store.findWaiting('shipped', 'k')).toEqual(['i-1']);
      expect((await store.readEvents(0, 10)).map((e) => [e.seq, e.id])).toEqual([[1, 'i-1:1:1']]);
    }

    /** Creates i-1, then fails its transition right after the compare-and-swap. */
    async function crashAfterSwap(options: MongoStoreOptions = {}) {
      const opened = await freshStore(options);
      await opened.store.createInstance(creation(a, { createTasks: [task('t-old')] }));
      faults.arm('mongodb.commitTransition.afterInstanceUpdate');
      await expect(opened.store.commitTransition(moved)).rejects.toMatchObject(injected('mongodb.commitTransition.afterInstanceUpdate'));
      expect((await opened.raw.collection<InstanceDoc>('instances').findOne({ _id: 'i-1' }))?.outbox).toMatchObject({ rev: 2 });
      return opened;
    }

    it('a second process replays the outbox when it opens', async () => {
      const { database, raw } = await crashAfterSwap();
      const { store } = await freshStore({}, database);
      expect(await raw.collection('instances').countDocuments({ outbox: { $exists: true } })).toBe(0);
      await expectEffects(store);
    });

    it('the next commit replays the outbox it would otherwise overwrite', async () => {
      const { store } = await crashAfterSwap();
      const after = next(moved.record, {}, { history: [historyEvent('i-1', 2)] });
      expect(await store.commitTransition(after)).toBe(true);
      expect((await store.readHistory('i-1', 1)).map((e) => e.seq)).toEqual([1, 2]);
      expect(await store.countQueued()).toEqual({ new: 1 });
      expect(await store.getInstance('i-child')).not.toBeNull();
    });

    it('readers replay it: getInstance and readHistory', async () => {
      const { store } = await crashAfterSwap({ outboxSweepMs: 60_000 });
      expect(await store.claimTasks({ queues: ['new'], worker: 'w', max: 5, now: T0 })).toEqual([]);
      await expectEffects(store);
    });

    it('a claim sweeps outboxes older than the sweep period', async () => {
      const { store } = await crashAfterSwap({ outboxSweepMs: 0 });
      expect((await store.claimTasks({ queues: ['new'], worker: 'w', max: 5, now: T0 })).map((t) => t.id)).toEqual(['t-new']);
    });

    it('replaying effects that were applied already changes nothing, and keeps a lease', async () => {
      const { store, database } = await freshStore();
      await store.createInstance(creation(a, { createTasks: [task('t-old')] }));
      faults.arm('mongodb.effects.beforeOutboxClear');
      await expect(store.commitTransition(moved)).rejects.toMatchObject(injected('mongodb.effects.beforeOutboxClear'));
      const [leased] = await store.claimTasks({ queues: ['new'], worker: 'w', max: 1, now: T0 });
      const second = (await freshStore({}, database)).store;
      expect(await second.getTaskByToken(leased!.token!)).toEqual(leased);
      expect(await second.readHistory('i-1', 1)).toEqual([historyEvent('i-1', 1)]);
      expect(await second.nextTimerDue()).toBe(T0 + 5);
      expect((await second.readEvents(0, 10)).map((e) => e.id)).toEqual(['i-1:1:1']);
      expect((await store.readEvents(0, 10)).map((e) => e.id)).toEqual(['i-1:1:1']);
    });

    it('engines placing events in the feed at once give each one place, each instance in its order', async () => {
      const { store, database } = await freshStore();
      const others = [(await freshStore({}, database)).store, (await freshStore({}, database)).store];
      // Out of step clocks: the later events of i-0 carry earlier times than its first.
      const made = Array.from({ length: 4 }, (_, n) => `i-${n}`);
      for (const id of made) {
        const created = instance(id);
        await store.createInstance(creation(created, { events: [lifecycleEvent(id, 1, { at: T0 + 100 })] }));
        await store.commitTransition(next(created, {}, { events: [lifecycleEvent(id, 2, { at: T0 + 50 }), lifecycleEvent(id, 3, { at: T0 + 50 })] }));
      }
      const reads = await Promise.all([store, ...others, store, ...others].map((s) => s.readEvents(0, 100)));
      const feed = await store.readEvents(0, 100);
      expect(feed.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      for (const id of made) expect(feed.filter((e) => e.instanceId === id).map((e) => e.id)).toEqual([`${id}:1:1`, `${id}:1:2`, `${id}:1:3`]);
      // Every reader saw a prefix of the one feed.
      for (const read of reads) expect(read).toEqual(feed.slice(0, read.length));
      expect(await admin.db(database).collection('pending_events').countDocuments()).toBe(0);
    });

    it('a creation that failed after its insert gets its effects on replay, and is not created twice', async () => {
      const { store, database } = await freshStore();
      const create = creation(a, { history: [historyEvent('i-1', 1)], createTasks: [task('t-1')] });
      faults.arm('mongodb.createInstance.afterInstanceInsert');
      await expect(store.createInstance(create)).rejects.toMatchObject(injected('mongodb.createInstance.afterInstanceInsert'));
      const second = (await freshStore({}, database)).store;
      expect(await second.readHistory('i-1', 1)).toEqual([historyEvent('i-1', 1)]);
      expect(await second.countQueued()).toEqual({ payments: 1 });
      expect(await second.createInstance(create)).toBe(false);
    });

    it('a purge that failed halfway hides the instance and is finished by replay', async () => {
      const { store, database } = await freshStore();
      const done = instance('i-1', { status: 'COMPLETED', waits: [{ event: 'paid', key: 'k' }] });
      await store.createInstance(creation(done, { history: [historyEvent('i-1', 1)], createTasks: [task('t-1')], createTimers: [timer('tm-1')] }));
      faults.arm('mongodb.purgeInstance.afterMark');
      await expect(store.purgeInstance('i-1')).rejects.toMatchObject(injected('mongodb.purgeInstance.afterMark'));
      expect((await store.listInstances({}, 10)).items).toEqual([]);
      expect(await store.findWaiting('paid', 'k')).toEqual([]);
      const second = (await freshStore({}, database)).store;
      expect(await second.countQueued()).toEqual({});
      expect(await second.nextTimerDue()).toBeNull();
      expect(await second.readHistory('i-1', 1)).toEqual([]);
      expect(await second.getInstance('i-1')).toBeNull();
      expect(await second.purgeInstance('i-1')).toBe(false);
    });
  });

  describe('group commit', () => {
    const moved = (i: number) => {
      const a = instance(`i-${i}`);
      return { a, t: next(a, { state: { moved: i } }, { history: [historyEvent(a.id, 1)], createTasks: [task(`t-${i}`, { instanceId: a.id })], removeTasks: [`old-${i}`] }) };
    };

    it('writes the effects of concurrent commits together: fewer writes than commits, every effect in place', async () => {
      const commands: string[] = [];
      const { store } = await freshStore({ onCommand: (e) => void commands.push(`${e.commandName} ${String(e.command[e.commandName])}`) });
      const all = Array.from({ length: 20 }, (_, i) => moved(i));
      await Promise.all(all.map(({ a }) => store.createInstance(creation(a, { createTasks: [task(`old-${a.id.slice(2)}`, { instanceId: a.id })] }))));
      commands.length = 0;
      expect(await Promise.all(all.map(({ t }) => store.commitTransition(t)))).toEqual(all.map(() => true));
      const count = (name: string) => commands.filter((c) => c === name).length;
      expect(count('update instances')).toBeGreaterThanOrEqual(20);
      expect(count('insert history')).toBeLessThan(20);
      expect(count('insert tasks')).toBe(count('insert history'));
      expect(await store.countQueued()).toEqual({ payments: 20 });
      for (const { t } of all) expect(await store.readHistory(t.record.id, 1)).toEqual([historyEvent(t.record.id, 1)]);
    });

    it('a failure before the outboxes are cleared fails that group, whose outboxes a second process replays', async () => {
      const { store, database, raw } = await freshStore({ outboxSweepMs: 60_000 });
      const all = Array.from({ length: 6 }, (_, i) => moved(i));
      await Promise.all(all.map(({ a }) => store.createInstance(creation(a))));
      faults.arm('mongodb.effects.beforeOutboxClear');
      const results = await Promise.allSettled(all.map(({ t }) => store.commitTransition(t)));
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed.length).toBeGreaterThanOrEqual(1);
      expect(await raw.collection('instances').countDocuments({ outbox: { $exists: true } })).toBe(failed.length);
      const second = (await freshStore({}, database)).store;
      expect(await raw.collection('instances').countDocuments({ outbox: { $exists: true } })).toBe(0);
      for (const { t } of all) {
        expect(await second.getInstance(t.record.id)).toEqual(t.record);
        expect(await second.readHistory(t.record.id, 1)).toEqual([historyEvent(t.record.id, 1)]);
      }
      expect(await second.countQueued()).toEqual({ payments: 6 });
    });

    it('answers concurrent token lookups in one read, each with its own task', async () => {
      const commands: string[] = [];
      const { store } = await freshStore({ onCommand: (e) => void commands.push(e.commandName) });
      await store.createInstance(creation(instance('i-1'), { createTasks: ['t-1', 't-2', 't-3'].map((id) => task(id)) }));
      const leased = await store.claimTasks({ queues: ['payments'], worker: 'w', max: 3, now: T0 });
      commands.length = 0;
      const found = await Promise.all([...leased.map((t) => t.token!), 'no-such-token'].map((token) => store.getTaskByToken(token)));
      expect(found).toEqual([...leased, null]);
      expect(commands.filter((c) => c === 'find').length).toBeLessThanOrEqual(2);
    });
  });

  describe('MongoDB specifics', () => {
    it('lets exactly one commit win when two store objects race on one instance', async () => {
      const { store: one, database } = await freshStore();
      const two = (await freshStore({}, database)).store;
      const a = instance('i-1');
      await one.createInstance(creation(a));
      const attempts = Array.from({ length: 10 }, (_, i) => next(a, { state: { by: i } }, { history: [historyEvent('i-1', 1, { details: { by: i } })] }));
      const results = await Promise.all(attempts.map((t, i) => (i % 2 ? one : two).commitTransition(t)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await two.getInstance('i-1')).toEqual(attempts[results.indexOf(true)]!.record);
      expect(await one.readHistory('i-1', 1)).toHaveLength(1);
    });

    it('refuses a transition whose document would exceed 16 MiB, writing nothing', async () => {
      const { store } = await freshStore();
      const a = instance('i-1');
      await store.createInstance(creation(a));
      const big = { blob: 'x'.repeat(4 * 1024 * 1024) };
      const children = Array.from({ length: 4 }, (_, i) => instance(`c-${i}`, { state: big }));
      await expect(store.commitTransition(next(a, {}, { createInstances: children }))).rejects.toMatchObject({ code: 'STORE_INVALID' });
      expect(await store.getInstance('i-1')).toEqual(a);
    });

    it('refuses a database written by a newer schema', async () => {
      const { database, raw } = await freshStore();
      await raw.collection<{ _id: string; version: number }>('meta').updateOne({ _id: 'schema' }, { $set: { version: 99 } });
      await expect(freshStore({}, database)).rejects.toMatchObject({
        code: 'STORE_CORRUPT',
        message: 'the database was written by a newer version of Segue (schema 99; this build reads up to 3)',
      });
    });

    it('serves every hot query from its index, where the server plans with indexes', async () => {
      const { raw } = await freshStore();
      for (const query of HOT_QUERIES) {
        const cursor = raw.collection(query.collection).find(query.filter).limit(1);
        if (query.sort) cursor.sort(query.sort);
        const planner = (await cursor.explain('queryPlanner')).queryPlanner as Document;
        const plan = JSON.stringify(planner);
        if ('winningPlan' in planner) {
          // MongoDB's planner names the index it chose.
          expect(plan, query.index).toContain(`"indexName":"${query.index}"`);
        } else {
          // FerretDB's SQLite handler answers with SQLite's plan.
          expect(plan, query.index).toMatch(SCANNED_ON_SQLITE.includes(query.index) ? /detail=SCAN / : /detail=SEARCH \w+ USING (COVERING )?INDEX /);
        }
      }
    });

    it('gives each partial index the form the server takes, and says which got the plain one', async () => {
      const { raw } = await freshStore();
      const collections = openCollections(raw);
      const plain = await applySchema(collections);
      for (const name of Object.keys(INDEXES) as (keyof typeof INDEXES)[]) {
        const built = await collections[name].indexes();
        for (const index of INDEXES[name].filter((i) => i.partialFilterExpression)) {
          const expected = plain.includes(index.name!) ? PLAIN_FORMS[index.name!]! : index;
          expect(built.find((b) => b.name === index.name)?.key, index.name).toEqual(expected.key);
        }
      }
    });

    it('keeps task tokens unique, and lets any number of queued tasks have none, whichever index form the server took', async () => {
      const { raw } = await freshStore();
      const tasks = raw.collection<TaskDoc>('tasks');
      expect((await tasks.indexes()).find((index) => index.name === 'tasks_by_token')).toMatchObject({ unique: true });
      await tasks.insertMany([taskToDoc(task('t-1'), json), taskToDoc(task('t-2'), json)]);
      const leased = (id: string) => taskToDoc(task(id, { status: 'LEASED', token: 'same', worker: 'w', leasedAt: T0, leaseExpiresAt: T0 + 5 }), json);
      await tasks.insertOne(leased('t-3'));
      await expect(tasks.insertOne(leased('t-4'))).rejects.toMatchObject({ code: 11000 });
      expect(await tasks.countDocuments({})).toBe(3);
    });
  });
});
