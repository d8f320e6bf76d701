/**
 * kill -9 of the server in the middle of a delivery: nothing is lost. The subscriber holds the
 * first request unanswered, the server is killed with it in flight, and a server restarted on the
 * same SQLite file delivers every event (the one in flight again), in feed order, once the dead
 * process's lease on the subscription has run out.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { receivedOnce, startSubscriber, type Subscriber } from '../helpers/subscriber.js';

const QUICK = `name: crash-events
steps:
  - name: done
    type: succeed
`;

const ENV = { SEGUE_HTTP_ALLOW: '127.0.0.1', SEGUE_DELIVERY_LEASE: '11s' };

let tmp: ReturnType<typeof tempDir>;
let hooks: Subscriber;
const servers: TestServer[] = [];

beforeAll(async () => {
  tmp = tempDir();
  hooks = await startSubscriber();
});

afterAll(async () => {
  for (const server of servers) if (server.process.exitCode === null && server.process.signalCode === null) await server.kill();
  await hooks?.close();
  tmp?.cleanup();
});

async function serve(): Promise<TestServer> {
  const server = await startServer(join(tmp.dir, 'crash-events.db'), { env: ENV });
  servers.push(server);
  return server;
}

describe('a SIGKILL during delivery', () => {
  it('loses no event: a restarted server delivers them all, in order, the one in flight again', async () => {
    hooks.answer = 'hang';
    const first = await serve();
    await first.client.registerWorkflow(QUICK);
    await first.client.createSubscription({ url: hooks.url, types: ['segue.instance.completed'] });
    const ids = Array.from({ length: 5 }, (_, i) => `crash-ev-${i}`);
    for (const id of ids) await first.client.startInstance('crash-events', { id });
    const inFlight = await eventually(() => hooks.received[0], { what: 'the first delivery to be in flight' });
    expect(inFlight.event.subject).toBe(ids[0]);
    await first.kill();

    hooks.answer = 200;
    await serve();
    await eventually(() => (receivedOnce(hooks).length === ids.length ? true : undefined), { timeoutMs: 40_000, what: 'every event after the restart' });
    expect(receivedOnce(hooks)).toEqual(ids.map((id) => `${id} segue.instance.completed`));
    // The event in flight at the kill was sent again: at least once, never lost.
    expect(hooks.received.filter((r) => r.event.id === inFlight.event.id).length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
