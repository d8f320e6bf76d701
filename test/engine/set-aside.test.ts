/**
 * Poison instances in one process: a transition that throws (the fault seam's `throw`, standing for
 * a bug in the interpreter) is counted as a try of the input it applied, the input is delivered
 * again when its timer's or the sweep's claim runs out (on the manual clock), and after three tries
 * its instance is set aside: its input and those that come later are held, others refused, while
 * the instances beside it go on. A lease timeout the sweep delivers again, and a schedule's start,
 * are counted the same way. Terminate ends it; a retry on an engine without the fault applies
 * what was held. (A real process killed by the fault: test/api/crash-poison.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { openStore } from '../../engine/store/open-store.js';
import type { Store } from '../../engine/store/port.js';
import { TRANSITION_FAULT_VARIABLE } from '../../engine/transition-faults.js';

const POISONED = `name: poisoned
steps:
  - { name: pause, type: delay, duration: 1s }
  - { name: poison, type: set, values: { reached: true } }
  - { name: done, type: succeed, output: { reached: "\${ reached }" } }
`;

const HEALTHY = `name: healthy
steps:
  - { name: pause, type: delay, duration: 1s }
  - { name: done, type: succeed, output: { ok: true } }
`;

/** One branch reaches the poison; the other waits on a task no in-process handler takes. */
const BRANCHED = `name: branched
steps:
  - name: both
    type: parallel
    branches:
      - name: left
        steps:
          - { name: pause, type: delay, duration: 1s }
          - { name: poison, type: set, values: { reached: true } }
      - name: right
        steps:
          - { name: fetch, type: task, task: remote.fetch }
  - { name: done, type: succeed, output: "\${ both }" }
`;

/** A task that times out, caught: the poison is in the steps after the timeout. */
const TIMING_OUT = `name: timing-out
steps:
  - name: fetch
    type: task
    task: remote.fetch
    timeout: 2s
    catch:
      - { errors: [Timeout], next: poison }
  - { name: poison, type: set, values: { timedOut: true } }
  - { name: done, type: succeed, output: { timedOut: "\${ timedOut }" } }
`;

/** Poisoned from its first step: a start that throws. */
const STARTS_POISONED = `name: starts-poisoned
steps:
  - { name: poison, type: set, values: { reached: true } }
  - { name: done, type: succeed, output: { reached: "\${ reached }" } }
`;

/** The timer loop's claim lease (its default): how long a claimed timer or lease waits before it is claimed again. */
const CLAIM_MS = 5_000;

let store: Store;
const clock = new ManualClock();
const engines: Engine[] = [];

afterEach(async () => {
  delete process.env[TRANSITION_FAULT_VARIABLE];
  for (const engine of engines.splice(0)) await engine.stop();
  await store?.close();
});

/** An engine on the shared store, with the fault seam set to throw at step "poison" or not. */
async function engineWith(fault: boolean): Promise<Engine> {
  if (fault) process.env[TRANSITION_FAULT_VARIABLE] = 'throw:poison';
  else delete process.env[TRANSITION_FAULT_VARIABLE];
  const engine = await createEngine({ store, clock, random: () => 0.5 });
  delete process.env[TRANSITION_FAULT_VARIABLE];
  engines.push(engine);
  return engine;
}

async function faulty(): Promise<Engine> {
  store = await openStore('memory');
  clock.set(Date.parse('2026-01-01T00:00:00Z'));
  const engine = await engineWith(true);
  for (const text of [POISONED, HEALTHY, BRANCHED, TIMING_OUT, STARTS_POISONED]) await engine.register(text);
  return engine;
}

