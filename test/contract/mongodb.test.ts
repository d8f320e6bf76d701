import { randomUUID } from 'node:crypto';
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
} from '../../engine/store/mongodb/documents.js';
import { listQuery } from '../../engine/store/mongodb/list-instances.js';
import { isDuplicateKey, normaliseMongoError } from '../../engine/store/mongodb/mongodb-errors.js';
import { createMongoStore, MongoStore, type MongoStoreOptions } from '../../engine/store/mongodb/mongodb-store.js';
import { parseMongoUrl } from '../../engine/store/mongodb/mongodb-url.js';
import { pendingFilter, planEffects } from '../../engine/store/mongodb/outbox.js';
import { CLAIM_SORT, DUE_SORT, EXPIRY_SORT, dueFilter, expiredFilter, queuedFilter, tokenFilter } from '../../engine/store/mongodb/work.js';
import { openStore } from '../../engine/store/open-store.js';
import type { Store } from '../../engine/store/port.js';
import { T0, creation, definition, historyEvent, instance, next, task, timer } from './records.js';
import { storeContract } from './store-contract.js';

const uri = process.env.MONGODB_URI;
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
        expect(docToInstance(bson(instanceToDoc(record)))).toEqual(record);
      }),
      { numRuns: 200 },
    );
    const awkward = instance('i-2', { state: { $ref: 'x', 'a.b': { $gt: 1 }, deep: [[[{}]]] }, parentId: 'i-1' });
    const doc = instanceToDoc(awkward);
    expect(typeof doc.state).toBe('string');
    expect(doc._id).toBe('i-2');
    expect(docToInstance(bson(doc))).toEqual(awkward);
  });

  it('round-trip history, tasks, timers and definitions, leaving optional fields out', () => {
    const bare = { instanceId: 'i:1', run: 2, seq: 3, type: 'Started', at: T0 };
    expect(historyToDoc(bare)).toEqual({ _id: 'i:1:2:3', ...bare });
    expect(docToHistory(bson(historyToDoc(bare)))).toEqual(bare);
    const full = historyEvent('i-1', 4, { details: { error: { name: 'Timeout' } } });
    expect(docToHistory(bson(historyToDoc(full)))).toEqual(full);
    const leased = task('t-1', { status: 'LEASED', token: 'tok', worker: 'w', leasedAt: T0, leaseExpiresAt: T0 + 5, heartbeatMs: 5 });
    for (const t of [task('t-0'), leased]) expect(docToTask(bson(taskToDoc(t)))).toEqual(t);
    expect(timerToDoc(timer('tm-1'))).toMatchObject({ _id: 'tm-1', leasedUntil: null });
    expect(docToTimer(bson(timerToDoc(timer('tm-1'))))).toEqual(timer('tm-1'));
    expect(docToDefinition(bson(definitionToDoc(definition('orders', 3))))).toEqual(definition('orders', 3));
  });

  it('reports unreadable JSON as STORE_CORRUPT', () => {
    const doc = { ...instanceToDoc(instance('i-1')), state: '{broken' };
    expect(() => docToInstance(doc)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT', message: 'stored state of instance "i-1" is not valid JSON' }));
  });

  it('refuses an instance document over 16 MiB before writing, counting its outbox', () => {
    const big = { blob: 'x'.repeat(4 * 1024 * 1024) };
    const parent = instance('i-1', { state: big });
    expect(() => checkDocumentSize(instanceToDoc(parent))).not.toThrow();
    const children = Array.from({ length: 4 }, (_, i) => instance(`c-${i}`, { state: big }));
    const doc: InstanceDoc = { ...instanceToDoc(parent), outbox: { rev: 2, at: T0, effects: planEffects(creation(parent, { createInstances: children }))! } };
    expect(() => checkDocumentSize(doc)).toThrow(
      expect.objectContaining({ code: 'STORE_INVALID', message: expect.stringMatching(/^instance "i-1" would take 20\.0 MiB .* over the 16 MiB/) }),
    );
  });
});

describe('MongoDB outbox planner', () => {
  it('plans nothing for a transition that writes only the instance', () => {
    expect(planEffects(creation(instance('i-1')))).toBeNull();
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
    )!;
    expect(effects.history.map((h) => h._id)).toEqual(['i-1:1:7']);
    expect(effects).toMatchObject({ removeTasks: ['t-1'], removeTimers: ['tm'] });
    expect(effects.createTasks.map(docToTask)).toEqual([task('t-2')]);
    expect(effects.createTimers.map(docToTimer)).toEqual([timer('tm', { dueAt: T0 + 9 })]);
    expect(effects.createInstances[0]).not.toHaveProperty('outbox');
    expect(bson(effects).createInstances.map(docToInstance)).toEqual([child]);
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

describe.skipIf(!uri)('mongodb store contract (set MONGODB_URI to run against a MongoDB server)', () => {
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

  describe('crash repair through the outbox', () => {
    const a = instance('i-1', { waits: [{ event: 'paid', key: 'k' }] });
    const moved = next(a, { state: { moved: true }, waits: [{ event: 'shipped', key: 'k' }] }, {
      history: [historyEvent('i-1', 1)],
      createTasks: [task('t-new', { queue: 'new' })],
      removeTasks: ['t-old'],
      createTimers: [timer('tm-1', { dueAt: T0 + 5 })],
      createInstances: [instance('i-child', { parentId: 'i-1' })],
    });

    async function expectEffects(store: Store): Promise<void> {
      expect(await store.getInstance('i-1')).toEqual(moved.record);
      expect(await store.readHistory('i-1', 1)).toEqual([historyEvent('i-1', 1)]);
      expect(await store.countQueued()).toEqual({ new: 1 });
      expect(await store.nextTimerDue()).toBe(T0 + 5);
      expect(await store.getInstance('i-child')).toEqual(instance('i-child', { parentId: 'i-1' }));
      expect(await store.findWaiting('shipped', 'k')).toEqual(['i-1']);
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
        message: 'the database was written by a newer version of Segue (schema 99; this build reads up to 2)',
      });
    });

    it('serves every hot query from its index', async () => {
      const { raw } = await freshStore();
      const plan = async (collection: string, filter: Document, sort?: Document) => {
        const cursor = raw.collection(collection).find(filter).limit(1);
        if (sort) cursor.sort(sort);
        return JSON.stringify((await cursor.explain('queryPlanner')).queryPlanner.winningPlan);
      };
      expect(await plan('tasks', queuedFilter(['a', 'b']), CLAIM_SORT)).toContain('"indexName":"tasks_queued"');
      expect(await plan('tasks', expiredFilter(T0), EXPIRY_SORT)).toContain('"indexName":"tasks_leased_by_expiry"');
      expect(await plan('tasks', tokenFilter('tok'))).toContain('"indexName":"tasks_by_token"');
      expect(await plan('timers', dueFilter(T0), DUE_SORT)).toContain('"indexName":"timers_by_due"');
      expect(await plan('instances', pendingFilter(T0))).toContain('"indexName":"instances_with_outbox"');
      expect(await plan('instances', { waits: { $elemMatch: { event: 'e', key: 'k' } } })).toContain('"indexName":"instances_by_wait"');
      expect(await plan('history', { instanceId: 'i', run: 1, seq: { $gt: 0 } }, { seq: 1 })).toContain('"indexName":"history_by_run"');
    });
  });
});
