/** Schedules on an injectable clock: overlap policies, catch-up, DST, pause/resume, two engines. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { openStore } from '../../engine/store/open-store.js';
import type { InstanceStatus } from '../../engine/store/port.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Waits for an event named `done`, so a run lasts until the test says so. */
const longRun = `
name: job
steps:
  - { name: mark, type: set, values: { fire: "\${ $instance.schedule.fireTime }", schedule: "\${ $instance.schedule.id }" } }
  - { name: hold, type: wait, event: done }
`;

let t: TestEngine;
afterEach(async () => t?.engine.stop());

async function setup(overlap: string, extra: Record<string, unknown> = {}): Promise<void> {
  t = await testEngine();
  t.clock.set(T0);
  await t.register(longRun);
  await t.engine.schedules.create({ id: 'every-minute', workflow: 'job', cron: '* * * * *', overlap: overlap as never, ...extra });
}

async function statuses(): Promise<Record<string, InstanceStatus>> {
  const page = await t.engine.listInstances({ workflow: 'job' }, 100);
  return Object.fromEntries(page.items.map((i) => [i.id, i.status]));
}

const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();
const fireId = (minutes: number) => `every-minute@${at(minutes)}`;

describe('overlap policies', () => {
  it('skip: a fire while the previous run still runs is skipped and recorded', async () => {
    await setup('skip');
    await t.advance(MINUTE);
    await t.advance(MINUTE);
    expect(await statuses()).toEqual({ [fireId(1)]: 'RUNNING' });
    const view = await t.engine.schedules.get('every-minute');
    expect(view.recent.slice(0, 2)).toMatchObject([
      { fireTime: at(2), outcome: 'skipped', reason: expect.stringContaining('overlap: skip') },
      { fireTime: at(1), outcome: 'started', instanceId: fireId(1) },
    ]);
    expect(view.nextFires[0]).toBe(at(3));
  });

  it('allow: starts regardless', async () => {
    await setup('allow');
    await t.advance(MINUTE);
    await t.advance(MINUTE);
    expect(await statuses()).toEqual({ [fireId(1)]: 'RUNNING', [fireId(2)]: 'RUNNING' });
  });

  it('buffer: holds one fire until the running instance ends, a later fire taking its place', async () => {
    await setup('buffer');
    await t.advance(MINUTE);
    await t.advance(MINUTE);
    await t.advance(MINUTE);
    expect(await statuses()).toEqual({ [fireId(1)]: 'RUNNING' });
    expect((await t.engine.schedules.get('every-minute')).buffered).toBe(at(3));
    await t.engine.raiseEvent(fireId(1), 'done', null);
    await t.engine.runUntilIdle();
    expect(await statuses()).toEqual({ [fireId(1)]: 'COMPLETED', [fireId(3)]: 'RUNNING' });
    const recent = (await t.engine.schedules.get('every-minute')).recent;
    expect(recent.find((f) => f.fireTime === at(2) && f.outcome === 'skipped')).toBeDefined();
  });

  it.each([
    ['cancel', 'CANCELLED'],
    ['terminate', 'TERMINATED'],
  ])('%s: ends the running instance and starts the new one', async (policy, ended) => {
    await setup(policy);
    await t.advance(MINUTE);
    await t.advance(MINUTE);
    expect(await statuses()).toEqual({ [fireId(1)]: ended, [fireId(2)]: 'RUNNING' });
  });
});

