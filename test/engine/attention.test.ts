/** The queue view and the attention checks, driven by the manual clock (no loop runs between steps). */
import { afterEach, expect, it } from 'vitest';
import { ApiMetrics } from '../../api/metrics.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
let metrics: ApiMetrics | undefined;
afterEach(async () => {
  metrics?.close();
  await t?.engine.stop();
});

const PAY = `
name: pay
steps:
  - { name: charge, type: task, task: payments, timeout: 30s }
`;

const iso = (ms: number): string => new Date(ms).toISOString();

it('lists each queue with its depth, oldest task, leases and the workers that polled it', async () => {
  t = await testEngine();
  await t.register(PAY);
  const t0 = t.clock.now();
  await t.engine.startInstance('pay', { id: 'a' });
  t.clock.advance(5_000);
  await t.engine.startInstance('pay', { id: 'b' });
  expect(await t.engine.tasks.poll({ queues: ['shipping'], worker: 'shipper' })).toEqual([]);
  expect(await t.engine.queues()).toEqual([
    { queue: 'payments', queued: 2, oldestQueuedAt: iso(t0), oldestQueuedAgeMs: 5_000, leased: 0, lastPolledAt: null, workers: [] },
    { queue: 'shipping', queued: 0, oldestQueuedAt: null, oldestQueuedAgeMs: null, leased: 0, lastPolledAt: iso(t0 + 5_000), workers: [{ name: 'shipper', lastSeen: iso(t0 + 5_000), holding: 0 }] },
  ]);

  t.clock.advance(1_000);
  const [claimed] = await t.engine.tasks.poll({ queues: ['payments'], worker: 'cashier' });
  expect(claimed!.instanceId).toBe('a');
  const [payments] = await t.engine.queues();
  expect(payments).toMatchObject({ queued: 1, oldestQueuedAgeMs: 1_000, leased: 1, workers: [{ name: 'cashier', lastSeen: iso(t0 + 6_000), holding: 1 }] });

  // Past the recent window the idle poller drops out, and the queue with it (it holds no task).
  t.clock.advance(61_000);
  expect((await t.engine.queues()).map((q) => q.queue)).toEqual(['payments']);
  expect((await t.engine.queues())[0]!.workers).toEqual([{ name: 'cashier', lastSeen: null, holding: 1 }]);
});

it('flags tasks on a queue nobody polls, and attempts past their deadline that nothing timed out', async () => {
  t = await testEngine();
  await t.register(PAY, `
name: other
steps:
  - { name: wait, type: wait, event: go }
`);
  const t0 = t.clock.now();
  await t.engine.startInstance('pay', { id: 'a' });
  await t.engine.startInstance('other', { id: 'idle' });
  expect((await t.engine.needingAttention({})).items).toEqual([]);

  t.clock.advance(60_000);
  const unpolled = (await t.engine.needingAttention({})).items;
  expect(unpolled.map((v) => v.id)).toEqual(['a']);
  expect(unpolled[0]!.attention).toEqual([
    {
      check: 'queue-unpolled',
      step: 'charge',
      since: iso(t0),
      message: expect.stringMatching(/^step "charge" waits on queue "payments" since .*no worker has polled that queue for 1m \(no worker has polled it since this engine started\)/),
    },
  ]);
  expect(unpolled[0]).toMatchObject({ id: 'a', workflow: 'pay', status: 'RUNNING' });
  expect((await t.engine.needingAttention({ workflow: 'other' })).items).toEqual([]);
  expect((await t.engine.needingAttention({ status: ['RUNNING'] })).items.map((v) => v.id)).toEqual(['a']);

  // A poll on the queue serves it, even one that found nothing yet.
  expect(await t.engine.tasks.poll({ queues: ['payments'], worker: 'cashier', max: 0 })).toEqual([]);
  expect((await t.engine.needingAttention({})).items).toEqual([]);

  // Claimed, then the lease runs out and no loop times it out: overdue once 30 s past the deadline.
  await t.engine.startInstance('pay', { id: 'b' });
  const [claimed] = await t.engine.tasks.poll({ queues: ['payments'], worker: 'cashier' });
  expect(claimed!.instanceId).toBe('a');
  const deadline = Date.parse(claimed!.deadline);
  t.clock.set(deadline + 29_999);
  expect((await t.engine.needingAttention({})).items).toEqual([]);
  t.clock.set(deadline + 61_000);
  // b's queue has an attempt in flight (a's, overdue): it is not counted as unserved.
  const overdue = (await t.engine.needingAttention({})).items;
  expect(overdue.map((v) => [v.id, v.attention.map((r) => r.check)])).toEqual([['a', ['task-overdue']]]);
  expect(overdue[0]!.attention[0]).toMatchObject({ step: 'charge', since: iso(deadline), message: expect.stringContaining('held by worker "cashier", passed its deadline') });

  // Timed out at last (and failed: one attempt): now b waits on a queue nobody polled for 61 s.
  await t.engine.timers.tick();
  expect((await t.engine.getInstance('a')).status).toBe('FAILED');
  expect((await t.engine.needingAttention({})).items.map((v) => [v.id, v.attention.map((r) => r.check)])).toEqual([['b', ['queue-unpolled']]]);
  expect((await t.engine.needingAttention({}, 0)).items).toEqual([]);
});

it('reports the age of the oldest queued task per queue as a metric', async () => {
  t = await testEngine();
  await t.register(PAY);
  metrics = new ApiMetrics(t.engine);
  await t.engine.startInstance('pay');
  t.clock.advance(90_000);
  await t.engine.startInstance('pay');
  const text = await metrics.text();
  expect(text).toMatch(/^segue_task_queue_oldest_age_seconds\{queue="payments"\} 90$/m);
  expect(text).toMatch(/^segue_task_queue_depth\{queue="payments"\} 2$/m);
});
