/** Expression limits, secrets kept out of stored state, and where HTTP steps may call. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { echo, settle, testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());


describe('expression limits', () => {
  it('turns a self-calling function into ExpressionError while other instances go on', async () => {
    t = await testEngine({ work: echo({ done: true }) });
    await t.register(
      `
name: runaway
steps:
  - { name: spin, type: set, values: { x: "\${ ($f := function($n){ $f($n + 1) + 1 }; $f(0)) }" } }
`,
      `
name: fine
steps:
  - { name: w, type: task, task: work }
`,
    );
    const [bad, good] = await Promise.all([t.engine.startInstance('runaway'), t.engine.startInstance('fine')]);
    await t.engine.runUntilIdle();
    const failed = await t.engine.getInstance(bad.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ error: 'ExpressionError', step: 'spin' });
    expect(failed.error?.message).toContain('nested deeper than 500 levels');
    expect((await t.engine.getInstance(good.id)).status).toBe('COMPLETED');
  });
});

describe('secrets', () => {
  const SECRET = 'sk-live-0123456789';

  it('hands workers the value, and keeps it out of data, history and stored tasks', async () => {
    let received: Json = null;
    t = await testEngine(
      {
        call: (input) => {
          received = input;
          return { echoed: (input as { auth: string }).auth, note: `used ${SECRET}` };
        },
      },
      { engine: { secrets: { apiToken: SECRET } } },
    );
    await t.register(`
name: secretive
steps:
  - { name: call, type: task, task: call, input: { auth: "Bearer \${ $secret('apiToken') }" } }
  - { name: copy, type: set, values: { copied: "\${ $secret('apiToken') }" } }
`);
    const id = await t.run('secretive');
    expect(received).toEqual({ auth: `Bearer ${SECRET}` });
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    const everything = JSON.stringify([view, await t.engine.history(id), await t.engine.store.getInstance(id)]);
    expect(everything).not.toContain(SECRET);
    expect(view.output).toMatchObject({ call: { echoed: 'Bearer «secret:apiToken»', note: 'used «secret:apiToken»' }, copied: '«secret:apiToken»' });
  });

  it('fails the step with SecretMissing when a secret is not configured', async () => {
    t = await testEngine({ call: echo() });
    await t.register(`
name: missing-secret
steps:
  - { name: call, type: task, task: call, input: { key: "\${ $secret('nowhere') }" } }
`);
    const view = await t.engine.getInstance(await t.run('missing-secret'));
    expect(view.error).toMatchObject({ error: 'SecretMissing', step: 'call' });
    expect(view.error?.message).toContain('SEGUE_SECRET_NOWHERE');
  });

  it('redacts a secret from a worker error message', async () => {
    t = await testEngine({ call: () => Promise.reject(Object.assign(new Error(`bad key ${SECRET}`), { name: 'AuthFailed' })) }, { engine: { secrets: { k: SECRET } } });
    await t.register(`
name: leaky-error
steps:
  - { name: call, type: task, task: call, input: { key: "\${ $secret('k') }" } }
`);
    const view = await t.engine.getInstance(await t.run('leaky-error'));
    expect(view.error).toMatchObject({ error: 'AuthFailed', message: 'bad key «secret:k»' });
  });
});

describe('safe HTTP steps', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
      if (req.url === '/to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      if (req.url === '/big') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(2048));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    seen.length = 0;
  });

  const call = (url: string) => `
name: call
steps:
  - name: get
    type: http
    url: "${url}"
    headers: { authorization: "\${ $secret('tok') }" }
    retry: { maxAttempts: 3, initialInterval: 1s }
`;

  it.each([
    ['a loopback address', (p: number) => `http://127.0.0.1:${p}/x`, 'private, loopback or link-local'],
    ['a name that resolves to loopback', (p: number) => `http://localhost:${p}/x`, 'private, loopback or link-local'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data', 'private, loopback or link-local'],
    ['loopback as IPv4-compatible IPv6', (p: number) => `http://[::127.0.0.1]:${p}/x`, '(IPv4 127.0.0.1), a private, loopback or link-local'],
    ['loopback through NAT64', (p: number) => `http://[64:ff9b::7f00:1]:${p}/x`, '(IPv4 127.0.0.1), a private, loopback or link-local'],
    ['loopback through 6to4', (p: number) => `http://[2002:7f00:1::]:${p}/x`, '(IPv4 127.0.0.1), a private, loopback or link-local'],
    ['loopback as IPv4-mapped IPv6', (p: number) => `http://[::ffff:127.0.0.1]:${p}/x`, '(IPv4 127.0.0.1), a private, loopback or link-local'],
  ])('refuses %s by default, without retrying', async (_, url, reason) => {
    t = await testEngine({}, { engine: { secrets: { tok: 'secret-token' } } });
    await t.register(call(url(port)));
    const view = await t.engine.startInstance('call');
    await settle(t, view.id);
    const failed = await t.engine.getInstance(view.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ error: 'HttpError' });
    expect(failed.error?.message).toContain(reason);
    expect(seen).toEqual([]);
  });

  it('calls a private address named in the allow-list, with the secret filled in', async () => {
    t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1'] }, secrets: { tok: 'secret-token' } } });
    await t.register(call(`http://127.0.0.1:${port}/x`));
    const view = await t.engine.startInstance('call');
    await settle(t, view.id);
    expect((await t.engine.getInstance(view.id)).status).toBe('COMPLETED');
    expect(seen).toEqual(['/x secret-token']);
    expect(JSON.stringify(await t.engine.history(view.id))).not.toContain('secret-token');
  });

  it('re-checks redirects: an allowed host redirecting to the metadata address is refused', async () => {
    t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1'] }, secrets: { tok: 't' } } });
    await t.register(call(`http://127.0.0.1:${port}/to-metadata`));
    const view = await t.engine.startInstance('call');
    await settle(t, view.id);
    const failed = await t.engine.getInstance(view.id);
    expect(failed.error?.message).toContain('169.254.169.254');
    expect(seen).toEqual(['/to-metadata t']);
  });

  it('refuses hosts outside an allow-list, and bounds the response size', async () => {
    t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1'], maxResponseBytes: 1024 }, secrets: { tok: 't' } } });
    await t.register(call('http://93.184.216.34/x'), call(`http://127.0.0.1:${port}/big`).replace('name: call', 'name: big'));
    const outside = await t.engine.startInstance('call');
    const big = await t.engine.startInstance('big');
    await settle(t, outside.id);
    await settle(t, big.id);
    expect((await t.engine.getInstance(outside.id)).error?.message).toContain('"93.184.216.34" (93.184.216.34) is not in the allowed hosts');
    expect((await t.engine.getInstance(big.id)).error?.message).toContain('larger than 1024 bytes');
  });
});
