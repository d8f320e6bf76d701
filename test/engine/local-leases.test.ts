/**
 * A started engine leases tasks it can run to itself as the transition scheduling them commits
 * (no claim round trip), up to its workers' concurrency; the rest wait in the queue as usual.
 */
import { expect, it } from 'vitest';
import { createEngine } from '../../engine/engine.js';
import type { Json } from '../../definitions/model.js';

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
