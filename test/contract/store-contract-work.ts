/** Store contract, part 2: task leases and tokens, timers. */
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../engine/store/port.js';
import type { StoreContext } from './store-contract.js';
import { T0, creation, instance, next, task, timer, type Effects } from './records.js';

const NOW = T0 + 1_000;

/** Creates instance i-1 with the given effects; returns it for follow-up transitions. */
async function seed(ctx: StoreContext, effects: Partial<Effects>) {
  const record = instance('i-1');
  await ctx.store.createInstance(creation(record, effects));
  return record;
}

async function claimAll(ctx: StoreContext, queue: string, claimers: number, max: number): Promise<TaskRecord[]> {
  const claimed: TaskRecord[] = [];
  await Promise.all(
    Array.from({ length: claimers }, async (_, i) => {
      for (;;) {
        const got = await ctx.store.claimTasks({ queues: [queue], worker: `w-${i}`, max, now: NOW });
        if (got.length === 0) return;
        claimed.push(...got);
      }
    }),
  );
  return claimed;
}

export function workContract(ctx: StoreContext): void {
  describe('claimTasks', () => {
    it('leases the oldest tasks of the named queues, up to max, each with a fresh token', async () => {
      await seed(ctx, {
        createTasks: [
          task('a-3', { queue: 'a', createdAt: T0 + 3 }),
          task('a-1', { queue: 'a', createdAt: T0 + 1 }),
          task('a-2', { queue: 'a', createdAt: T0 + 2 }),
          task('a-0', { queue: 'a', createdAt: T0 + 1 }),
          task('b-1', { queue: 'b', createdAt: T0 }),
          task('c-1', { queue: 'c', createdAt: T0 - 5 }),
        ],
      });
      const first = await ctx.store.claimTasks({ queues: ['a', 'b'], worker: 'w1', max: 3, now: NOW });
      expect(first.map((t) => t.id)).toEqual(['b-1', 'a-0', 'a-1']);
      for (const t of first) {
        expect(t).toMatchObject({ status: 'LEASED', worker: 'w1', leasedAt: NOW, leaseExpiresAt: NOW + 60_000 });
        expect(typeof t.token).toBe('string');
      }
      expect(new Set(first.map((t) => t.token)).size).toBe(3);
      const rest = await ctx.store.claimTasks({ queues: ['a', 'b'], worker: 'w2', max: 10, now: NOW });
      expect(rest.map((t) => t.id)).toEqual(['a-2', 'a-3']);
      expect(await ctx.store.claimTasks({ queues: ['a', 'b'], worker: 'w2', max: 10, now: NOW })).toEqual([]);
      expect(await ctx.store.claimTasks({ queues: [], worker: 'w2', max: 10, now: NOW })).toEqual([]);
      expect(await ctx.store.claimTasks({ queues: ['c'], worker: 'w2', max: 0, now: NOW })).toEqual([]);
      expect(await ctx.store.countQueued()).toEqual({ c: 1 });
    });

    it('leases for the heartbeat interval when it is shorter than the timeout', async () => {
      await seed(ctx, {
        createTasks: [
          task('short', { heartbeatMs: 5_000, createdAt: T0 }),
          task('long', { heartbeatMs: 120_000, createdAt: T0 + 1 }),
        ],
      });
      const claimed = await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 2, now: NOW });
      expect(claimed.map((t) => [t.id, t.leaseExpiresAt])).toEqual([
        ['short', NOW + 5_000],
        ['long', NOW + 60_000],
      ]);
    });

    it('never leases a task twice, even with 20 claimers racing for 50 tasks', async () => {
      const ids = Array.from({ length: 50 }, (_, i) => `t-${String(i).padStart(2, '0')}`);
      await seed(ctx, { createTasks: ids.map((id, i) => task(id, { createdAt: T0 + (i % 7) })) });
      const claimed = await claimAll(ctx, 'payments', 20, 3);
      expect(claimed.map((t) => t.id).sort()).toEqual(ids);
      expect(new Set(claimed.map((t) => t.token)).size).toBe(50);
    });
  });

  describe('claimTasks, one at a time', () => {
    it('leases each queued task once, to the claimer that took it', async () => {
      await seed(ctx, { createTasks: [task('t-1'), task('t-2')] });
      const [claimed, ...more] = await ctx.store.claimTasks({ queues: ['payments'], worker: 'engine', max: 1, now: NOW });
      expect(more).toEqual([]);
      expect(claimed).toMatchObject({ id: 't-1', status: 'LEASED', worker: 'engine', leasedAt: NOW });
      expect(claimed?.token).toEqual(expect.any(String));
      const polled = await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 10, now: NOW });
      expect(polled.map((t) => t.id)).toEqual(['t-2']);
      expect(await ctx.store.claimTasks({ queues: ['payments'], worker: 'other', max: 10, now: NOW })).toEqual([]);
    });
  });

  describe('task tokens', () => {
    it('accept the live attempt and refuse it once the task is removed', async () => {
      const a = await seed(ctx, { createTasks: [task('t-1')] });
      const [leased] = await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 1, now: NOW });
      const token = leased!.token!;
      expect(await ctx.store.getTaskByToken(token)).toEqual(leased);
      expect(await ctx.store.extendLease(token, NOW + 90_000)).toBe(true);
      expect(await ctx.store.extendLease(token, NOW + 10)).toBe(true);
      expect((await ctx.store.getTaskByToken(token))?.leaseExpiresAt).toBe(NOW + 90_000);

      const retry = next(a, {}, { removeTasks: ['t-1'], createTasks: [task('t-1.2', { attempt: 2 })] });
      await ctx.store.commitTransition(retry);
      expect(await ctx.store.getTaskByToken(token)).toBeNull();
      expect(await ctx.store.extendLease(token, NOW + 100_000)).toBe(false);
      const [second] = await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 1, now: NOW });
      expect(second?.token).not.toBe(token);
      expect(await ctx.store.getTaskByToken(token)).toBeNull();
      expect(await ctx.store.getTaskByToken('unknown')).toBeNull();
      expect(await ctx.store.extendLease('unknown', NOW)).toBe(false);
    });
  });

  describe('claimExpiredLeases', () => {
    it('claims leased tasks whose lease ended by now, earliest expiry first, leaving their lease as it was', async () => {
      await seed(ctx, {
        createTasks: [
          task('t-1', { timeoutMs: 1_000, createdAt: T0 }),
          task('t-2', { timeoutMs: 5_000, createdAt: T0 + 1 }),
          task('t-3', { timeoutMs: 3_000, createdAt: T0 + 2 }),
          task('queued', { queue: 'idle' }),
        ],
      });
      const leased = await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 3, now: NOW });
      expect(await ctx.store.claimExpiredLeases(NOW + 999, 10, 1_000)).toEqual([]);
      const first = await ctx.store.claimExpiredLeases(NOW + 3_000, 1, 1_000);
      expect(first).toEqual([{ ...leased.find((t) => t.id === 't-1'), sweeps: 1 }]);
      expect((await ctx.store.claimExpiredLeases(NOW + 3_000, 10, 1_000)).map((t) => t.id)).toEqual(['t-3']);
      // Claimed by a sweep: hidden from the others until the sweep's claim ends, then counted again.
      expect(await ctx.store.claimExpiredLeases(NOW + 3_999, 10, 1_000)).toEqual([]);
      const again = await ctx.store.claimExpiredLeases(NOW + 1e9, 10, 1_000);
      expect(again.map((t) => [t.id, t.sweeps, t.leaseExpiresAt])).toEqual([
        ['t-1', 2, NOW + 1_000],
        ['t-3', 2, NOW + 3_000],
        ['t-2', 1, NOW + 5_000],
      ]);
      expect(await ctx.store.claimExpiredLeases(NOW + 1e9, 0, 1_000)).toEqual([]);
    });

    it('findExpiredLeases reads expired leases, swept or not, and claims nothing', async () => {
      await seed(ctx, { createTasks: [task('t-1', { timeoutMs: 1_000, createdAt: T0 }), task('t-2', { timeoutMs: 5_000, createdAt: T0 + 1 })] });
      await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 2, now: NOW });
      expect(await ctx.store.findExpiredLeases(NOW + 999, 10)).toEqual([]);
      await ctx.store.claimExpiredLeases(NOW + 1_000, 10, 60_000);
      const read = await ctx.store.findExpiredLeases(NOW + 5_000, 10);
      expect(read.map((t) => [t.id, t.sweeps ?? 0])).toEqual([['t-1', 1], ['t-2', 0]]);
      expect((await ctx.store.findExpiredLeases(NOW + 5_000, 1)).map((t) => t.id)).toEqual(['t-1']);
      expect((await ctx.store.findExpiredLeases(NOW + 5_000, 10)).map((t) => t.sweeps ?? 0)).toEqual([1, 0]);
    });

    it('gives each expired lease to one of many concurrent sweeps', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => `t-${String(i).padStart(2, '0')}`);
      await seed(ctx, { createTasks: ids.map((id, i) => task(id, { timeoutMs: 1_000, createdAt: T0 + i })) });
      await ctx.store.claimTasks({ queues: ['payments'], worker: 'w', max: 20, now: NOW });
      const batches = await Promise.all(Array.from({ length: 8 }, () => ctx.store.claimExpiredLeases(NOW + 2_000, 3, 60_000)));
      const rest = await ctx.store.claimExpiredLeases(NOW + 2_000, 100, 60_000);
      const claimed = [...batches.flat(), ...rest];
      expect(claimed.map((t) => t.id).sort()).toEqual(ids);
      expect(new Set(claimed.map((t) => t.sweeps))).toEqual(new Set([1]));
    });
  });

  describe('countQueued', () => {
    it('counts queued tasks per queue and leaves leased ones out', async () => {
      expect(await ctx.store.countQueued()).toEqual({});
      await seed(ctx, {
        createTasks: [task('a-1', { queue: 'a' }), task('a-2', { queue: 'a' }), task('a-3', { queue: 'a' }), task('b-1', { queue: 'b' })],
      });
      expect((await ctx.store.claimTasks({ queues: ['a'], worker: 'w', max: 1, now: NOW })).map((t) => t.id)).toEqual(['a-1']);
      expect(await ctx.store.countQueued()).toEqual({ a: 2, b: 1 });
    });
  });

  describe('summarizeQueues', () => {
    it('gives each queue its queued count, oldest queued task, leases and who holds them', async () => {
      expect(await ctx.store.summarizeQueues()).toEqual([]);
      await seed(ctx, {
        createTasks: [
          task('a-1', { queue: 'a', createdAt: T0 + 5 }),
          task('a-2', { queue: 'a', createdAt: T0 + 2 }),
          task('a-3', { queue: 'a', createdAt: T0 + 9 }),
          task('a-4', { queue: 'a', createdAt: T0 + 1 }),
          task('b-1', { queue: 'b', createdAt: T0 }),
        ],
      });
      // The two oldest of queue a (a-4, a-2) and b-1.
      await ctx.store.claimTasks({ queues: ['a'], worker: 'w1', max: 2, now: NOW });
      await ctx.store.claimTasks({ queues: ['b'], worker: 'w2', max: 1, now: NOW });
      expect(await ctx.store.summarizeQueues()).toEqual([
        { queue: 'a', queued: 2, oldestQueuedAt: T0 + 5, leased: 2, holders: { w1: 2 } },
        { queue: 'b', queued: 0, oldestQueuedAt: null, leased: 1, holders: { w2: 1 } },
      ]);
    });
  });

  describe('findQueuedTasks', () => {
    it('finds queued tasks of the queues created by a time, oldest first, up to the limit', async () => {
      await seed(ctx, {
        createTasks: [
          task('a-1', { queue: 'a', createdAt: T0 + 3 }),
          task('a-2', { queue: 'a', createdAt: T0 + 1 }),
          task('a-3', { queue: 'a', createdAt: T0 + 50 }),
          task('b-1', { queue: 'b', createdAt: T0 + 2 }),
          task('c-1', { queue: 'c', createdAt: T0 }),
        ],
      });
      await ctx.store.claimTasks({ queues: ['a'], worker: 'w', max: 1, now: NOW }); // a-2, the oldest of a
      const ids = async (queues: string[], by: number, limit: number) => (await ctx.store.findQueuedTasks(queues, by, limit)).map((t) => t.id);
      expect(await ids(['a', 'b'], T0 + 10, 10)).toEqual(['b-1', 'a-1']);
      expect(await ids(['a', 'b', 'a'], T0 + 100, 2)).toEqual(['b-1', 'a-1']);
      expect(await ids(['a'], T0 + 100, 10)).toEqual(['a-1', 'a-3']);
      expect(await ids(['a', 'b'], T0 + 2, 10)).toEqual(['b-1']);
      expect(await ids([], T0 + 100, 10)).toEqual([]);
      expect(await ids(['c'], T0 + 100, 0)).toEqual([]);
    });
  });

  describe('timers', () => {
    it('claims due timers earliest first, up to the limit', async () => {
      const timers = [
        timer('tm-10', { dueAt: T0 + 10 }),
        timer('tm-5', { dueAt: T0 + 5 }),
        timer('tm-20', { dueAt: T0 + 20 }),
        timer('tm-later', { dueAt: T0 + 100 }),
      ];
      await seed(ctx, { createTimers: timers });
      expect(await ctx.store.claimDueTimers(T0 + 20, 2, 1_000)).toEqual([{ ...timers[1], claims: 1 }, { ...timers[0], claims: 1 }]);
      expect(await ctx.store.claimDueTimers(T0 + 20, 10, 1_000)).toEqual([{ ...timers[2], claims: 1 }]);
    });

    it('does not give a leased timer to a second claimer before its lease ends, then does', async () => {
      await seed(ctx, { createTimers: [timer('tm-1', { dueAt: T0 })] });
      expect((await ctx.store.claimDueTimers(NOW, 10, 1_000)).map((t) => t.id)).toEqual(['tm-1']);
      expect(await ctx.store.claimDueTimers(NOW + 999, 10, 1_000)).toEqual([]);
      expect((await ctx.store.claimDueTimers(NOW + 1_000, 10, 1_000)).map((t) => [t.id, t.claims])).toEqual([['tm-1', 2]]);
      expect((await ctx.store.claimDueTimers(NOW + 2_000, 10, 1_000)).map((t) => [t.id, t.claims])).toEqual([['tm-1', 3]]);
    });

    it('counts claims per timer, and starts again from none for a timer created anew under the same id', async () => {
      const a = await seed(ctx, { createTimers: [timer('tm-1', { dueAt: T0 }), timer('tm-2', { dueAt: T0 })] });
      await ctx.store.claimDueTimers(NOW, 1, 1_000);
      const rearmed = next(a, {}, { removeTimers: ['tm-1'], createTimers: [timer('tm-1', { dueAt: T0 })] });
      await ctx.store.commitTransition(rearmed);
      expect((await ctx.store.claimDueTimers(NOW, 10, 1_000)).map((t) => [t.id, t.claims])).toEqual([['tm-1', 1], ['tm-2', 1]]);
    });

    it('gives each due timer to one of many concurrent claimers', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `tm-${String(i).padStart(2, '0')}`);
      await seed(ctx, { createTimers: ids.map((id, i) => timer(id, { dueAt: T0 + i })) });
      const batches = await Promise.all(Array.from({ length: 10 }, () => ctx.store.claimDueTimers(NOW, 4, 60_000)));
      const rest = await ctx.store.claimDueTimers(NOW, 100, 60_000);
      const claimed = [...batches.flat(), ...rest].map((t) => t.id);
      expect(claimed.sort()).toEqual(ids);
    });

    it('forgets a timer the transition removed', async () => {
      const a = await seed(ctx, { createTimers: [timer('tm-1', { dueAt: T0 })] });
      await ctx.store.claimDueTimers(NOW, 10, 1_000);
      await ctx.store.commitTransition(next(a, {}, { removeTimers: ['tm-1'] }));
      expect(await ctx.store.claimDueTimers(NOW + 5_000, 10, 1_000)).toEqual([]);
      expect(await ctx.store.nextTimerDue()).toBeNull();
    });

    it('nextTimerDue is when the next timer becomes claimable: a leased one only when its lease ends', async () => {
      expect(await ctx.store.nextTimerDue()).toBeNull();
      await seed(ctx, { createTimers: [timer('tm-1', { dueAt: T0 + 30 }), timer('tm-2', { dueAt: T0 + 7 })] });
      expect(await ctx.store.nextTimerDue()).toBe(T0 + 7);
      await ctx.store.claimDueTimers(T0 + 7, 10, 1_000);
      expect(await ctx.store.nextTimerDue()).toBe(T0 + 30);
      await ctx.store.claimDueTimers(T0 + 30, 10, 1_000);
      expect(await ctx.store.nextTimerDue()).toBe(T0 + 1_007);
      // The answer is exact: nothing is claimable a millisecond before it, tm-2 is at it.
      expect(await ctx.store.claimDueTimers(T0 + 1_006, 10, 1_000)).toEqual([]);
      expect((await ctx.store.claimDueTimers(T0 + 1_007, 10, 1_000)).map((t) => t.id)).toEqual(['tm-2']);
      expect(await ctx.store.nextTimerDue()).toBe(T0 + 1_030);
    });
  });
}
