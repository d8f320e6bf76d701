/**
 * A poison instance against real `segue serve` processes on one SQLite file. The fault seam
 * (SEGUE_TEST_TRANSITION_FAULT=crash:poison) makes every transition that starts step "poison" kill
 * its server with SIGKILL. Two such instances and three healthy ones wait on timers due at the same
 * moment, so one claim takes them all, poison first. A supervisor loop restarts the server each
 * time it dies, as an operator's would. With --set-aside-after 1, each poison instance is set aside
 * the second time it is delivered again; the healthy ones, delivered again with it, are tried and
 * complete; the last server stays up. The mark shows in the API and the metrics; terminate ends one
 * instance; a retry with the fault still in place costs one server and leaves the other set aside;
 * after the fault is removed, a retry runs it to completion.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView } from '../../client/http-client.js';
import { eventually, http, startServer, tempDir, type TestServer } from '../helpers/server.js';

const POISONED = `name: poisoned
steps:
  - { name: pause, type: delay, until: "\${ at }" }
  - { name: poison, type: set, values: { reached: true } }
  - { name: done, type: succeed, output: { reached: "\${ reached }" } }
`;

const HEALTHY = `name: healthy
steps:
  - { name: pause, type: delay, until: "\${ at }" }
  - { name: done, type: succeed, output: { ok: true } }
`;

const FAULT = { SEGUE_TEST_TRANSITION_FAULT: 'crash:poison' };
const POISON_IDS = ['a-poison-1', 'a-poison-2'];
const HEALTHY_IDS = ['b-healthy-1', 'b-healthy-2', 'b-healthy-3'];
/** Each restart waits out the dead server's claim on the timers (5 s) before they are delivered again. */
const TEST_TIMEOUT_MS = 120_000;

let tmp: ReturnType<typeof tempDir>;
let db: string;
const servers: TestServer[] = [];

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'poison.db');
});

afterAll(async () => {
  for (const server of servers) if (alive(server)) await server.kill();
  tmp?.cleanup();
});

function alive(server: TestServer): boolean {
  return server.process.exitCode === null && server.process.signalCode === null;
}

async function serverOn(env: Record<string, string>): Promise<TestServer> {
  const server = await startServer(db, { args: ['--set-aside-after', '1'], env });
  servers.push(server);
  return server;
}

function died(server: TestServer): Promise<NodeJS.Signals | null> {
  if (!alive(server)) return Promise.resolve(server.process.signalCode);
  return new Promise((resolve) => server.process.once('exit', (_code, signal) => resolve(signal)));
}

/**
 * The supervisor: restarts the server (with the fault) whenever it dies, until `done` holds on a
 * live one. Answers that server and the signals the dead ones died of.
 */
async function supervise(first: TestServer, done: (server: TestServer) => Promise<boolean>): Promise<{ server: TestServer; deaths: (NodeJS.Signals | null)[] }> {
  const deaths: (NodeJS.Signals | null)[] = [];
  let server = first;
  const deadline = Date.now() + TEST_TIMEOUT_MS - 20_000;
  while (Date.now() < deadline) {
    const death = died(server);
    const finished = eventually(async () => ((await done(server)) ? true : undefined), { timeoutMs: 15_000, what: 'the instances to settle' });
    const outcome = await Promise.race([death.then((signal) => ({ signal })), finished.then(() => 'done' as const, () => 'waiting' as const)]);
    if (outcome === 'done' && alive(server)) return { server, deaths };
    if (alive(server)) continue;
    deaths.push(await death);
    server = await serverOn(FAULT);
  }
  throw new Error(`the instances did not settle; servers died ${deaths.length} times`);
}

async function views(server: TestServer, ids: string[]): Promise<InstanceView[]> {
  return Promise.all(ids.map((id) => server.client.getInstance(id)));
}

async function metric(server: TestServer, line: string): Promise<string | undefined> {
  const text = (await http(server.url, 'GET', '/metrics')).text;
  return text.split('\n').find((l) => l.startsWith(line));
}

