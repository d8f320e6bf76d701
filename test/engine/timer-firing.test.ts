/**
 * Timers due together fire together: their transitions reach the store at once, so a store that
 * groups concurrent commits (SQLite's group commit) pays one commit for them, not one each.
 */
import { expect, it } from 'vitest';
import { ManualClock } from '../../engine/clock.js';
import { createEngine } from '../../engine/engine.js';
import { openStore } from '../../engine/store/open-store.js';
import type { Store } from '../../engine/store/port.js';

/** The store, with every transition's commit held for a turn of the event loop, counting overlaps. */
function countingOverlaps(store: Store): { store: Store; most: () => number } {
  let inFlight = 0;
  let most = 0;
  const commitTransition: Store['commitTransition'] = async (t) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      return await store.commitTransition(t);
    } finally {
      inFlight -= 1;
    }
  };
  const wrapped = new Proxy(store, {
    get: (target, key) => (key === 'commitTransition' ? commitTransition : Reflect.get(target, key, target)),
  });
  return { store: wrapped, most: () => most };
}

/** `count` instances of a workflow that sleeps 1 s, started on an engine counting its commits' overlaps. */
async function napping(count: number) {
  const clock = new ManualClock();
  const counted = countingOverlaps(await openStore('memory'));
  const engine = await createEngine({ store: counted.store, clock });
  await engine.register(`
name: nap
steps:
  - { name: wait, type: delay, duration: 1s }
  - { name: done, type: succeed, output: { woke: true } }
`);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await engine.startInstance('nap')).id);
  return { clock, counted, engine, ids };
}

it('fires the due timers of different instances concurrently, each instance still once', async () => {
  const { clock, counted, engine, ids } = await napping(10);
  await engine.runUntilIdle();
  expect(counted.most()).toBe(0); // the starts wrote no transition: each instance now waits on its timer

  clock.advance(1_000);
  await engine.runUntilIdle();
  for (const id of ids) {
    const view = await engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect((await engine.history(id)).filter((e) => e.type === 'TimerFired')).toHaveLength(1);
  }
  expect(counted.most()).toBe(10); // the ten timers' transitions were in flight together
  await engine.stop();
});

it('fires timers delivered again one at a time, so that a crash is counted against one instance only', async () => {
  const { clock, counted, engine, ids } = await napping(5);
  clock.advance(1_000);
  // An engine claimed the five timers and died before firing any: their lease runs out.
  expect(await counted.store.claimDueTimers(clock.now(), 100, 5_000)).toHaveLength(5);
  clock.advance(5_000);
  await engine.runUntilIdle();
  for (const id of ids) expect((await engine.getInstance(id)).status).toBe('COMPLETED');
  expect(counted.most()).toBe(1);
  await engine.stop();
});
