/**
 * Lifecycle events out, over HTTP against a real `segue serve`: a subscriber server receives
 * `…completed` with a valid Standard Webhooks signature; a subscriber that is down for a while
 * receives everything afterwards, in order; the feed resumes from a cursor and long-polls; the
 * subscription endpoints and their refusals.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyValidator } from '../../api/schemas.js';
import { eventually, http, REPO, runCli, serverForFile } from '../helpers/server.js';
import { receivedOnce, startSubscriber, type Subscriber } from '../helpers/subscriber.js';

const QUICK = `name: quick
steps:
  - name: done
    type: succeed
    output: { n: "\${ n }" }
`;

const server = serverForFile([QUICK], { env: { SEGUE_HTTP_ALLOW: '127.0.0.1' } });
let hooks: Subscriber;
beforeAll(async () => {
  hooks = await startSubscriber();
});
afterAll(async () => {
  await hooks?.close();
});

const feedPage = bodyValidator('event-feed');

describe('subscribers over HTTP', () => {
  it('receive …completed as a CloudEvent with a valid Standard Webhooks signature', async () => {
    const { client } = server();
    const sub = await client.createSubscription({ url: hooks.url, types: ['segue.instance.completed'], workflow: 'quick' });
    expect(bodyValidator('subscription')(sub)).toBe(true);
    await client.startInstance('quick', { id: 'signed-1', input: { n: 1 } });
    const got = await eventually(() => hooks.received.find((r) => r.event.subject === 'signed-1'), { what: 'the completed event' });
    const verified = new Webhook(sub.secret!).verify(got.body, got.headers as Record<string, string>) as { type: string; data: unknown };
    expect(verified).toMatchObject({ type: 'segue.instance.completed', data: { status: 'COMPLETED', output: { n: 1 } } });
    // Signed with another secret, it is refused.
    expect(() => new Webhook(`whsec_${Buffer.alloc(24, 7).toString('base64')}`).verify(got.body, got.headers as Record<string, string>)).toThrow();
    await client.deleteSubscription(sub.id);
  });

  it('a subscriber down for a while receives everything afterwards, in order', async () => {
    const { client } = server();
    hooks.received.length = 0;
    hooks.answer = 503;
    const sub = await client.createSubscription({ url: hooks.url, workflow: 'quick' });
    const ids = ['down-1', 'down-2', 'down-3'];
    for (const [n, id] of ids.entries()) await client.startInstance('quick', { id, input: { n } });
    const failing = await eventually(async () => (await client.getSubscription(sub.id)).failure ?? undefined, { what: 'a failing delivery' });
    expect(failing.lastError).toContain('503');
    hooks.answer = 200;
    const expected = ids.flatMap((id) => [`${id} segue.instance.started`, `${id} segue.instance.completed`]);
    await eventually(() => (receivedOnce(hooks).length === expected.length ? true : undefined), { timeoutMs: 20_000, what: 'every event' });
    expect(receivedOnce(hooks)).toEqual(expected);
    const sequences = hooks.received.map((r) => Number(r.event.sequence));
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    // A delivery is counted once the subscriber's answer is back, just after it received the event.
    await eventually(async () => ((await client.getSubscription(sub.id)).delivered === expected.length ? true : undefined), { what: 'the deliveries to be counted' });
    expect(await client.getSubscription(sub.id)).toMatchObject({ failure: null, delivered: expected.length });
    const metrics = (await http(server().url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/segue_event_deliveries_total\{outcome="failed"\} [1-9]/);
    expect(metrics).toMatch(/segue_event_deliveries_total\{outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/segue_event_delivery_lag_seconds_count [1-9]/);
    expect(metrics).toContain(`segue_event_subscription_backlog{subscription="${sub.id}"} 0`);
    await client.deleteSubscription(sub.id);
  });

  it('are listed, paused, resumed and deleted, and bad ones refused with what is wrong', async () => {
    const { url, client } = server();
    const sub = await client.createSubscription({ id: 'ops', url: hooks.url, paused: true });
    expect((await client.listSubscriptions()).map((s) => s.id)).toContain('ops');
    expect(await client.getSubscription('ops')).not.toHaveProperty('secret');
    expect((await client.subscriptionAction('ops', 'resume')).paused).toBe(false);
    expect((await client.subscriptionAction('ops', 'pause')).paused).toBe(true);
    expect(await client.deadLetters('ops')).toEqual([]);
    expect((await http(url, 'POST', '/v1/subscriptions', JSON.stringify({ id: 'ops', url: hooks.url }))).status).toBe(409);
    const refused = await http(url, 'POST', '/v1/subscriptions', JSON.stringify({ url: 'http://10.0.0.1/hooks' }));
    expect(refused.status).toBe(400);
    expect(refused.json.detail).toContain('private, loopback or link-local');
    const badType = await http(url, 'POST', '/v1/subscriptions', JSON.stringify({ url: hooks.url, types: ['segue.instance.done'] }));
    expect(badType.status).toBe(400);
    expect((await http(url, 'POST', '/v1/subscriptions/missing/pause')).status).toBe(404);
    expect((await http(url, 'POST', '/v1/subscriptions/ops/dead-letters/nope/redeliver')).status).toBe(404);
    await client.deleteSubscription(sub.id);
    expect((await http(url, 'GET', '/v1/subscriptions/ops')).status).toBe(404);
  });
});

/** A port free now, for a process that listens on it. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('segue subscriptions', () => {
  it('creates, lists and deletes subscriptions, and names a bad type', async () => {
    const { url } = server();
    const created = await runCli(['subscriptions', 'create', hooks.url, '--types', 'segue.instance.failed', '--id', 'cli-1', '--server', url]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/secret\s+whsec_\S+ \(shown this once\)/);
    const listed = await runCli(['subscriptions', 'list', '--server', url]);
    expect(listed.stdout).toMatch(/cli-1\s+http:\/\/127\.0\.0\.1/);
    const bad = await runCli(['subscriptions', 'create', hooks.url, '--types', 'segue.instance.done', '--server', url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"types.0" must be');
    expect((await runCli(['subscriptions', 'delete', 'cli-1', '--server', url])).stdout).toBe('subscription cli-1 deleted\n');
  }, 60_000);
});

describe('the subscriber of docs/events.md (examples/subscribers/subscriber.mjs)', () => {
  it('verifies the signature of what the server sends, and refuses a forged one', async () => {
    const { client } = server();
    const port = await freePort();
    const sub = await client.createSubscription({ url: `http://127.0.0.1:${port}/`, types: ['segue.instance.completed'], workflow: 'quick' });
    const child = spawn(process.execPath, ['examples/subscribers/subscriber.mjs'], { cwd: REPO, env: { ...process.env, PORT: String(port), SEGUE_WEBHOOK_SECRET: sub.secret! } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await eventually(() => (out.includes('subscriber listening') ? true : undefined), { what: 'the subscriber to listen' });
      await client.startInstance('quick', { id: 'docs-1', input: { n: 3 } });
      await eventually(() => (out.includes('segue.instance.completed docs-1') ? true : undefined), { what: 'the subscriber to print the event' });
      expect(out).toContain('"output":{"n":3}');
      const forged = await http(`http://127.0.0.1:${port}`, 'POST', '/', '{"id":"x"}', { 'webhook-id': 'x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' });
      expect(forged.status).toBe(401);
    } finally {
      child.kill();
      await client.deleteSubscription(sub.id);
    }
  });
});

describe('the event feed over HTTP', () => {
  it('lists events in order and resumes from a cursor, long-polling for the next', async () => {
    const { url, client } = server();
    await client.startInstance('quick', { id: 'feed-1', input: { n: 1 } });
    const first = await client.readEvents({ limit: 1000 });
    expect(feedPage(first)).toBe(true);
    const mine = first.events.filter((e) => (e as { subject: string }).subject === 'feed-1').map((e) => (e as { type: string }).type);
    expect(mine).toEqual(['segue.instance.started', 'segue.instance.completed']);
    const seqs = first.events.map((e) => Number((e as { sequence: string }).sequence));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(first.cursor).toBe(String(seqs.at(-1)));

    // Resuming from an earlier cursor gives the same events again; from the last, none.
    const again = await client.readEvents({ after: String(seqs.at(-2)) });
    expect(again.events).toEqual(first.events.slice(-1));
    expect(await client.readEvents({ after: first.cursor })).toEqual({ events: [], cursor: first.cursor });

    const waiting = client.readEvents({ after: first.cursor, wait: '10s' });
    await client.startInstance('quick', { id: 'feed-2', input: { n: 2 } });
    const next = await waiting;
    expect((next.events[0] as { subject: string; type: string })).toMatchObject({ subject: 'feed-2', type: 'segue.instance.started' });
    expect(Number(next.cursor)).toBeGreaterThan(Number(first.cursor));

    const bad = await http(url, 'GET', '/v1/events/feed?after=abc');
    expect(bad.status).toBe(400);
  });
});
