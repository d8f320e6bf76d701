/** Store contract, part 3: instance lists, purge, history reads, large payloads. */
import { describe, expect, it } from 'vitest';
import type { InstanceFilter, InstanceRecord, InstanceStatus, Store } from '../../engine/store/port.js';
import type { StoreContext } from './store-contract.js';
import { T0, creation, historyEvent, instance, next, task, timer } from './records.js';

async function createAll(store: Store, records: InstanceRecord[]): Promise<void> {
  for (const record of records) await store.createInstance(creation(record));
}

async function ids(store: Store, filter: InstanceFilter, limit = 100): Promise<string[]> {
  return (await store.listInstances(filter, limit)).items.map((r) => r.id);
}

function listFixture(): InstanceRecord[] {
  return [
    instance('i-a', { createdAt: T0 + 10, workflow: 'orders', status: 'RUNNING' }),
    instance('i-b', { createdAt: T0 + 20, workflow: 'billing', status: 'COMPLETED' }),
    instance('i-c', { createdAt: T0 + 20, workflow: 'orders', status: 'FAILED', parentId: 'i-a' }),
    instance('i-d', { createdAt: T0 + 30, workflow: 'orders', status: 'COMPLETED', parentId: 'i-a' }),
    instance('i-e', { createdAt: T0 + 40, workflow: 'billing', status: 'RUNNING' }),
  ];
}

