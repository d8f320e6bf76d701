/**
 * A started engine leases tasks it can run to itself as the transition scheduling them commits
 * (no claim round trip), up to its workers' concurrency; the rest wait in the queue as usual.
 */
import { expect, it } from 'vitest';
import { createEngine } from '../../engine/engine.js';
import type { Json } from '../../definitions/model.js';
import { ManualClock } from '../../engine/clock.js';
import type { Engine } from '../../engine/engine.js';

it('runs tasks leased at creation, queues what exceeds the concurrency, and loses none', async () => {
  const gates: (() => void)[] = [];
  const engine = await createEngine({
    workers: { concurrency: 2, worker: 'here' },
    handlers: { slow: (input: Json) => new Promise<Json>((resolve) => gates.push(() => resolve(input))) },
  });
  await engine.register(`
name: one-task
steps:
  - { name: s, type: task, task: slow }
`);
  engine.start();
  const ids = [];
  for (let i = 0; i < 5; i += 1) ids.push((await engine.startInstance('one-task', { input: { i } })).id);
  const deadline = Date.now() + 5_000;
  while (gates.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(gates).toHaveLength(2);
  expect((await engine.store.countQueued()).slow).toBe(3);
  while (Date.now() < deadline) {
    gates.splice(0).forEach((open) => open());
    const views = await Promise.all(ids.map((id) => engine.getInstance(id)));
    if (views.every((v) => v.status === 'COMPLETED')) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const views = await Promise.all(ids.map((id) => engine.getInstance(id)));
  expect(views.map((v) => v.status)).toEqual(Array(5).fill('COMPLETED'));
  const started = (await engine.history(ids[0]!)).find((e) => e.type === 'TaskStarted');
  expect(started?.details).toMatchObject({ worker: 'here' });
  await engine.stop();
});

/**
 * An engine with workflow `one-slow`, one task of the handler `slow` (with the step's extra
 * `settings`), which waits to be released; `started` lists the inputs' `i` as handlers start.
 */
async function gatedEngine(clock: ManualClock, settings = '') {
  const gates: (() => void)[] = [];
  const started: number[] = [];
  const engine = await createEngine({
    clock,
    workers: { concurrency: 2, worker: 'here', prefetchMs: 100 },
    handlers: {
      quick: (input: Json) => input,
      slow: (input: Json) => {
        started.push((input as { i: number }).i);
        return new Promise<Json>((resolve) => gates.push(() => resolve(input)));
      },
    },
  });
  await engine.register(`
name: one-quick
steps:
  - { name: q, type: task, task: quick }
`);
  await engine.register(`
name: one-slow
steps:
  - { name: s, type: task, task: slow${settings} }
`);
  engine.start();
  return { engine, gates, started };
}

/** Runs `n` one-step instances of the quick handler, then lets `ms` pass and runs one more: a measured throughput. */
async function measureThroughput(engine: Engine, clock: ManualClock, n: number, ms = 100): Promise<void> {
  const finish = async () => engine.waitForInstance((await engine.startInstance('one-quick', { input: {} })).id, 5_000);
  for (let i = 0; i < n; i += 1) await finish();
  clock.advance(ms);
  await finish();
}

/** Lets `n` handlers finish, each once it has started. */
async function finish(gates: (() => void)[], n: number): Promise<void> {
  for (let finished = 0; finished < n; finished += 1) {
    await until(() => gates.length > 0);
    gates.shift()!();
  }
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

it('leases ahead what its measured throughput starts soon: no task queued, never more handlers than slots, in order', async () => {
  const clock = new ManualClock();
  const { engine, gates, started } = await gatedEngine(clock);
  // 11 handlers finished in 100 ms: 0.11 per ms, so 11 tasks are leased ahead of the 2 slots.
  await measureThroughput(engine, clock, 10);
  const ids: string[] = [];
  for (let i = 0; i < 5; i += 1) ids.push((await engine.startInstance('one-slow', { input: { i } })).id);
  await until(() => gates.length === 2);
  expect((await engine.store.countQueued()).slow ?? 0).toBe(0);
  // Each handler finishing hands its slot to the oldest task leased ahead; none runs beside the two.
  for (let finished = 0; finished < 5; finished += 1) {
    await until(() => started.length === Math.min(5, finished + 2));
    expect(gates).toHaveLength(started.length - finished);
    gates.shift()!();
  }
  await until(async () => (await Promise.all(ids.map((id) => engine.getInstance(id)))).every((v) => v.status === 'COMPLETED'));
  expect(started).toEqual([0, 1, 2, 3, 4]);
  await engine.stop();
});

it('queues instead of leasing ahead while no throughput is measured', async () => {
  const clock = new ManualClock();
  const { engine, gates } = await gatedEngine(clock);
  for (let i = 0; i < 4; i += 1) await engine.startInstance('one-slow', { input: { i } });
  await until(() => gates.length === 2);
  expect((await engine.store.countQueued()).slow).toBe(2);
  await finish(gates, 4);
  await engine.stop();
});

it('times out a task leased ahead whose lease ran out while it waited for a slot, without running it', async () => {
  const clock = new ManualClock();
  const { engine, gates, started } = await gatedEngine(clock, ', timeout: 2s');
  await measureThroughput(engine, clock, 10);
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) ids.push((await engine.startInstance('one-slow', { input: { i } })).id);
  await until(() => gates.length === 2);
  clock.advance(2_500);
  gates.splice(0).forEach((open) => open());
  await until(async () => (await engine.getInstance(ids[2]!)).status === 'FAILED');
  const failed = await engine.getInstance(ids[2]!);
  expect(failed.error).toMatchObject({ error: 'Timeout' });
  expect(started).toEqual([0, 1]);
  await engine.stop();
});

it('leases nothing ahead of tasks it queued for want of room: handlers start in the order their tasks were created', async () => {
  const clock = new ManualClock();
  const { engine, gates, started } = await gatedEngine(clock);
  await measureThroughput(engine, clock, 10);
  // 2 slots and 11 leased ahead: the 14th task is queued.
  for (let i = 0; i < 14; i += 1) await engine.startInstance('one-slow', { input: { i } });
  await until(() => gates.length === 2);
  expect((await engine.store.countQueued()).slow).toBe(1);
  // Each handler finishing frees room just as a new task is created: the queued ones go first.
  for (let i = 14; i < 20; i += 1) {
    gates.shift()!();
    await engine.startInstance('one-slow', { input: { i } });
  }
  while (started.length < 20) {
    await until(() => gates.length > 0);
    gates.shift()!();
  }
  expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  gates.splice(0).forEach((open) => open());
  await engine.stop();
});

it('measures quick handlers by count: 256 completions within 10 ms are enough to lease ahead', async () => {
  const clock = new ManualClock();
  const { engine, gates } = await gatedEngine(clock);
  await measureThroughput(engine, clock, 255, 10);
  for (let i = 0; i < 14; i += 1) await engine.startInstance('one-slow', { input: { i } });
  await until(() => gates.length === 2);
  expect((await engine.store.countQueued()).slow ?? 0).toBe(0);
  await finish(gates, 14);
  await engine.stop();
});

it('leases ahead no task whose lease is under 10 × prefetchMs: a wait for a slot would take too much of it', async () => {
  const clock = new ManualClock();
  const { engine, gates } = await gatedEngine(clock, ', timeout: 900ms');
  await measureThroughput(engine, clock, 10);
  for (let i = 0; i < 4; i += 1) await engine.startInstance('one-slow', { input: { i } });
  await until(() => gates.length === 2);
  expect((await engine.store.countQueued()).slow).toBe(2);
  await finish(gates, 4);
  await engine.stop();
});
