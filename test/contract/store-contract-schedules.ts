/** The schedule part of the Store contract: compare-and-swap on rev, and the scheduler's query. */
import { describe, expect, it } from 'vitest';
import type { ScheduleRecord } from '../../engine/store/port.js';
import type { StoreContext } from './store-contract.js';
import { T0 } from './records.js';

function schedule(id: string, over: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    id,
    workflow: 'report',
    version: null,
    cron: '* * * * *',
    timezone: 'UTC',
    input: { n: 1, 'odd.key': { $ref: 'kept as written' } },
    overlap: 'skip',
    catchupWindowMs: 60_000,
    paused: false,
    note: null,
    origin: 'api',
    rev: 1,
    nextFireAt: T0 + 60_000,
    pending: [],
    buffered: null,
    lastInstanceId: null,
    recent: [],
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function scheduleContract(ctx: StoreContext): void {
  describe('schedules', () => {
    it('inserts only when the id is free, and reads back what it stored', async () => {
      const s = schedule('a');
      expect(await ctx.store.putSchedule(s, null)).toBe(true);
      expect(await ctx.store.putSchedule(schedule('a', { cron: '0 * * * *' }), null)).toBe(false);
      expect(await ctx.store.getSchedule('a')).toEqual(s);
      expect(await ctx.store.getSchedule('missing')).toBeNull();
    });

    it('replaces by compare-and-swap on rev: exactly one of two racing updates wins', async () => {
      await ctx.store.putSchedule(schedule('a'), null);
      const results = await Promise.all([
        ctx.store.putSchedule(schedule('a', { rev: 2, note: 'first' }), 1),
        ctx.store.putSchedule(schedule('a', { rev: 2, note: 'second' }), 1),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await ctx.store.getSchedule('a'))!.rev).toBe(2);
      expect(await ctx.store.putSchedule(schedule('a', { rev: 3 }), 1)).toBe(false);
    });

    it('lists by id and deletes', async () => {
      for (const id of ['b', 'a', 'c']) await ctx.store.putSchedule(schedule(id), null);
      expect((await ctx.store.listSchedules()).map((s) => s.id)).toEqual(['a', 'b', 'c']);
      expect(await ctx.store.deleteSchedule('b')).toBe(true);
      expect(await ctx.store.deleteSchedule('b')).toBe(false);
      expect((await ctx.store.listSchedules()).map((s) => s.id)).toEqual(['a', 'c']);
    });

    it('finds schedules due now, or with pending or buffered fires, never paused ones', async () => {
      await ctx.store.putSchedule(schedule('due', { nextFireAt: T0 }), null);
      await ctx.store.putSchedule(schedule('later', { nextFireAt: T0 + 1 }), null);
      await ctx.store.putSchedule(schedule('paused', { nextFireAt: T0 - 1, paused: true }), null);
      await ctx.store.putSchedule(schedule('pending', { nextFireAt: T0 + 1000, pending: [{ fireTime: 'x', action: 'start' }] }), null);
      await ctx.store.putSchedule(schedule('buffered', { nextFireAt: null, buffered: 'y' }), null);
      await ctx.store.putSchedule(schedule('ended', { nextFireAt: null }), null);
      const due = (await ctx.store.findDueSchedules(T0, 10)).map((s) => s.id).sort();
      expect(due).toEqual(['buffered', 'due', 'pending']);
      expect(await ctx.store.findDueSchedules(T0, 1)).toHaveLength(1);
    });
  });
}