describe('fires', () => {
  it('gives the instance $instance.schedule with the schedule id and the fire time', async () => {
    await setup('allow');
    await t.advance(MINUTE);
    expect((await t.engine.getInstance(fireId(1))).data).toEqual({ fire: at(1), schedule: 'every-minute' });
  });

  it('after downtime starts the fires within the catch-up window once each, and records older ones as missed', async () => {
    await setup('allow', { catchupWindow: '3m' });
    t.clock.advance(10 * MINUTE); // nobody looked for ten minutes
    await t.engine.runUntilIdle();
    expect(Object.keys(await statuses()).sort()).toEqual([fireId(7), fireId(8), fireId(9), fireId(10)]);
    const recent = (await t.engine.schedules.get('every-minute')).recent;
    expect(recent.filter((f) => f.outcome === 'missed').map((f) => f.fireTime).sort()).toEqual([1, 2, 3, 4, 5, 6].map(at));
    await t.engine.runUntilIdle();
    expect(Object.keys(await statuses())).toHaveLength(4);
  });

  it('skip: after downtime the fires within the catch-up window start once each, one after another', async () => {
    t = await testEngine();
    t.clock.set(T0);
    await t.register('name: quick\nsteps:\n  - { name: done, type: succeed }');
    await t.engine.schedules.create({ id: 'every-minute', workflow: 'quick', cron: '* * * * *', catchupWindow: '5m' });
    t.clock.advance(3 * MINUTE); // nobody looked for three minutes; each run ends at once
    await t.engine.runUntilIdle();
    const page = await t.engine.listInstances({ workflow: 'quick' }, 100);
    expect(Object.fromEntries(page.items.map((i) => [i.id, i.status]))).toEqual({
      [fireId(1)]: 'COMPLETED',
      [fireId(2)]: 'COMPLETED',
      [fireId(3)]: 'COMPLETED',
    });
    const recent = (await t.engine.schedules.get('every-minute')).recent;
    expect(recent.map((f) => [f.fireTime, f.outcome])).toEqual([3, 2, 1].map((m) => [at(m), 'started']));
  });

  it('skip: a caught-up fire waits for the caught-up run before it, and is missed once older than the window', async () => {
    await setup('skip', { catchupWindow: '3m' });
    t.clock.advance(3 * MINUTE);
    await t.engine.runUntilIdle();
    expect(await statuses()).toEqual({ [fireId(1)]: 'RUNNING' }); // fires 2 and 3 wait for it: it began after they were due
    expect((await t.engine.schedules.get('every-minute')).recent.map((f) => f.outcome)).toEqual(['started']);
    t.clock.advance(150_000); // fires 4 and 5 come and wait too; fire 2 is now older than the window
    await t.engine.runUntilIdle();
    await t.engine.raiseEvent(fireId(1), 'done', {});
    await t.engine.runUntilIdle();
    expect(await statuses()).toEqual({ [fireId(1)]: 'COMPLETED', [fireId(3)]: 'RUNNING' });
    const recent = (await t.engine.schedules.get('every-minute')).recent;
    expect(recent.slice(0, 2)).toMatchObject([
      { fireTime: at(3), outcome: 'started' },
      { fireTime: at(2), outcome: 'missed' },
    ]);
  });

  it('pause stops fires; resume goes on from now without making up the paused ones', async () => {
    await setup('allow');
    await t.engine.schedules.pause('every-minute');
    await t.advance(5 * MINUTE);
    expect(await statuses()).toEqual({});
    expect((await t.engine.schedules.get('every-minute')).nextFires).toEqual([]);
    await t.engine.schedules.resume('every-minute');
    await t.advance(MINUTE);
    expect(Object.keys(await statuses())).toEqual([fireId(6)]);
  });

  it('trigger starts an instance now', async () => {
    await setup('allow');
    t.clock.advance(10_000);
    const view = await t.engine.schedules.trigger('every-minute');
    expect(view.recent[0]).toMatchObject({ outcome: 'started', fireTime: new Date(T0 + 10_000).toISOString() });
    expect(Object.keys(await statuses())).toHaveLength(1);
  });

  it('follows DST in its time zone: one fire a day, at 02:30 local or the first valid time after it', async () => {
    t = await testEngine();
    t.clock.set(Date.parse('2026-03-28T00:00:00Z'));
    await t.register(longRun);
    await t.engine.schedules.create({ id: 'nightly', workflow: 'job', cron: '30 2 * * *', timezone: 'Europe/Berlin', overlap: 'allow', catchupWindow: '1h' });
    expect((await t.engine.schedules.get('nightly')).nextFires.slice(0, 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // CET, UTC+1
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist that night: 03:00 CEST
      '2026-03-30T00:30:00.000Z', // CEST, UTC+2
    ]);
    for (let hour = 0; hour < 72; hour += 1) await t.advance(3_600_000); // looked at hourly, within the 1h catch-up window
    const ids = (await t.engine.listInstances({ workflow: 'job' })).items.map((i) => i.id).sort();
    expect(ids).toEqual(['nightly@2026-03-28T01:30:00.000Z', 'nightly@2026-03-29T01:00:00.000Z', 'nightly@2026-03-30T00:30:00.000Z']);
  });

  it('repairs a fire claimed by an engine that crashed before starting it', async () => {
    await setup('allow');
    const store = t.engine.store;
    const record = (await store.getSchedule('every-minute'))!;
    // The claim was committed (nextFireAt moved on, the fire pending), then the engine died.
    await store.putSchedule({ ...record, pending: [{ fireTime: at(1), action: 'start' }], nextFireAt: T0 + 2 * MINUTE, rev: record.rev + 1 }, record.rev);
    await t.engine.runUntilIdle();
    expect(Object.keys(await statuses())).toEqual([fireId(1)]);
    expect((await store.getSchedule('every-minute'))!.pending).toEqual([]);
  });

  it('creates the schedules a workflow file declares when it is registered', async () => {
    t = await testEngine();
    await t.register(`
name: nightly-report
schedules:
  - { id: report-9am, cron: "0 9 * * *", timezone: Europe/Lisbon, input: { kind: daily }, note: for the ops team }
steps:
  - { name: s, type: set, values: { ok: true } }
`);
    const view = await t.engine.schedules.get('nightly-report.report-9am');
    expect(view).toMatchObject({ workflow: 'nightly-report', origin: 'definition', input: { kind: 'daily' }, note: 'for the ops team' });
  });

  it('registering the file again keeps fires missed meanwhile and a pause made through the API; dropped ones go', async () => {
    t = await testEngine();
    t.clock.set(T0);
    const file = (extra: string) => `
name: declared
schedules:
  - { id: every, cron: "* * * * *", overlap: allow, catchupWindow: 10m }
${extra}
steps:
  - { name: s, type: set, values: { ok: true } }
`;
    await t.register(file('  - { id: other, cron: "0 * * * *" }'));
    await t.engine.schedules.pause('declared.other');
    t.clock.advance(3 * MINUTE); // the engine was down; the file is registered again at start-up
    await t.register(file('  - { id: other, cron: "0 * * * *" }'));
    await t.engine.runUntilIdle();
    const started = (await t.engine.listInstances({ workflow: 'declared' })).items.map((i) => i.id).sort();
    expect(started).toEqual([1, 2, 3].map((m) => `declared.every@${at(m)}`));
    expect((await t.engine.schedules.get('declared.other')).paused).toBe(true);
    await t.register(file(''));
    expect((await t.engine.schedules.list()).map((s) => s.id)).toEqual(['declared.every']);
  });

  it('a manual trigger never takes the id of a cron fire at the same instant', async () => {
    await setup('allow');
    t.clock.advance(MINUTE);
    await t.engine.schedules.trigger('every-minute');
    await t.engine.runUntilIdle();
    expect(Object.keys(await statuses()).sort()).toEqual([fireId(1), `${fireId(1)}~manual`]);
  });
});

describe('two engines on one SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segue-schedules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('start one instance per fire time', async () => {
    const url = `sqlite:${join(dir, 'two.db')}`;
    const clock = new ManualClock(T0);
    const engines: Engine[] = [await createEngine({ store: await openStore(url), clock }), await createEngine({ store: await openStore(url), clock })];
    await engines[0]!.register(longRun);
    await engines[0]!.schedules.create({ id: 'every-minute', workflow: 'job', cron: '* * * * *', overlap: 'allow' });
    for (let minute = 1; minute <= 5; minute += 1) {
      clock.advance(MINUTE);
      await Promise.all(engines.map((e) => e.runUntilIdle()));
    }
    const ids = (await engines[1]!.listInstances({ workflow: 'job' }, 100)).items.map((i) => i.id).sort();
    expect(ids).toEqual([1, 2, 3, 4, 5].map(fireId));
    const recent = (await engines[0]!.schedules.get('every-minute')).recent.filter((f) => f.outcome === 'started');
    expect(recent.map((f) => f.fireTime).sort()).toEqual([1, 2, 3, 4, 5].map(at));
    for (const e of engines) await e.stop();
    for (const e of engines) await e.store.close();
  });
});