export function queryContract(ctx: StoreContext): void {
  describe('countByStatus', () => {
    it('counts each status within the workflow and an inclusive createdAt range, leaving out statuses none has', async () => {
      await createAll(ctx.store, listFixture());
      expect(await ctx.store.countByStatus({})).toEqual({ RUNNING: 2, COMPLETED: 2, FAILED: 1 });
      expect(await ctx.store.countByStatus({ workflow: 'orders' })).toEqual({ RUNNING: 1, COMPLETED: 1, FAILED: 1 });
      expect(await ctx.store.countByStatus({ from: T0 + 20, to: T0 + 30 })).toEqual({ COMPLETED: 2, FAILED: 1 });
      expect(await ctx.store.countByStatus({ workflow: 'nobody' })).toEqual({});
      // A transition moves an instance from one count to another.
      await ctx.store.commitTransition(next(listFixture()[0]!, { status: 'SUSPENDED' }));
      expect(await ctx.store.countByStatus({ workflow: 'orders' })).toEqual({ SUSPENDED: 1, COMPLETED: 1, FAILED: 1 });
    });
  });

  describe('findByWaitKey', () => {
    it('finds the instances with an open wait carrying a key, whatever the event, by id and up to a limit', async () => {
      await createAll(ctx.store, [
        instance('i-3', { waits: [{ event: 'shipped', key: 'order-7' }] }),
        instance('i-1', { waits: [{ event: 'paid', key: 'order-7' }, { event: 'cancelled', key: 'order-7' }] }),
        instance('i-2', { waits: [{ event: 'paid', key: 'order-8' }, { event: 'ping', key: null }] }),
      ]);
      expect(await ctx.store.findByWaitKey('order-7', 10)).toEqual(['i-1', 'i-3']);
      expect(await ctx.store.findByWaitKey('order-7', 1)).toEqual(['i-1']);
      expect(await ctx.store.findByWaitKey('order-8', 10)).toEqual(['i-2']);
      expect(await ctx.store.findByWaitKey('order-9', 10)).toEqual([]);
      expect(await ctx.store.findByWaitKey('order-7', 0)).toEqual([]);
      // Once the wait is over, the key no longer finds it.
      await ctx.store.commitTransition(next(instance('i-3', { waits: [{ event: 'shipped', key: 'order-7' }] }), { waits: [] }));
      expect(await ctx.store.findByWaitKey('order-7', 10)).toEqual(['i-1']);
    });
  });

  describe('listInstances', () => {
    it('lists newest first, ties broken by id descending', async () => {
      await createAll(ctx.store, listFixture());
      expect(await ids(ctx.store, {})).toEqual(['i-e', 'i-d', 'i-c', 'i-b', 'i-a']);
      expect((await ctx.store.listInstances({}, 10)).items[0]).toEqual(listFixture()[4]);
    });

    it('filters by workflow, status list, parent and an inclusive createdAt range', async () => {
      await createAll(ctx.store, listFixture());
      expect(await ids(ctx.store, { workflow: 'orders' })).toEqual(['i-d', 'i-c', 'i-a']);
      expect(await ids(ctx.store, { status: ['COMPLETED', 'FAILED'] })).toEqual(['i-d', 'i-c', 'i-b']);
      expect(await ids(ctx.store, { status: [] })).toHaveLength(5);
      expect(await ids(ctx.store, { status: ['COMPLETED', 'COMPLETED'] })).toEqual(['i-d', 'i-b']);
      expect(await ids(ctx.store, { parentId: 'i-a' })).toEqual(['i-d', 'i-c']);
      expect(await ids(ctx.store, { from: T0 + 20, to: T0 + 30 })).toEqual(['i-d', 'i-c', 'i-b']);
      expect(await ids(ctx.store, { workflow: 'orders', status: ['COMPLETED', 'RUNNING'], to: T0 + 29 })).toEqual([
        'i-a',
      ]);
      expect(await ids(ctx.store, { workflow: 'missing' })).toEqual([]);
    });

    it('keeps the redelivery and set-aside marks a commit writes, clears them when it leaves them out, and filters and counts by the mark', async () => {
      await createAll(ctx.store, listFixture());
      const redelivery = { source: 'timer:i-a:1:t3', input: 'timerFired', tries: 2, since: T0 + 50, error: 'TypeError: boom' };
      const marked = next(listFixture()[0]!, { redelivery });
      await ctx.store.commitTransition(marked);
      expect(await ctx.store.getInstance('i-a')).toEqual(marked.record);
      const setAside = { reason: 'it threw 3 times', at: T0 + 60, tries: 3, input: 'timerFired', step: 'poison', held: [{ type: 'timerFired' as const, timerId: 't3' }] };
      const { redelivery: _cleared, ...withoutTries } = marked.record;
      const aside = next(withoutTries, { setAside });
      await ctx.store.commitTransition(aside);
      expect(await ctx.store.getInstance('i-a')).toEqual(aside.record);
      const e = next(listFixture()[4]!, { setAside: { ...setAside, step: undefined, held: [] } });
      await ctx.store.commitTransition(e);
      expect(await ids(ctx.store, { setAside: true })).toEqual(['i-e', 'i-a']);
      expect(await ids(ctx.store, { setAside: true, workflow: 'orders' })).toEqual(['i-a']);
      expect(await ids(ctx.store, { setAside: false })).toEqual(['i-d', 'i-c', 'i-b']);
      expect(await ctx.store.countSetAside()).toEqual({ orders: 1, billing: 1 });
      const { setAside: _released, ...plain } = aside.record;
      await ctx.store.commitTransition(next(plain, {}));
      expect(await ctx.store.getInstance('i-a')).not.toHaveProperty('setAside');
      expect(await ids(ctx.store, { setAside: true })).toEqual(['i-e']);
      expect(await ctx.store.countSetAside()).toEqual({ billing: 1 });
    });

    it('pages with a cursor that stays stable while new instances arrive, with no duplicates or gaps', async () => {
      const original = Array.from({ length: 25 }, (_, i) =>
        instance(`i-${String(i).padStart(2, '0')}`, { createdAt: T0 + Math.floor(i / 3) * 10 }),
      );
      await createAll(ctx.store, original);
      const expected = [...original].reverse().map((r) => r.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let page = 0;
      do {
        const result = await ctx.store.listInstances({}, 7, cursor);
        seen.push(...result.items.map((r) => r.id));
        cursor = result.nextCursor;
        page += 1;
        await ctx.store.createInstance(creation(instance(`new-${page}`, { createdAt: T0 + 1_000 + page })));
      } while (cursor !== undefined);
      expect(seen).toEqual(expected);
      expect(page).toBe(4);
    });

    it('pages through a filtered list', async () => {
      await createAll(ctx.store, listFixture());
      const filter: InstanceFilter = { status: ['COMPLETED', 'FAILED', 'RUNNING'], to: T0 + 30 };
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await ctx.store.listInstances(filter, 2, cursor);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      expect(seen).toEqual(['i-d', 'i-c', 'i-b', 'i-a']);
    });

    it('has no next cursor when the page is the last one', async () => {
      await createAll(ctx.store, listFixture());
      const page = await ctx.store.listInstances({}, 5);
      expect(page.items).toHaveLength(5);
      expect(page.nextCursor).toBeUndefined();
    });

    it('refuses a malformed cursor, a page limit below 1 and an unknown status', async () => {
      await expect(ctx.store.listInstances({}, 10, 'not-a-cursor')).rejects.toMatchObject({ code: 'STORE_INVALID' });
      await expect(ctx.store.listInstances({}, 0)).rejects.toMatchObject({ code: 'STORE_INVALID' });
      await expect(ctx.store.listInstances({ status: ['DONE' as InstanceStatus] }, 10)).rejects.toMatchObject({
        code: 'STORE_INVALID',
        message: expect.stringContaining('"DONE" is not an instance status'),
      });
    });
  });

  describe('purgeInstance', () => {
    it('refuses an instance that is not terminal, and an unknown id', async () => {
      await createAll(ctx.store, [instance('i-1', { status: 'SUSPENDED' })]);
      expect(await ctx.store.purgeInstance('i-1')).toBe(false);
      expect(await ctx.store.getInstance('i-1')).not.toBeNull();
      expect(await ctx.store.purgeInstance('missing')).toBe(false);
    });

    it('removes a terminal instance with its history of every run, tasks, timers and waits', async () => {
      const a = instance('i-1', { waits: [{ event: 'paid', key: 'k' }] });
      await ctx.store.createInstance(
        creation(a, {
          history: [historyEvent('i-1', 1)],
          createTasks: [task('t-1'), task('t-2', { queue: 'other' })],
          createTimers: [timer('tm-1')],
        }),
      );
      const [leased] = await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 1, now: T0 });
      const run2 = next(a, { run: 2 }, { history: [historyEvent('i-1', 1, { run: 2 })] });
      await ctx.store.commitTransition(run2);
      await ctx.store.commitTransition(next(run2.record, { status: 'COMPLETED' }));
      const b = instance('i-2');
      await ctx.store.createInstance(
        creation(b, { history: [historyEvent('i-2', 1)], createTasks: [task('t-b', { instanceId: 'i-2' })], createTimers: [timer('tm-b', { instanceId: 'i-2' })] }),
      );

      expect(await ctx.store.purgeInstance('i-1')).toBe(true);
      expect(await ctx.store.getInstance('i-1')).toBeNull();
      expect(await ctx.store.readHistory('i-1', 1)).toEqual([]);
      expect(await ctx.store.readHistory('i-1', 2)).toEqual([]);
      expect(await ctx.store.getTaskByToken(leased!.token!)).toBeNull();
      expect(await ctx.store.countQueued()).toEqual({ payments: 1 });
      expect((await ctx.store.claimDueTimers(T0 + 1, 10, 1_000)).map((t) => t.id)).toEqual(['tm-b']);
      expect(await ctx.store.findWaiting('paid', 'k')).toEqual([]);
      expect(await ctx.store.readHistory('i-2', 1)).toHaveLength(1);
      expect(await ctx.store.purgeInstance('i-1')).toBe(false);
    });
  });

  describe('readHistory', () => {
    it('reads one run, after a sequence number, up to a limit', async () => {
      const a = instance('i-1');
      const run1 = [1, 2, 3, 4, 5].map((seq) => historyEvent('i-1', seq));
      await ctx.store.createInstance(creation(a, { history: run1 }));
      const run2 = [1, 2, 3].map((seq) => historyEvent('i-1', seq, { run: 2, step: undefined, type: 'Restarted' }));
      await ctx.store.commitTransition(next(a, { run: 2 }, { history: run2 }));
      expect(await ctx.store.readHistory('i-1', 1)).toEqual(run1);
      expect((await ctx.store.readHistory('i-1', 1, 2)).map((e) => e.seq)).toEqual([3, 4, 5]);
      expect((await ctx.store.readHistory('i-1', 1, 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
      expect(await ctx.store.readHistory('i-1', 2)).toEqual(run2);
      expect(await ctx.store.readHistory('i-1', 3)).toEqual([]);
    });

    it('pages across transitions, and splits a transition whose events span two runs', async () => {
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a, { history: [1, 2, 3].map((seq) => historyEvent('i-1', seq)) }));
      const moved = next(a, { run: 2 }, {
        history: [historyEvent('i-1', 4), historyEvent('i-1', 5, { type: 'ContinuedAsNew' }), historyEvent('i-1', 1, { run: 2, type: 'InstanceStarted' })],
      });
      await ctx.store.commitTransition(moved);
      await ctx.store.commitTransition(next(moved.record, {}, { history: [historyEvent('i-1', 2, { run: 2 })] }));
      expect((await ctx.store.readHistory('i-1', 1, 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
      expect((await ctx.store.readHistory('i-1', 1, 3)).map((e) => e.type)).toEqual(['StepStarted', 'ContinuedAsNew']);
      expect((await ctx.store.readHistory('i-1', 2)).map((e) => [e.seq, e.type])).toEqual([
        [1, 'InstanceStarted'],
        [2, 'StepStarted'],
      ]);
      expect(await ctx.store.readHistory('i-1', 1, 0, 0)).toEqual([]);
    });

    it('keeps optional fields optional', async () => {
      const bare = { instanceId: 'i-1', run: 1, seq: 1, type: 'Started', at: T0 };
      const full = historyEvent('i-1', 2, { details: { attempt: 2, error: { name: 'Timeout' } } });
      await ctx.store.createInstance(creation(instance('i-1'), { history: [bare, full] }));
      const [first, second] = await ctx.store.readHistory('i-1', 1);
      expect(Object.keys(first!).sort()).toEqual(['at', 'instanceId', 'run', 'seq', 'type']);
      expect(second).toEqual(full);
    });
  });

  describe('large payloads', () => {
    it('round-trips a 1 MiB state and task input', async () => {
      const blob = 'é'.repeat(512 * 1024);
      const state = { blob, items: Array.from({ length: 1_000 }, (_, i) => ({ i, ok: i % 2 === 0 })) };
      const a = instance('i-1', { state });
      await ctx.store.createInstance(creation(a, { createTasks: [task('t-1', { input: { blob } })] }));
      expect(await ctx.store.getInstance('i-1')).toEqual(a);
      const moved = next(a, { state: { ...state, step: 'next' } });
      expect(await ctx.store.commitTransition(moved)).toBe(true);
      expect(await ctx.store.getInstance('i-1')).toEqual(moved.record);
      const [claimed] = await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 1, now: T0 });
      expect(claimed?.input).toEqual({ blob });
    });
  });
}
