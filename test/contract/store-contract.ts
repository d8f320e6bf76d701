/**
 * The Store contract: what every adapter must do, run against each through a factory. Records are
 * hand-built (records.ts); the engine is not involved.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../engine/store/port.js';
import { queryContract } from './store-contract-queries.js';
import { workContract } from './store-contract-work.js';
import { scheduleContract } from './store-contract-schedules.js';
import { eventContract } from './store-contract-events.js';
import { runSlotContract } from './store-contract-slots.js';
import { T0, creation, definition, historyEvent, instance, next, task, timer } from './records.js';

export interface StoreContext {
  store: Store;
}

export type StoreFactory = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

export function storeContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    const ctx = {} as StoreContext;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      const made = await makeStore();
      ctx.store = made.store;
      cleanup = () => made.cleanup();
    });
    afterEach(async () => {
      await cleanup();
    });

    it('init is idempotent and ping answers', async () => {
      await ctx.store.init();
      await expect(ctx.store.ping()).resolves.toBeUndefined();
    });

    definitionContract(ctx);
    createInstanceContract(ctx);
    commitTransitionContract(ctx);
    workContract(ctx);
    queryContract(ctx);
    scheduleContract(ctx);
    eventContract(ctx);
    runSlotContract(ctx);
  });
}

function definitionContract(ctx: StoreContext): void {
  describe('definitions', () => {
    it('stores a version and reads it back', async () => {
      const def = definition('orders', 1);
      await expect(ctx.store.putDefinition(def)).resolves.toEqual({ definition: def, created: true });
      expect(await ctx.store.getDefinition('orders', 1)).toEqual(def);
      expect(await ctx.store.getDefinition('orders')).toEqual(def);
    });

    it('returns the existing version when the same content is registered again', async () => {
      const first = definition('orders', 1, { hash: 'same' });
      await ctx.store.putDefinition(first);
      const again = await ctx.store.putDefinition(definition('orders', 2, { hash: 'same' }));
      expect(again).toEqual({ definition: first, created: false });
      expect((await ctx.store.listDefinitionVersions('orders')).map((d) => d.version)).toEqual([1]);
    });

    it('refuses a version number already taken by different content', async () => {
      await ctx.store.putDefinition(definition('orders', 1, { hash: 'a' }));
      await expect(ctx.store.putDefinition(definition('orders', 1, { hash: 'b' }))).rejects.toMatchObject({
        code: 'STORE_CONFLICT',
        message: 'workflow "orders" version 1 already exists with different content',
      });
      expect((await ctx.store.getDefinition('orders', 1))?.hash).toBe('a');
    });

    it('finds the latest version, lists versions in order and the latest of every workflow', async () => {
      await ctx.store.putDefinition(definition('orders', 2));
      await ctx.store.putDefinition(definition('orders', 1));
      await ctx.store.putDefinition(definition('billing', 1));
      expect(await ctx.store.getDefinition('orders')).toEqual(definition('orders', 2));
      expect(await ctx.store.latestDefinitionVersion('orders')).toBe(2);
      expect(await ctx.store.latestDefinitionVersion('billing')).toBe(1);
      expect(await ctx.store.latestDefinitionVersion('missing')).toBeNull();
      expect((await ctx.store.listDefinitionVersions('orders')).map((d) => d.version)).toEqual([1, 2]);
      const latest = await ctx.store.listDefinitions();
      expect(latest.map((d) => [d.name, d.version])).toEqual([
        ['billing', 1],
        ['orders', 2],
      ]);
      expect(await ctx.store.getDefinition('missing')).toBeNull();
      expect(await ctx.store.getDefinition('orders', 9)).toBeNull();
      expect(await ctx.store.listDefinitionVersions('missing')).toEqual([]);
    });
  });
}

function createInstanceContract(ctx: StoreContext): void {
  describe('createInstance', () => {
    it('writes the instance together with its history, tasks, timers, waits and children', async () => {
      const record = instance('i-1', { waits: [{ event: 'order.paid', key: 'o-1' }] });
      const child = instance('i-1.child', { parentId: 'i-1' });
      const created = await ctx.store.createInstance(
        creation(record, {
          history: [historyEvent('i-1', 1), historyEvent('i-1', 2, { type: 'TaskScheduled', details: { task: 't-1' } })],
          createTasks: [task('t-1')],
          createTimers: [timer('tm-1', { dueAt: T0 + 500 })],
          createInstances: [child],
        }),
      );
      expect(created).toBe(true);
      expect(await ctx.store.getInstance('i-1')).toEqual(record);
      expect(await ctx.store.getInstance('i-1.child')).toEqual(child);
      expect((await ctx.store.readHistory('i-1', 1)).map((e) => e.seq)).toEqual([1, 2]);
      expect(await ctx.store.countQueued()).toEqual({ payments: 1 });
      expect(await ctx.store.nextTimerDue()).toBe(T0 + 500);
      expect(await ctx.store.findWaiting('order.paid', 'o-1')).toEqual(['i-1']);
    });

    it('returns false and writes nothing when the id exists', async () => {
      const original = instance('i-1');
      await ctx.store.createInstance(creation(original, { history: [historyEvent('i-1', 1)] }));
      const duplicate = instance('i-1', { state: { other: true }, waits: [{ event: 'e', key: 'k' }] });
      const created = await ctx.store.createInstance(
        creation(duplicate, {
          history: [historyEvent('i-1', 2)],
          createTasks: [task('t-1')],
          createTimers: [timer('tm-1')],
          createInstances: [instance('i-2')],
        }),
      );
      expect(created).toBe(false);
      expect(await ctx.store.getInstance('i-1')).toEqual(original);
      expect((await ctx.store.readHistory('i-1', 1)).map((e) => e.seq)).toEqual([1]);
      expect(await ctx.store.countQueued()).toEqual({});
      expect(await ctx.store.nextTimerDue()).toBeNull();
      expect(await ctx.store.getInstance('i-2')).toBeNull();
      expect(await ctx.store.findWaiting('e', 'k')).toEqual([]);
    });

    it('returns null for an unknown instance', async () => {
      expect(await ctx.store.getInstance('missing')).toBeNull();
    });
  });
}

function commitTransitionContract(ctx: StoreContext): void {
  describe('commitTransition', () => {
    it('applies the new record and appends history in order', async () => {
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a, { history: [historyEvent('i-1', 1)] }));
      const first = next(a, { state: { step: 'charge' } }, { history: [historyEvent('i-1', 2), historyEvent('i-1', 3)] });
      expect(await ctx.store.commitTransition(first)).toBe(true);
      const second = next(first.record, { status: 'COMPLETED' }, { history: [historyEvent('i-1', 4, { type: 'Done' })] });
      expect(await ctx.store.commitTransition(second)).toBe(true);
      expect(await ctx.store.getInstance('i-1')).toEqual(second.record);
      const history = await ctx.store.readHistory('i-1', 1);
      expect(history.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(history[3]).toEqual(historyEvent('i-1', 4, { type: 'Done' }));
    });

    it('on a stale rev returns false and writes none of its effects', async () => {
      const a = instance('i-1', { waits: [{ event: 'paid', key: 'k1' }] });
      await ctx.store.createInstance(
        creation(a, { createTasks: [task('t-keep', { queue: 'keep' })], createTimers: [timer('tm-keep')] }),
      );
      const current = next(a, { state: { moved: true } });
      await ctx.store.commitTransition(current);
      const stale = next(a, { state: { stale: true }, waits: [{ event: 'paid', key: 'k2' }] }, {
        history: [historyEvent('i-1', 1)],
        createTasks: [task('t-new', { queue: 'new' })],
        removeTasks: ['t-keep'],
        createTimers: [timer('tm-new', { dueAt: T0 - 100 })],
        removeTimers: ['tm-keep'],
        createInstances: [instance('i-child')],
      });
      expect(await ctx.store.commitTransition(stale)).toBe(false);
      expect(await ctx.store.getInstance('i-1')).toEqual(current.record);
      expect(await ctx.store.readHistory('i-1', 1)).toEqual([]);
      expect(await ctx.store.countQueued()).toEqual({ keep: 1 });
      expect((await ctx.store.claimDueTimers(T0 + 1000, 10, 1000)).map((t) => t.id)).toEqual(['tm-keep']);
      expect(await ctx.store.getInstance('i-child')).toBeNull();
      expect(await ctx.store.findWaiting('paid', 'k1')).toEqual(['i-1']);
      expect(await ctx.store.findWaiting('paid', 'k2')).toEqual([]);
    });

    it('creates and removes tasks and timers, ignoring ids that are missing', async () => {
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a));
      const add = next(a, {}, {
        createTasks: [task('t-1', { queue: 'q1' }), task('t-2', { queue: 'q2' })],
        createTimers: [timer('tm-1', { dueAt: T0 + 10 }), timer('tm-2', { dueAt: T0 + 20 })],
      });
      await ctx.store.commitTransition(add);
      expect(await ctx.store.countQueued()).toEqual({ q1: 1, q2: 1 });
      const remove = next(add.record, {}, { removeTasks: ['t-1', 'missing'], removeTimers: ['tm-1', 'missing'] });
      expect(await ctx.store.commitTransition(remove)).toBe(true);
      expect(await ctx.store.countQueued()).toEqual({ q2: 1 });
      expect(await ctx.store.nextTimerDue()).toBe(T0 + 20);
    });

    it('can remove and re-create a timer under the same id in one transition', async () => {
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a, { createTimers: [timer('tm', { dueAt: T0 + 10 })] }));
      const rearm = next(a, {}, { removeTimers: ['tm'], createTimers: [timer('tm', { dueAt: T0 + 50 })] });
      expect(await ctx.store.commitTransition(rearm)).toBe(true);
      expect(await ctx.store.nextTimerDue()).toBe(T0 + 50);
    });

    it('creates new instances only where the id is free', async () => {
      const existing = instance('i-2', { state: { original: true } });
      await ctx.store.createInstance(creation(existing));
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a));
      const fresh = instance('i-3', { parentId: 'i-1', waits: [{ event: 'go', key: '3' }] });
      const spawn = next(a, {}, { createInstances: [instance('i-2', { state: { replaced: true } }), fresh] });
      expect(await ctx.store.commitTransition(spawn)).toBe(true);
      expect(await ctx.store.getInstance('i-2')).toEqual(existing);
      expect(await ctx.store.getInstance('i-3')).toEqual(fresh);
      expect(await ctx.store.findWaiting('go', '3')).toEqual(['i-3']);
    });

    it('replaces the waits of the instance, and findWaiting follows', async () => {
      const a = instance('i-1', { waits: [{ event: 'paid', key: 'o-1' }, { event: 'shipped', key: null }] });
      const b = instance('i-2', { waits: [{ event: 'paid', key: 'o-1' }] });
      await ctx.store.createInstance(creation(a));
      await ctx.store.createInstance(creation(b));
      expect((await ctx.store.findWaiting('paid', 'o-1')).sort()).toEqual(['i-1', 'i-2']);
      const moved = next(a, { waits: [{ event: 'paid', key: 'o-2' }] });
      await ctx.store.commitTransition(moved);
      expect(await ctx.store.findWaiting('paid', 'o-1')).toEqual(['i-2']);
      expect(await ctx.store.findWaiting('paid', 'o-2')).toEqual(['i-1']);
      expect(await ctx.store.findWaiting('shipped', '')).toEqual([]);
      expect((await ctx.store.getInstance('i-1'))?.waits).toEqual([{ event: 'paid', key: 'o-2' }]);
    });

    it('lets exactly one of many concurrent commits on the same rev win', async () => {
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a));
      const attempts = Array.from({ length: 20 }, (_, i) =>
        next(a, { state: { winner: i } }, {
          history: [historyEvent('i-1', 1, { details: { winner: i } })],
          createTasks: [task(`t-${i}`)],
        }),
      );
      const results = await Promise.all(attempts.map((t) => ctx.store.commitTransition(t)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await ctx.store.getInstance('i-1')).toEqual(attempts[winner]!.record);
      expect(await ctx.store.readHistory('i-1', 1)).toEqual([historyEvent('i-1', 1, { details: { winner } })]);
      expect(await ctx.store.countQueued()).toEqual({ payments: 1 });
    });

    it('lands every one of many concurrent commits on different instances', async () => {
      const records = Array.from({ length: 300 }, (_, i) => instance(`i-${i}`));
      await Promise.all(records.map((r) => ctx.store.createInstance(creation(r))));
      const transitions = records.map((r, i) =>
        next(r, { state: { moved: i } }, { history: [historyEvent(r.id, 1)], createTasks: [task(`t-${i}`, { instanceId: r.id })] }),
      );
      const results = await Promise.all(transitions.map((t) => ctx.store.commitTransition(t)));
      expect(results.every((r) => r === true)).toBe(true);
      for (const t of transitions) {
        expect(await ctx.store.getInstance(t.record.id)).toEqual(t.record);
        expect(await ctx.store.readHistory(t.record.id, 1)).toHaveLength(1);
      }
      expect(await ctx.store.countQueued()).toEqual({ payments: 300 });
    });

    it('refuses a record whose rev is not expectedRev + 1', async () => {
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a));
      const wrong = { ...next(a), record: { ...a, rev: 5 } };
      await expect(ctx.store.commitTransition(wrong)).rejects.toMatchObject({ code: 'STORE_INVALID' });
      expect(await ctx.store.getInstance('i-1')).toEqual(a);
    });
  });
}
