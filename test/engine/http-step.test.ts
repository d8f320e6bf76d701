import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { settle, testEngine, type TestEngine } from '../helpers/engine.js';

let server: Server;
let base: string;
const received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let statuses: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const status = statuses.shift() ?? 200;
      if (req.url?.startsWith('/text')) {
        res.writeHead(status, { 'content-type': 'text/plain' }).end('plain words');
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', 'x-trace': 'abc' }).end(JSON.stringify({ echoed: body ? JSON.parse(body) : null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let t: TestEngine;
afterEach(async () => {
  received.length = 0;
  statuses = [];
  await t?.engine.stop();
});


describe('http steps', () => {
  it('sends the templated request and stores {status, headers, body} with JSON parsed', async () => {
    t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1'] } } });
    await t.register(`
name: call
steps:
  - name: post
    type: http
    method: POST
    url: "${'$'}{ base & '/orders/' & orderId }"
    headers: { x-request: "req-${'$'}{ orderId }" }
    body: { id: "${'$'}{ orderId }", qty: 2 }
    result: "${'$'}{ { 'status': $result.status, 'trace': $result.headers.'x-trace', 'echo': $result.body.echoed } }"
  - name: text
    type: http
    url: "${'$'}{ base & '/text' }"
`);
    const view = await t.engine.startInstance('call', { input: { base, orderId: 'A7' } });
    await settle(t, view.id);
    const done = await t.engine.getInstance(view.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.output).toMatchObject({
      post: { status: 200, trace: 'abc', echo: { id: 'A7', qty: 2 } },
      text: { status: 200, body: 'plain words' },
    });
    expect(received[0]).toMatchObject({ method: 'POST', url: '/orders/A7' });
    expect(received[0]!.headers['x-request']).toBe('req-A7');
    expect(received[0]!.headers['content-type']).toBe('application/json');
  });

  it('retries a 503 and fails a 404 with HttpError without retrying', async () => {
    t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1'] } } });
    await t.register(`
name: flaky
steps:
  - name: get
    type: http
    url: "${'$'}{ base & '/thing' }"
    retry: { maxAttempts: 3, initialInterval: 1s }
`);
    statuses = [503];
    const ok = await t.engine.startInstance('flaky', { input: { base } });
    await settle(t, ok.id);
    expect((await t.engine.getInstance(ok.id)).current).toMatchObject([{ waiting: 'retry' }]);
    t.clock.advance(1_000);
    await settle(t, ok.id);
    expect((await t.engine.getInstance(ok.id)).status).toBe('COMPLETED');

    statuses = [404];
    const missing = await t.engine.startInstance('flaky', { input: { base } });
    await settle(t, missing.id);
    const failed = await t.engine.getInstance(missing.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ error: 'HttpError', step: 'get' });
    expect(failed.error?.message).toContain('404');
    expect(received).toHaveLength(3);
  });

  it('fails with HttpError naming the URL when the host cannot be reached', async () => {
    t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1'] } } });
    await t.register(`
name: unreachable
steps:
  - { name: get, type: http, url: "http://127.0.0.1:1/nothing" }
`);
    const view = await t.engine.startInstance('unreachable');
    await settle(t, view.id);
    const failed = await t.engine.getInstance(view.id);
    expect(failed.error).toMatchObject({ error: 'HttpError' });
    expect(failed.error?.message).toContain('http://127.0.0.1:1/nothing');
  });
});
