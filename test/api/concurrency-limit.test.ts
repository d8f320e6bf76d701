/**
 * Concurrency limits over real HTTP: a workflow's limit held exactly by two `segue serve`
 * processes on one SQLite file, its waiting instances started in start order, and a full start
 * queue answered 503 with Retry-After.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { SegueClient } from '../../client/http-client.js';
import { eventually, finishedOn, startServer, tempDir, type TestServer } from '../helpers/server.js';

const LIMITED = `name: limited
concurrency: { limit: 2 }
steps:
  - { name: work, type: task, task: limited.work, input: { n: "\${ n }" } }
  - { name: done, type: succeed, output: { n: "\${ n }" } }
`;

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function running(client: SegueClient): Promise<string[]> {
  return (await client.listInstances({ workflow: 'limited', status: ['RUNNING'] })).items.map((i) => i.id);
}

const mongoUri = process.env.MONGODB_URI;
const databases: string[] = [];
afterAll(async () => {
  if (databases.length === 0) return;
  const client = await new MongoClient(mongoUri!).connect();
  await Promise.all(databases.map((name) => client.db(name).dropDatabase()));
  await client.close();
});
const STORES: [name: string, store: () => string, skip: boolean][] = [
  ['SQLite file', () => `sqlite:${join(tmp.dir, 'shared.db')}`, false],
  ['MongoDB database', () => {
    const url = new URL(mongoUri!);
    const database = `segue_limit_${randomUUID().slice(0, 8)}`;
    databases.push(database);
    url.pathname = `/${database}`;
    return url.toString();
  }, !mongoUri],
];

describe.each(STORES)('concurrency: { limit: 2 } on two engine processes sharing one %s', (_name, storeUrl, skip) => {
  it.skipIf(skip)('never runs more than two at once, and starts the waiting ones in start order as others finish', async () => {
    const store = storeUrl();
    const servers: TestServer[] = [await startServer('', { store }), await startServer('', { store })];
    try {
      const [a, b] = servers.map((s) => s.client) as [SegueClient, SegueClient];
      await a.registerWorkflow(LIMITED);
      const ids: string[] = [];
      // Started alternately on the two engines, and all at once: every engine counts the same slots.
      const started = await Promise.all(Array.from({ length: 8 }, (_, n) => (n % 2 ? b : a).startInstance('limited', { input: { n } })));
      ids.push(...started.map((v) => v.id));
      expect(started.filter((v) => v.status === 'RUNNING')).toHaveLength(2);
      expect(started.filter((v) => v.status === 'PENDING')).toHaveLength(6);
      const pendingOrder = started.filter((v) => v.status === 'PENDING').sort((x, y) => (x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : x.id < y.id ? -1 : 1)).map((v) => v.id);

      const startedNext: string[] = [];
      for (let round = 0; round < 8; round += 1) {
        const client = round % 2 ? a : b;
        const [task] = await client.poll({ types: ['limited.work'], worker: `w${round}`, wait: '5s' });
        expect(task).toBeDefined();
        const before = new Set(await running(a));
        expect(before.size).toBeLessThanOrEqual(2);
        await client.complete(task!.token, {});
        await finishedOn(client, task!.instanceId);
        if (round < 6) {
          // The freed slot goes to the oldest waiting instance, whichever engine gave it back.
          const now = await eventually(async () => {
            const ids = await running(b);
            return ids.length === 2 ? ids : undefined;
          }, { what: 'a waiting instance to take the freed slot' });
          startedNext.push(...now.filter((id) => !before.has(id)));
        }
      }
      expect(startedNext).toEqual(pendingOrder);
      for (const id of ids) expect((await a.getInstance(id)).status).toBe('COMPLETED');
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});

describe('a full start queue', () => {
  it('answers 503 with Retry-After and stores nothing, and takes starts again once there is room', async () => {
    const server = await startServer(join(tmp.dir, 'queue.db'), { args: ['--max-queued-starts', '1'] });
    try {
      const { client, url } = server;
      await client.registerWorkflow(LIMITED);
      for (let n = 0; n < 3; n += 1) await client.startInstance('limited', { input: { n } });
      const refused = await fetch(`${url}/v1/workflows/limited/instances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'refused', input: { n: 3 } }),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { detail: string }).detail).toBe(
        'workflow "limited" has 1 instances waiting to start (its concurrency limit is 2); try again in 1 s',
      );
      expect((await fetch(`${url}/v1/instances/refused`)).status).toBe(404);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('segue_run_slots_held{workflow="limited"} 2');
      expect(metrics).toContain('segue_run_slots_waiting{workflow="limited"} 1');
      const [task] = await client.poll({ types: ['limited.work'], worker: 'w', wait: '5s' });
      await client.complete(task!.token, {});
      await finishedOn(client, task!.instanceId);
      expect((await client.startInstance('limited', { id: 'later', input: { n: 4 } })).status).toBe('PENDING');
    } finally {
      await server.stop();
    }
  });
});
