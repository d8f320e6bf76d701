/**
 * Redirects of http steps, between two real local servers on different hosts: credentials stay
 * with the origin they were written for, every hop is checked against the address policy again,
 * and the number of hops is bounded.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { settle, testEngine, type TestEngine } from '../helpers/engine.js';

interface Seen {
  server: 'A' | 'B';
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
let a: Server;
let b: Server;
let A = '';
let B = '';

/** A answers the redirects; B is elsewhere, and answers everything with 200. */
function answer(server: Seen['server']): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ server, method: req.method!, url: req.url!, headers: req.headers, body });
      const redirect = (status: number, location: string) => void res.writeHead(status, { location }).end();
      if (server === 'A' && req.url === '/to-b') return redirect(307, `${B}/landing`);
      if (server === 'A' && req.url === '/see-other-b') return redirect(303, `${B}/landing`);
      if (server === 'A' && req.url === '/to-a') return redirect(307, '/landing');
      if (server === 'A' && req.url === '/loop') return redirect(302, '/loop');
      if (server === 'A' && req.url === '/via-b') return redirect(302, `${B}/to-metadata`);
      if (server === 'B' && req.url === '/to-metadata') return redirect(302, 'http://169.254.169.254/latest/meta-data');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ at: server }));
    });
  });
}

async function listen(server: Server, host: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  a = answer('A');
  b = answer('B');
  A = await listen(a, '127.0.0.1');
  B = await listen(b, '127.0.0.2');
});
afterAll(async () => {
  await Promise.all([a, b].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

const TOKEN = 'token-0123456789';
const API_KEY = 'key-9876543210';

let t: TestEngine;
afterEach(async () => {
  seen.length = 0;
  await t?.engine.stop();
});

async function call(path: string, options: { method?: string; body?: Json } = {}): Promise<{ status: string; error?: string; output: Json }> {
  t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1', '127.0.0.2'] }, secrets: { tok: TOKEN, key: API_KEY } } });
  await t.register(`
name: redirected
steps:
  - name: call
    type: http
    method: ${options.method ?? 'GET'}
    url: "\${ url }"
    headers:
      Authorization: "Bearer \${ $secret('tok') }"
      Cookie: "session=abc123"
      Proxy-Authorization: "Basic dXNlcjpwdw=="
      x-api-key: "\${ $secret('key') }"
      x-request-id: "r-1"
${options.body === undefined ? '' : `    body: ${JSON.stringify(options.body)}\n`}    result: "\${ $result.body }"
`);
  const started = await t.engine.startInstance('redirected', { input: { url: `${A}${path}` } });
  await settle(t, started.id);
  const view = await t.engine.getInstance(started.id);
  return { status: view.status, output: view.output, ...(view.error ? { error: view.error.message } : {}) };
}

const credentials = (s: Seen) => ({
  authorization: s.headers.authorization,
  cookie: s.headers.cookie,
  'proxy-authorization': s.headers['proxy-authorization'],
  'x-api-key': s.headers['x-api-key'],
  'x-request-id': s.headers['x-request-id'],
});

const ALL = {
  authorization: `Bearer ${TOKEN}`,
  cookie: 'session=abc123',
  'proxy-authorization': 'Basic dXNlcjpwdw==',
  'x-api-key': API_KEY,
  'x-request-id': 'r-1',
};
const NONE = { authorization: undefined, cookie: undefined, 'proxy-authorization': undefined, 'x-api-key': undefined, 'x-request-id': 'r-1' };

it('sends no credentials, and no header holding a secret, to another host it is redirected to', async () => {
  expect(await call('/to-b')).toMatchObject({ status: 'COMPLETED', output: { call: { at: 'B' } } });
  expect(seen.map((s) => [s.server, s.url, credentials(s)])).toEqual([
    ['A', '/to-b', ALL],
    ['B', '/landing', NONE],
  ]);
});

it('keeps the credentials on a redirect within the same origin', async () => {
  expect(await call('/to-a')).toMatchObject({ status: 'COMPLETED', output: { call: { at: 'A' } } });
  expect(seen.map((s) => [s.server, s.url, credentials(s)])).toEqual([
    ['A', '/to-a', ALL],
    ['A', '/landing', ALL],
  ]);
});

it('refuses to resend a body holding a secret to another origin, and resends one without', async () => {
  const refused = await call('/to-b', { method: 'POST', body: { token: "${ $secret('tok') }" } });
  expect(refused).toMatchObject({ status: 'FAILED' });
  expect(refused.error).toBe(`POST ${A}/to-b redirected to ${B}, another origin, with a body that holds a secret; it is not sent there: call that address directly`);
  expect(seen.map((s) => s.server)).toEqual(['A']);
  await t.engine.stop();
  seen.length = 0;

  expect(await call('/to-b', { method: 'POST', body: { order: 7 } })).toMatchObject({ status: 'COMPLETED' });
  expect(seen.map((s) => [s.server, s.method, s.body])).toEqual([
    ['A', 'POST', '{"order":7}'],
    ['B', 'POST', '{"order":7}'],
  ]);
});

it('follows a 303 to another origin as a GET without the body or the credentials', async () => {
  expect(await call('/see-other-b', { method: 'POST', body: { token: "${ $secret('tok') }" } })).toMatchObject({ status: 'COMPLETED' });
  expect(seen.map((s) => [s.server, s.method, s.body, credentials(s)])).toEqual([
    ['A', 'POST', `{"token":"${TOKEN}"}`, ALL],
    ['B', 'GET', '', NONE],
  ]);
});

it('checks every hop against the address policy: the second redirect, to the metadata address, is refused', async () => {
  const failed = await call('/via-b');
  expect(failed.status).toBe('FAILED');
  expect(failed.error).toContain('169.254.169.254, a private, loopback or link-local address');
  expect(seen.map((s) => [s.server, s.url])).toEqual([
    ['A', '/via-b'],
    ['B', '/to-metadata'],
  ]);
});

it('follows at most 5 redirects', async () => {
  const failed = await call('/loop');
  expect(failed).toMatchObject({ status: 'FAILED', error: `GET ${A}/loop redirected more than 5 times` });
  expect(seen.length).toBe(6);
});
