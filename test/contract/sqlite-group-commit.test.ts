/**
 * Group commit in the SQLite adapter: writes issued in one event-loop turn share a transaction,
 * each keeps its own compare-and-swap and its own failure, and none resolves before it is durable
 * and visible to another connection. (That many concurrent commits all land is in the contract.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { faults } from '../../engine/store/faults.js';
import type { InstanceRecord } from '../../engine/store/port.js';
import { SqliteStore, type SqliteStoreOptions } from '../../engine/store/sqlite/sqlite-store.js';
import { T0, creation, historyEvent, instance, next, task } from './records.js';

const root = mkdtempSync(join(tmpdir(), 'segue-group-commit-'));
let counter = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open: SqliteStore[] = [];
afterEach(async () => {
  faults.disarmAll();
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function openAt(path: string, options: Omit<SqliteStoreOptions, 'path'> = {}): Promise<SqliteStore> {
  const store = new SqliteStore({ path, ...options });
  await store.init();
  open.push(store);
  return store;
}

/** A store on a fresh file, a second connection to it, and `count` created instances. */
async function setup(count: number, options: Omit<SqliteStoreOptions, 'path'> = {}) {
  const path = join(root, `store-${++counter}.db`);
  const store = await openAt(path, options);
  const other = await openAt(path);
  const records = Array.from({ length: count }, (_, i) => instance(`i-${i}`));
  await Promise.all(records.map((r) => store.createInstance(creation(r))));
  return { store, other, records };
}

const moved = (r: InstanceRecord, i: number) =>
  next(r, { state: { moved: i } }, { history: [historyEvent(r.id, 1)], createTasks: [task(`t-${i}`, { instanceId: r.id })] });