describe('a workflow whose step kills the server', () => {
  it('is set aside after its tries, while the server stays up and the instances beside it complete', { timeout: TEST_TIMEOUT_MS }, async () => {
    const first = await serverOn(FAULT);
    await first.client.registerWorkflow(POISONED);
    await first.client.registerWorkflow(HEALTHY);
    // Every timer is due at the same moment: one claim takes them all, ordered by id.
    const at = new Date(Date.now() + 1_500).toISOString();
    for (const id of POISON_IDS) await first.client.startInstance('poisoned', { id, input: { at } });
    for (const id of HEALTHY_IDS) await first.client.startInstance('healthy', { id, input: { at } });

    const { server, deaths } = await supervise(first, async (s) => {
      const all = await views(s, [...POISON_IDS, ...HEALTHY_IDS]);
      return all.every((v) => v.setAside !== undefined || v.status === 'COMPLETED');
    });
    // The first death is no instance's fault as far as the engine can tell (it held all five
    // timers); from then on each delivery of a poison input is written before it is tried: each
    // poison instance had one try, and the healthy ones one each, which finished.
    expect(deaths).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL']);
    for (const view of await views(server, HEALTHY_IDS)) {
      expect(view).toMatchObject({ status: 'COMPLETED', output: { ok: true } });
      expect(view.setAside).toBeUndefined();
    }
    for (const view of await views(server, POISON_IDS)) {
      expect(view.status).toBe('RUNNING');
      expect(view.setAside).toEqual({
        reason: 'its timerFired input (step "pause") failed 1 try after a first delivery that did not finish either: the engine applying it stopped each time (it crashed or was killed)',
        at: expect.any(String),
        tries: 1,
        input: 'timerFired',
        step: 'pause',
        held: 1,
      });
      const history = await server.client.history(view.id);
      expect(history.at(-1)).toMatchObject({ type: 'InstanceSetAside', details: { tries: 1, input: 'timerFired', step: 'pause' } });
    }
    const listed = await server.client.listInstances({ setAside: true });
    expect(listed.items.map((v) => v.id)).toEqual([...POISON_IDS].reverse());
    expect(await metric(server, 'segue_instances_set_aside{workflow="poisoned"}')).toBe('segue_instances_set_aside{workflow="poisoned"} 2');
    // The last server set aside the second one (the one before it, the first).
    expect(await metric(server, 'segue_instances_set_aside_total{workflow="poisoned"}')).toBe('segue_instances_set_aside_total{workflow="poisoned"} 1');

    // Refused while set aside, but for terminate and retry.
    const cancel = await http(server.url, 'POST', `/v1/instances/${POISON_IDS[1]}/cancel`, '{}');
    expect(cancel.status).toBe(409);
    expect(cancel.json.detail).toContain('it is set aside (its timerFired input');
    const terminated = await server.client.lifecycle(POISON_IDS[1]!, 'terminate', 'poison');
    expect(terminated.status).toBe('TERMINATED');
    expect(terminated.setAside).toBeUndefined();
    expect(await metric(server, 'segue_instances_set_aside{workflow="poisoned"}')).toBe('segue_instances_set_aside{workflow="poisoned"} 1');
    expect((await http(server.url, 'GET', '/healthz')).status).toBe(200);
    expect(alive(server)).toBe(true);

    // A retry while the fault is still there dies with its server, and commits nothing.
    const death = died(server);
    await expect(server.client.lifecycle(POISON_IDS[0]!, 'retry')).rejects.toThrow();
    expect(await death).toBe('SIGKILL');
    const again = await serverOn(FAULT);
    expect((await again.client.getInstance(POISON_IDS[0]!)).setAside).toMatchObject({ tries: 1, held: 1 });
    await again.stop();

    // The fault removed, a retry applies what was held and the instance runs to its end.
    const fixed = await serverOn({});
    const retried = await fixed.client.lifecycle(POISON_IDS[0]!, 'retry');
    expect(retried).toMatchObject({ status: 'COMPLETED', output: { reached: true } });
    expect(retried.setAside).toBeUndefined();
    expect((await fixed.client.listInstances({ setAside: true })).items).toEqual([]);
    expect(await metric(fixed, 'segue_instances_set_aside{')).toBeUndefined();
    expect((await fixed.client.history(POISON_IDS[0]!)).map((e) => e.type)).toEqual(expect.arrayContaining(['InstanceSetAside', 'SetAsideRetried', 'InstanceCompleted']));
  });
});