/** Moves the clock and runs what is due; answers what the run threw (the transition's error), if anything. */
async function advance(engine: Engine, ms: number): Promise<unknown> {
  clock.advance(ms);
  return engine.runUntilIdle().then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('an instance whose transition throws', () => {
  it('is counted a try per delivery, set aside after three, while the instance beside it completes', async () => {
    const engine = await faulty();
    const poisoned = await engine.startInstance('poisoned', { id: 'p-1' });
    const healthy = await engine.startInstance('healthy', { id: 'q-1' });
    // Both timers are due together, claimed in one batch: the poisoned one first.
    expect(await advance(engine, 1_000)).toMatchObject({ message: expect.stringContaining('fault injected at the start of step "poison"') });
    expect((await engine.getInstance(healthy.id)).status).toBe('COMPLETED');
    expect((await store.getInstance(poisoned.id))?.redelivery).toMatchObject({ source: 'timer:p-1:1:d1', input: 'timerFired', tries: 1 });
    expect((await store.getInstance(healthy.id))?.redelivery).toBeUndefined();

    // Nothing happens before the claim runs out; then it is delivered again, and fails again.
    expect(await advance(engine, CLAIM_MS - 1_001)).toBeUndefined();
    expect(await advance(engine, 1_001)).toMatchObject({ message: expect.stringContaining('fault injected') });
    expect((await store.getInstance(poisoned.id))?.redelivery?.tries).toBe(2);
    expect(await advance(engine, CLAIM_MS)).toMatchObject({ message: expect.stringContaining('fault injected') });

    const view = await engine.getInstance(poisoned.id);
    expect(view.status).toBe('RUNNING');
    expect(view.setAside).toEqual({
      reason: 'its timerFired input (step "pause") failed 3 tries; the last threw Error: fault injected at the start of step "poison" (SEGUE_TEST_TRANSITION_FAULT)',
      at: new Date(clock.now()).toISOString(),
      tries: 3,
      input: 'timerFired',
      step: 'pause',
      held: 1,
    });
    // Its timer is gone with the set-aside commit: nothing is delivered again, nothing fails.
    expect(await store.nextTimerDue()).toBeNull();
    expect(await advance(engine, 60_000)).toBeUndefined();
    const history = await engine.history(poisoned.id);
    expect(history.at(-1)).toMatchObject({ type: 'InstanceSetAside', details: { tries: 3, input: 'timerFired', step: 'pause' } });
    expect((await engine.listInstances({ setAside: true })).items.map((i) => i.id)).toEqual([poisoned.id]);
    expect((await engine.listInstances({ setAside: false })).items.map((i) => i.id)).toEqual([healthy.id]);
    expect(await store.countSetAside()).toEqual({ poisoned: 1 });
    expect((await engine.needingAttention({})).items.map((v) => [v.id, v.attention])).toEqual([
      [poisoned.id, [{ check: 'set-aside', step: 'pause', since: view.setAside!.at, message: expect.stringContaining('failed 3 tries') }]],
    ]);
  });

  it('refuses other inputs while set aside; a retry that fails again changes nothing, terminate ends it', async () => {
    const engine = await faulty();
    const { id } = await engine.startInstance('poisoned', { id: 'p-2' });
    for (const wait of [1_000, CLAIM_MS, CLAIM_MS]) await advance(engine, wait);
    expect((await engine.getInstance(id)).setAside?.tries).toBe(3);
    const refused = { code: 'INVALID_STATE', message: expect.stringContaining('it is set aside (its timerFired input') };
    await expect(engine.lifecycle(id, 'cancel')).rejects.toMatchObject(refused);
    await expect(engine.lifecycle(id, 'suspend')).rejects.toMatchObject(refused);
    await expect(engine.raiseEvent(id, 'poke', {})).rejects.toMatchObject(refused);

    await expect(engine.lifecycle(id, 'retry')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: `instance "${id}" was not retried: applying its timerFired input threw again (Error: fault injected at the start of step "poison" (SEGUE_TEST_TRANSITION_FAULT)); it stays set aside`,
    });
    expect((await engine.getInstance(id)).setAside?.held).toBe(1);

    const terminated = await engine.lifecycle(id, 'terminate', 'poison');
    expect(terminated.status).toBe('TERMINATED');
    expect(terminated.setAside).toBeUndefined();
    expect(await store.countSetAside()).toEqual({});
    expect((await engine.history(id)).map((e) => e.type)).toEqual(expect.arrayContaining(['InstanceSetAside', 'InstanceTerminated']));
  });

  it('holds what arrives while it is set aside, and a retry after the fix applies all of it', async () => {
    const engine = await faulty();
    const { id } = await engine.startInstance('branched', { id: 'b-1' });
    const [task] = await engine.tasks.poll({ queues: ['remote.fetch'], worker: 'remote' });
    for (const wait of [1_000, CLAIM_MS, CLAIM_MS]) await advance(engine, wait);
    expect((await engine.getInstance(id)).setAside).toMatchObject({ tries: 3, input: 'timerFired', step: 'pause', held: 1 });

    // The worker's result is taken and kept, not applied: the task is done with.
    await engine.tasks.complete(task!.token, { page: 7 });
    expect(await store.getTaskByToken(task!.token)).toBeNull();
    const held = await engine.getInstance(id);
    expect(held.setAside?.held).toBe(2);
    expect(held.current.map((c) => c.step).sort()).toEqual(['both', 'fetch', 'pause']);
    expect((await engine.history(id)).at(-1)).toMatchObject({ type: 'InputHeld', details: { input: 'taskCompleted' } });

    const fixed = await engineWith(false);
    const retried = await fixed.lifecycle(id, 'retry');
    expect(retried.setAside).toBeUndefined();
    expect(retried.status).toBe('COMPLETED');
    expect(retried.output).toEqual({ left: { reached: true }, right: { fetch: { page: 7 } } });
    expect((await fixed.history(id)).map((e) => e.type)).toContain('SetAsideRetried');
    expect(await store.countSetAside()).toEqual({});
  });

  it('counts the tries of a lease timeout the sweep delivers again, and sets its instance aside', async () => {
    const engine = await faulty();
    const { id } = await engine.startInstance('timing-out', { id: 't-1' });
    const [task] = await engine.tasks.poll({ queues: ['remote.fetch'], worker: 'gone' });
    expect(task).toBeDefined();
    expect(await advance(engine, 2_000)).toMatchObject({ message: expect.stringContaining('fault injected') });
    expect((await store.getInstance(id))?.redelivery).toMatchObject({ source: `task:${id}:1:t1`, input: 'taskTimedOut', tries: 1 });
    await advance(engine, CLAIM_MS);
    await advance(engine, CLAIM_MS);
    const view = await engine.getInstance(id);
    expect(view.setAside).toMatchObject({ tries: 3, input: 'taskTimedOut', step: 'fetch', held: 1 });
    // The lease is gone with the set-aside commit: the sweep finds nothing more.
    expect(await store.claimExpiredLeases(clock.now() + 60_000, 10, 1)).toEqual([]);

    const fixed = await engineWith(false);
    const retried = await fixed.lifecycle(id, 'retry');
    expect(retried).toMatchObject({ status: 'COMPLETED', output: { timedOut: true } });
  });

  it('sets aside a scheduled instance whose first steps throw: the fire is started by its timer, counted like any other', async () => {
    const engine = await faulty();
    await engine.schedules.create({ id: 'hourly', workflow: 'starts-poisoned', cron: '0 * * * *' });
    const triggered = await engine.schedules.trigger('hourly');
    const fire = triggered.recent[0]!;
    expect(fire).toMatchObject({ outcome: 'started' });
    expect((await engine.getInstance(fire.instanceId!)).status).toBe('PENDING');
    expect(await advance(engine, 0)).toMatchObject({ message: expect.stringContaining('fault injected') });
    await advance(engine, CLAIM_MS);
    await advance(engine, CLAIM_MS);
    const view = await engine.getInstance(fire.instanceId!);
    expect(view).toMatchObject({ status: 'PENDING', setAside: { tries: 3, input: 'start', held: 1 } });
    expect(view.setAside?.reason).toMatch(/^its start input failed 3 tries; the last threw Error: fault injected/);

    const fixed = await engineWith(false);
    expect(await fixed.lifecycle(fire.instanceId!, 'retry')).toMatchObject({ status: 'COMPLETED', output: { reached: true } });
  });
});
