/**
 * Event triggers over real HTTP, on two `segue serve` processes sharing one SQLite file: an event
 * whose trigger matches starts exactly one instance however often, in whichever form (CloudEvent
 * structured or binary, plain JSON) and to whichever engine it is sent, at once or one after the
 * other; a filter that is false starts none; a bad CloudEvent is refused saying why; the triggers
 * are listed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedOn, http, startServer, tempDir, type TestServer } from '../helpers/server.js';

const SIGNUP = `name: signup
triggers:
  - event: user.created
    filter: "data.plan != 'spam'"
    input: { user: "\${ data.user }", from: "\${ source }" }
steps:
  - name: welcome
    type: succeed
`;

const structured = (id: string, data: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ specversion: '1.0', id, source: '/accounts', type: 'user.created', data, ...extra });
const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const binary = (id: string): Record<string, string> => ({
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': id,
  'ce-source': '/accounts',
  'ce-type': 'user.created',
});

describe('event triggers on two engines sharing a store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'segue.db');
    a = await startServer(db);
    b = await startServer(db);
    await a.client.registerWorkflow(SIGNUP);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    tmp?.cleanup();
  });

  const instancesOf = async (server: TestServer): Promise<string[]> => (await server.client.listInstances({ workflow: 'signup' })).items.map((i) => i.id).sort();

  it('starts one instance for an event sent three times, to both engines, in each form', { timeout: 60_000 }, async () => {
    const data = { user: 'ada', plan: 'pro' };
    const answers = [
      await http(a.url, 'POST', '/v1/events/user.created', structured('evt-1', data), STRUCTURED),
      await http(b.url, 'POST', '/v1/events/user.created', JSON.stringify(data), binary('evt-1')),
      await http(a.url, 'POST', '/v1/events/user.created', structured('evt-1', data, { time: '2026-01-01T00:00:00Z' }), STRUCTURED),
    ];
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json).toEqual({ event: 'evt-1', delivered: 0, instances: [], started: [{ workflow: 'signup', version: 1, trigger: 1, instance: 'signup:1:evt-1' }] });
    }
    expect(await instancesOf(b)).toEqual(['signup:1:evt-1']);
    expect((await finishedOn(a.client, 'signup:1:evt-1')).output).toEqual({ user: 'ada', from: '/accounts' });
  });

  it('starts one instance when the three arrive at once, on both engines', { timeout: 60_000 }, async () => {
    const data = { user: 'grace', plan: 'free' };
    const answers = await Promise.all([
      http(a.url, 'POST', '/v1/events/user.created', structured('evt-2', data), STRUCTURED),
      http(b.url, 'POST', '/v1/events/user.created', structured('evt-2', data), STRUCTURED),
      http(b.url, 'POST', '/v1/events/user.created', JSON.stringify({ id: 'evt-2', data }), {}),
    ]);
    expect(answers.map((r) => [r.status, r.json?.started])).toEqual(
      Array.from({ length: 3 }, () => [200, [{ workflow: 'signup', version: 1, trigger: 1, instance: 'signup:1:evt-2' }]]),
    );
    expect(await instancesOf(a)).toEqual(['signup:1:evt-1', 'signup:1:evt-2']);
    expect((await finishedOn(b.client, 'signup:1:evt-2')).status).toBe('COMPLETED');
  });

  it('starts nothing when the filter is false, and still delivers to waiting instances by key', { timeout: 30_000 }, async () => {
    const answer = await a.client.publishEvent('user.created', { id: 'evt-3', key: 'nobody-waits', data: { user: 'eve', plan: 'spam' } });
    expect(answer).toEqual({ event: 'evt-3', delivered: 0, instances: [], started: [] });
    expect(await instancesOf(a)).toEqual(['signup:1:evt-1', 'signup:1:evt-2']);
  });

  it('refuses a CloudEvent that is not valid, or not the event the path names, saying why', async () => {
    const missing = await http(a.url, 'POST', '/v1/events/user.created', JSON.stringify({ specversion: '1.0', id: 'x', type: 'user.created' }), STRUCTURED);
    expect(missing.status).toBe(400);
    expect(missing.json.detail).toBe('the CloudEvent needs the attribute "source"');
    const other = await http(b.url, 'POST', '/v1/events/user.created', JSON.stringify({ n: 1 }), { ...binary('evt-9'), 'ce-type': 'user.deleted' });
    expect(other.status).toBe(400);
    expect(other.json.detail).toBe('the CloudEvent\'s type is "user.deleted", not the event "user.created" the path names; send it to /v1/events/user.deleted');
    const huge = await http(a.url, 'POST', '/v1/events/user.created', '{"specversion":"1.0","id":"h","source":"/s","type":"user.created","data":{"n":1e400}}', STRUCTURED);
    expect(huge.status).toBe(400);
    expect(huge.json.detail).toContain('$.data.n');
  });

  it('lists the triggers of the latest versions', async () => {
    expect(await b.client.triggers('user.created')).toEqual({
      items: [{ workflow: 'signup', version: 1, trigger: 1, event: 'user.created', filter: "data.plan != 'spam'", input: { user: '${ data.user }', from: '${ source }' } }],
    });
    expect(await b.client.triggers('user.deleted')).toEqual({ items: [] });
  });
});
