/**
 * The client's transport on Node's own http module, with connections kept alive. A worker makes a
 * request or two per task, and fetch costs several times more CPU per request than this does.
 */
import http from 'node:http';
import https from 'node:https';
import { NetworkError, type HttpAnswer, type HttpCall, type Transport } from './transport.js';

/** Longest silence on a connection before the call is given up (fetch's default, too). */
const IDLE_TIMEOUT_MS = 300_000;

export function nodeTransport(): Transport {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return (call) => send(call, agents, true);
}

function send(call: HttpCall, agents: { http: http.Agent; https: https.Agent }, mayRetry: boolean): Promise<HttpAnswer> {
  const url = new URL(call.url);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return Promise.reject(new NetworkError(call.url, undefined, { cause: new Error(`unsupported protocol ${url.protocol}`) }));
  const headers: Record<string, string | number> = { ...call.headers };
  if (call.body !== undefined) headers['content-length'] = Buffer.byteLength(call.body);
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): NetworkError => new NetworkError(call.url, err.code, { cause: err });
    const request = (secure ? https : http).request(
      url,
      { method: call.method, headers, agent: secure ? agents.https : agents.http, ...(call.signal ? { signal: call.signal } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (err) => reject(call.signal?.aborted ? err : failed(err)));
        response.on('end', () => resolve({ status: response.statusCode!, statusText: response.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(Object.assign(new Error('no data within the idle timeout'), { code: 'ETIMEDOUT' })));
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (call.signal?.aborted) return reject(err);
      // The server closed a kept-alive connection just as it was reused: the request never reached
      // it, so sending it again on a new connection is safe (the pattern Node's docs give).
      if (mayRetry && request.reusedSocket && err.code === 'ECONNRESET') return resolve(send(call, agents, false));
      reject(failed(err));
    });
    request.end(call.body);
  });
}
