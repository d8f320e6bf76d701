import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeTransport } from '../../client/node-transport.js';
import { fetchTransport, NetworkError, type Transport } from '../../client/transport.js';
import { ProblemError, SegueClient } from '../../client/http-client.js';

/** A plain HTTP server counting connections; `handle` answers each request. */
async function serve(handle: (req: http.IncomingMessage, res: http.ServerResponse, served: number) => void): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const perSocket = new WeakMap<Socket, number>();
  const server = http.createServer((req, res) => {
    const served = perSocket.get(req.socket) ?? 0;
    perSocket.set(req.socket, served + 1);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      (req as { body?: string }).body = body;
      handle(req, res, served);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const echo = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, body: (req as { body?: string }).body, type: req.headers['content-type'] }));
};

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe.each([
  ['nodeTransport', nodeTransport],
  ['fetchTransport', () => fetchTransport],
] as [string, () => Transport][])('%s', (_name, make) => {
  it('sends the method, body and headers, and answers the status and text', async () => {
    const server = await serve(echo);
    closers.push(server.close);
    const answer = await make()({ method: 'POST', url: `${server.url}/v1/x?a=1`, headers: { 'content-type': 'application/json' }, body: '{"é":1}' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ method: 'POST', url: '/v1/x?a=1', body: '{"é":1}', type: 'application/json' });
  });

  it('rejects with a NetworkError naming the system code when nobody listens', async () => {
    const port = await closedPort();
    const err = await make()({ method: 'GET', url: `http://127.0.0.1:${port}/healthz`, headers: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe('ECONNREFUSED');
    expect((err as NetworkError).message).toContain(`127.0.0.1:${port}`);
  });

  it('rejects with the abort, not a NetworkError, when the caller aborts', async () => {
    const server = await serve(() => undefined); // never answers
    closers.push(server.close);
    const controller = new AbortController();
    const call = make()({ method: 'GET', url: server.url, headers: {}, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const err = await call.catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(NetworkError);
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('nodeTransport connections', () => {
  it('keeps one connection alive across calls', async () => {
    const server = await serve(echo);
    closers.push(server.close);
    const send = nodeTransport();
    for (let i = 0; i < 5; i += 1) expect((await send({ method: 'GET', url: server.url, headers: {} })).status).toBe(200);
    expect(server.connections()).toBe(1);
  });

  it('sends a call again on a new connection when a kept-alive one was closed under it', async () => {
    // The second request on any connection is dropped unanswered, as a server closing an idle
    // connection just as it is reused would.
    const server = await serve((req, res, served) => (served > 0 ? req.socket.destroy() : echo(req, res)));
    closers.push(server.close);
    const send = nodeTransport();
    expect((await send({ method: 'GET', url: server.url, headers: {} })).status).toBe(200);
    const again = await send({ method: 'POST', url: server.url, headers: {}, body: 'x' });
    expect(JSON.parse(again.text)).toMatchObject({ method: 'POST', body: 'x' });
    expect(server.connections()).toBe(2);
  });

  it('sends it again only once: a fresh connection dropped too is a NetworkError', async () => {
    const server = await serve((req, res, served) => (served > 0 || req.method === 'POST' ? req.socket.destroy() : echo(req, res)));
    closers.push(server.close);
    const send = nodeTransport();
    await send({ method: 'GET', url: server.url, headers: {} });
    const err = await send({ method: 'POST', url: server.url, headers: {}, body: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe('ECONNRESET');
    expect(server.connections()).toBe(2);
  });
});

describe('SegueClient on a transport', () => {
  it('turns a problem answer into a ProblemError and a JSON answer into its value', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/healthz') return echo(req, res);
      res.statusCode = 404;
      res.setHeader('content-type', 'application/problem+json');
      res.end(JSON.stringify({ title: 'Not Found', detail: 'instance "x" does not exist', type: 'about:blank' }));
    });
    closers.push(server.close);
    const client = new SegueClient({ url: `${server.url}/`, transport: nodeTransport() });
    expect(await client.health()).toMatchObject({ method: 'GET', url: '/healthz' });
    const err = await client.getInstance('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).toMatchObject({ status: 404, detail: 'instance "x" does not exist' });
  });
});
