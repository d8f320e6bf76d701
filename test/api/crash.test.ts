/**
 * kill -9 of the server with instances waiting on timers and on tasks: a server restarted on the
 * same SQLite file finishes every one of them, and a worker rides out the restart.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView } from '../../client/http-client.js';
import handlers from '../../examples/workers/example-worker.js';
import { eventually, startServer, startWorkerProcess, tempDir, type TestServer, type WorkerProcess } from '../helpers/server.js';

const DELAYED = `name: crash-delay
steps:
  - name: pause
    type: delay
    duration: 400ms
  - name: ship
    type: task
    task: shipping.ship
    input: { orderId: "\${ orderId }" }
  - name: done
    type: succeed
    output: { orderId: "\${ orderId }", tracking: "\${ ship.trackingNumber }" }
`;

const TASKED = `name: crash-task
steps:
  - name: notify
    type: task
    task: email.send
    input: { to: "\${ to }", subject: "hello" }
  - name: done
    type: succeed
    output: "\${ notify }"
`;

let tmp: ReturnType<typeof tempDir>;
let db: string;
const servers: TestServer[] = [];
let worker: WorkerProcess | undefined;

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'crash.db');
});

afterAll(async () => {
  await worker?.stop();
  for (const server of servers) if (server.process.exitCode === null && server.process.signalCode === null) await server.kill();
  tmp?.cleanup();
});

async function serverOn(port = 0): Promise<TestServer> {
  const server = await startServer(db, { port });
  servers.push(server);
  return server;
}

async function tracking(orderId: string): Promise<string> {
  return ((await handlers['shipping.ship']!({ orderId }, { attempt: 1 })) as { trackingNumber: string }).trackingNumber;
}

async function allFinished(server: TestServer, ids: string[]): Promise<InstanceView[]> {
  return eventually(
    async () => {
      const views = await Promise.all(ids.map((id) => server.client.getInstance(id)));
      return views.every((v) => v.status === 'COMPLETED') ? views : undefined;
    },
    { timeoutMs: 20_000, what: `instances ${ids.join(', ')} to complete` },
  );
}

async function startDelayed(server: TestServer, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const view = await server.client.startInstance('crash-delay', { id: `${prefix}-${i}`, input: { orderId: `${prefix}-${i}` } });
    expect(view.current).toEqual([expect.objectContaining({ step: 'pause', waiting: 'delay' })]);
    ids.push(view.id);
  }
  return ids;
}

describe('a server killed with kill -9', () => {
  it('finishes, after a restart on the same file, instances that waited on timers and on tasks', async () => {
    const first = await serverOn();
    await first.client.registerWorkflow(DELAYED);
    await first.client.registerWorkflow(TASKED);
    const delayed = await startDelayed(first, 'timer', 4);
    const tasked: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const view = await first.client.startInstance('crash-task', { input: { to: `user${i}@example.com` } });
      expect(view.current).toEqual([expect.objectContaining({ step: 'notify', waiting: 'task' })]);
      tasked.push(view.id);
    }
    await first.kill();

    const second = await serverOn(first.port);
    worker = await startWorkerProcess(second.url);
    const timerViews = await allFinished(second, delayed);
    for (const view of timerViews) {
      const orderId = view.id;
      expect(view.output).toEqual({ orderId, tracking: await tracking(orderId) });
    }
    const taskViews = await allFinished(second, tasked);
    expect(taskViews.map((v) => v.output)).toEqual([0, 1, 2, 3].map((i) => ({ sent: true, to: `user${i}@example.com`, subject: 'hello' })));
  });

  it('keeps a running worker going across another crash: it reconnects and finishes the new work', async () => {
    const second = servers.at(-1)!;
    const ids = await startDelayed(second, 'again', 3);
    await second.kill();
    const third = await serverOn(second.port);
    const views = await allFinished(third, ids);
    for (const view of views) expect(view.output).toEqual({ orderId: view.id, tracking: await tracking(view.id) });
    expect(await worker!.stop()).toBe(0);
    worker = undefined;
  });
});
