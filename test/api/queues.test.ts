/**
 * GET /v1/queues and GET /v1/instances?attention=true over real HTTP, with their CLI commands:
 * two server processes on one SQLite file, the second counting a queue unserved at once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, serverForFile, startServer, type TestServer } from '../helpers/server.js';

const PAY = `name: ops-pay
steps:
  - { name: charge, type: task, task: ops.payments }
`;

const first = serverForFile([PAY]);
let eager: TestServer;
beforeAll(async () => {
  eager = await startServer(join(first().dir, 'segue.db'), { env: { SEGUE_ATTENTION_UNPOLLED: '0s' } });
});
afterAll(async () => {
  await eager?.stop();
});

const segue = (server: TestServer, ...args: string[]) => runCli([...args, '--server', server.url]);

it('shows a task no worker takes as needing attention, and the worker that takes it in the queue view', async () => {
  await first().client.startInstance('ops-pay', { id: 'p-1' });

  // Waiting 1 minute (the default) is not yet trouble; to the server counting at once, it is.
  expect((await first().client.needingAttention()).items).toEqual([]);
  const found = await eager.client.needingAttention({ workflow: 'ops-pay' });
  expect(found.items.map((v) => [v.id, v.attention.map((r) => [r.check, r.step])])).toEqual([['p-1', [['queue-unpolled', 'charge']]]]);
  expect(found.items[0]!.attention[0]!.message).toContain('waits on queue "ops.payments"');

  const listed = await segue(eager, 'list', '--attention');
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^ID +WORKFLOW +STATUS +CHECK +SINCE +WHY$/m);
  expect(listed.stdout).toMatch(/^p-1 +ops-pay +RUNNING +queue-unpolled +\S+ +step "charge" waits on queue "ops\.payments"/m);
  expect((await segue(first(), 'list', '--attention')).stdout).toBe('no instance needs attention\n');
  const refused = await segue(eager, 'list', '--attention', '--cursor', 'x');
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('--cursor does not go with --attention');
  const res = await fetch(`${eager.url}/v1/instances?attention=true&cursor=abc`);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { detail: string }).detail).toContain('"cursor" does not go with attention=true');

  const [claimed] = await first().client.poll({ types: ['ops.payments'], worker: 'cashier-1' });
  expect(claimed!.instanceId).toBe('p-1');
  const queues = await first().client.queues();
  // The server's own worker for http steps polls too.
  expect(queues.find((q) => q.queue === '$http')?.workers).toEqual([{ name: 'in-process', lastSeen: expect.any(String), holding: 0 }]);
  const queue = queues.find((q) => q.queue === 'ops.payments');
  expect(queue).toMatchObject({ queue: 'ops.payments', queued: 0, oldestQueuedAt: null, leased: 1, workers: [{ name: 'cashier-1', holding: 1 }] });
  expect(Date.parse(queue!.workers[0]!.lastSeen!)).toBe(Date.parse(queue!.lastPolledAt!));
  // The other server did not see the poll: it knows the worker by the lease it holds, from the store.
  expect((await eager.client.queues()).find((q) => q.queue === 'ops.payments')!.workers).toEqual([{ name: 'cashier-1', lastSeen: null, holding: 1 }]);
  // An attempt in flight: the queue is served.
  expect((await eager.client.needingAttention()).items).toEqual([]);

  const table = await segue(first(), 'queues');
  expect(table.stdout).toMatch(/^QUEUE +QUEUED +OLDEST +LEASED +LAST POLL +WORKERS$/m);
  expect(table.stdout).toMatch(/^ops\.payments +0 +- +1 +\S+ +cashier-1 \(holding 1, seen \S+\)$/m);
  expect(JSON.parse((await segue(first(), 'queues', '--json')).stdout).items).toContainEqual(expect.objectContaining({ queue: 'ops.payments', leased: 1 }));

  await first().client.complete(claimed!.token, { ok: true });
  await first().client.startInstance('ops-pay', { id: 'p-2' });
  const metrics = await (await fetch(`${first().url}/metrics`)).text();
  expect(metrics).toMatch(/^segue_task_queue_oldest_age_seconds\{queue="ops\.payments"\} \d+(\.\d+)?$/m);
});