describe('SQLite group commit', () => {
  it('commits writes of one turn together: a failure at the batch commit rejects them all and keeps none', async () => {
    const { store, other, records } = await setup(5);
    faults.arm('sqlite.batch.beforeCommit');
    const results = await Promise.allSettled(records.map((r, i) => store.commitTransition(moved(r, i))));
    expect(results.map((r) => r.status)).toEqual(records.map(() => 'rejected'));
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: 'storage failure injected at sqlite.batch.beforeCommit',
    });
    for (const r of records) expect(await other.getInstance(r.id)).toEqual(r);
    expect(await other.countQueued()).toEqual({});
  });

  it('runs the writes of a batch in call order: a chain on one instance all lands, a stale sibling loses', async () => {
    const { store, other, records } = await setup(1);
    const first = next(records[0]!, { state: { n: 1 } }, { history: [historyEvent('i-0', 1)] });
    const second = next(first.record, { state: { n: 2 } }, { history: [historyEvent('i-0', 2)] });
    const stale = next(records[0]!, { state: { stale: true } }, { history: [historyEvent('i-0', 3)] });
    const results = await Promise.all([first, second, stale].map((t) => store.commitTransition(t)));
    expect(results).toEqual([true, true, false]);
    expect(await other.getInstance('i-0')).toEqual(second.record);
    expect((await other.readHistory('i-0', 1)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('lets a claim issued in the same turn take the task a commit before it created', async () => {
    const { store, records } = await setup(1);
    const [committed, claimed] = await Promise.all([
      store.commitTransition(next(records[0]!, {}, { createTasks: [task('t-1', { instanceId: 'i-0' })] })),
      store.claimTasks({ queues: ['payments'], worker: 'w', max: 1, now: T0 }),
    ]);
    expect(committed).toBe(true);
    expect(claimed).toEqual([expect.objectContaining({ id: 't-1', status: 'LEASED', worker: 'w' })]);
  });

  it('lets exactly one of many same-rev commits on one instance win inside one batch', async () => {
    const { store, other, records } = await setup(1);
    const attempts = Array.from({ length: 30 }, (_, i) => moved(records[0]!, i));
    const results = await Promise.all(attempts.map((t) => store.commitTransition(t)));
    expect(results).toEqual([true, ...attempts.slice(1).map(() => false)]);
    expect(await other.getInstance('i-0')).toEqual(attempts[0]!.record);
    expect(await other.countQueued()).toEqual({ payments: 1 });
  });

  it('rejects only the write whose fault seam fails; the others in its batch land', async () => {
    const { store, other, records } = await setup(4);
    faults.arm('sqlite.commitTransition.beforeCommit');
    const transitions = records.map(moved);
    const results = await Promise.allSettled(transitions.map((t) => store.commitTransition(t)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: 'storage failure injected at sqlite.commitTransition.beforeCommit',
    });
    expect(await other.getInstance('i-0')).toEqual(records[0]);
    expect(await other.readHistory('i-0', 1)).toEqual([]);
    for (const i of [1, 2, 3]) expect(await other.getInstance(`i-${i}`)).toEqual(transitions[i]!.record);
    expect(await other.countQueued()).toEqual({ payments: 3 });
  });

  it('rolls back only the transition that breaks a constraint, and rejects it with STORE_CONFLICT', async () => {
    const { store, other, records } = await setup(3);
    await store.commitTransition(next(records[1]!, {}, { createTasks: [task('taken', { instanceId: 'i-1' })] }));
    const clash = next(records[0]!, { state: { clash: true } }, { history: [historyEvent('i-0', 1)], createTasks: [task('taken')] });
    const fine = next(records[2]!, { state: { fine: true } }, { history: [historyEvent('i-2', 1)] });
    const [clashed, landed] = await Promise.allSettled([store.commitTransition(clash), store.commitTransition(fine)]);
    expect(clashed).toMatchObject({
      status: 'rejected',
      reason: { code: 'STORE_CONFLICT', message: expect.stringContaining('could not commit a transition of instance "i-0"') },
    });
    expect(landed).toEqual({ status: 'fulfilled', value: true });
    expect(await other.getInstance('i-0')).toEqual(records[0]);
    expect(await other.readHistory('i-0', 1)).toEqual([]);
    expect(await other.getInstance('i-2')).toEqual(fine.record);
  });

  it('resolves a commit only once a second connection can read it', async () => {
    const { store, other, records } = await setup(1);
    const transition = moved(records[0]!, 0);
    const seen: Array<InstanceRecord | null> = [];
    const done = store.commitTransition(transition).then(async () => {
      seen.push(await other.getInstance('i-0'));
    });
    // Queued, not written yet: the batch commits at the end of this event-loop turn.
    expect(await other.getInstance('i-0')).toEqual(records[0]);
    await done;
    expect(seen).toEqual([transition.record]);
  });

  it('holds a write no longer than the current event-loop turn', async () => {
    const { store, other, records } = await setup(1);
    const transition = moved(records[0]!, 0);
    void store.commitTransition(transition);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await other.getInstance('i-0')).toEqual(transition.record);
  });

  it('commits at once when a batch reaches maxBatchSize', async () => {
    const { store, other, records } = await setup(3, { maxBatchSize: 2 });
    const transitions = records.map(moved);
    const pending = transitions.map((t) => store.commitTransition(t));
    // The first two filled a batch and committed synchronously; the third waits for the turn to end.
    expect(await other.getInstance('i-0')).toEqual(transitions[0]!.record);
    expect(await other.getInstance('i-1')).toEqual(transitions[1]!.record);
    expect(await other.getInstance('i-2')).toEqual(records[2]);
    expect(await Promise.all(pending)).toEqual([true, true, true]);
    expect(await other.getInstance('i-2')).toEqual(transitions[2]!.record);
  });

  it('stores what was passed even if the caller changes its objects before the batch runs', async () => {
    const { store, other, records } = await setup(1);
    const transition = moved(records[0]!, 0);
    const expected = structuredClone(transition.record);
    const pending = store.commitTransition(transition);
    Object.assign(transition.record.state, { moved: 99 });
    transition.createTasks.push(task('t-late'));
    expect(await pending).toBe(true);
    expect(await other.getInstance('i-0')).toEqual(expected);
    expect(await other.countQueued()).toEqual({ payments: 1 });
  });

  it('commits the writes still queued when the store closes', async () => {
    const path = join(root, `store-${++counter}.db`);
    const store = new SqliteStore({ path });
    await store.init();
    const a = instance('i-0');
    const created = store.createInstance(creation(a));
    await store.close();
    expect(await created).toBe(true);
    const reopened = await openAt(path);
    expect(await reopened.getInstance('i-0')).toEqual(a);
  });
});
