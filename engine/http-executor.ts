/**
 * The engine's own HTTP calls (`http` steps and HTTP compensations), run as `$http` tasks so they
 * share the task queue's lease, timeout and retry machinery. Every connection (redirects
 * included) is checked against the HTTP policy on the address actually connected to; response
 * size, time and redirects are bounded, credentials do not follow a redirect to another origin,
 * and calls to a host that keeps failing fail fast (circuit-breaker.ts).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Json } from '../definitions/model.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { isObject } from '../core/data.js';
import { DEFAULT_HTTP_POLICY, HostRules, type HttpPolicy } from './http-policy.js';
import type { TaskHandler } from './local-workers.js';
import { concealText, type Secrets } from './secrets.js';

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Json;
  timeoutMs?: number;
}

export class HttpStepError extends Error {
  constructor(
    override readonly name: 'HttpError' | 'Timeout',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

interface RawResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  text: string;
}

/** The longest a Node timer waits (about 24.8 days); asked for longer, it fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function httpTaskHandler(policy: Partial<HttpPolicy>, secrets: Secrets, breakers: CircuitBreakers): TaskHandler {
  const send = httpCaller(policy, secrets);
  return async (input) => {
    const spec = requestSpec(input);
    // Guarded by the host first called: a redirect elsewhere counts for it, as the step names it.
    const host = new URL(spec.url).host;
    return breakers.guard(host, `${spec.method} ${spec.url}`, () => send(spec), countsAgainstHost);
  };
}

/**
 * A function making HTTP calls under the policy (the one every call the engine makes goes
 * through): resolves with status, headers and body on a 2xx, throws HttpStepError otherwise.
 */
export function httpCaller(policy: Partial<HttpPolicy>, secrets: Secrets): (spec: HttpRequestSpec) => Promise<Json> {
  const p = { ...DEFAULT_HTTP_POLICY, ...policy };
  const rules = new HostRules(p.allowHosts);
  return (spec) => call(spec, rules, p, secrets);
}

/** What the breaker counts: the host did not answer, or answered that it cannot serve (5xx, 429). */
function countsAgainstHost(err: unknown): boolean {
  return err instanceof HttpStepError && err.retryable;
}

async function call(spec: HttpRequestSpec, rules: HostRules, p: HttpPolicy, secrets: Secrets): Promise<Json> {
  const timeoutMs = Math.min(spec.timeoutMs ?? p.defaultTimeoutMs, MAX_TIMER_MS);
  const signal = AbortSignal.timeout(timeoutMs);
  let response = await send(spec, rules, p, signal, timeoutMs);
  for (let hops = 0; isRedirect(response.status) && response.headers.location; hops += 1) {
    if (hops >= p.maxRedirects) throw new HttpStepError('HttpError', `${spec.method} ${spec.url} redirected more than ${p.maxRedirects} times`, false);
    followRedirect(spec, response.status, response.headers.location, secrets);
    response = await send(spec, rules, p, signal, timeoutMs);
  }
  const result = { status: response.status, headers: response.headers, body: parseBody(response) };
  if (response.status >= 200 && response.status < 300) return result;
  const retryable = response.status >= 500 || response.status === 429;
  throw new HttpStepError('HttpError', `${spec.method} ${spec.url} answered ${response.status} ${response.statusText}`.trim(), retryable);
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Sent to the origin they were written for only. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/**
 * Points `spec` where a redirect leads. To another origin (scheme, host or port) the request goes
 * without its credentials, as browsers and curl send it: no Authorization, Proxy-Authorization or
 * Cookie header, nor any header holding a secret; a body holding a secret is not sent there at all.
 */
function followRedirect(spec: HttpRequestSpec, status: number, location: string, secrets: Secrets): void {
  const from = new URL(spec.url);
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new HttpStepError('HttpError', `${spec.method} ${spec.url} redirected to "${location}", which is not a URL`, false);
  }
  if (status === 303 || ((status === 301 || status === 302) && spec.method === 'POST')) {
    spec.method = 'GET';
    delete spec.body;
  }
  if (to.origin !== from.origin) {
    const holdsSecret = (text: string): boolean => concealText(text, secrets) !== text;
    for (const [name, value] of Object.entries(spec.headers)) {
      if (CREDENTIAL_HEADERS.has(name.toLowerCase()) || holdsSecret(value)) delete spec.headers[name];
    }
    if (spec.body !== undefined && holdsSecret(typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body))) {
      throw new HttpStepError('HttpError', `${spec.method} ${spec.url} redirected to ${to.origin}, another origin, with a body that holds a secret; it is not sent there: call that address directly`, false);
    }
  }
  spec.url = to.href;
}

function send(spec: HttpRequestSpec, rules: HostRules, policy: HttpPolicy, signal: AbortSignal, timeoutMs: number): Promise<RawResponse> {
  const url = new URL(spec.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpStepError('HttpError', `only http and https URLs can be called, not ${url.protocol}`, false);
  const refused = rules.checkName(url.hostname);
  if (refused) throw new HttpStepError('HttpError', `${spec.method} ${spec.url} refused: ${refused}`, false);
  const headers: Record<string, string> = { ...spec.headers };
  let body: string | undefined;
  if (spec.body !== undefined && spec.body !== null && spec.method !== 'GET' && spec.method !== 'HEAD') {
    body = typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
    if (typeof spec.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const options: RequestOptions = { method: spec.method, headers, signal, lookup: checkedLookup(url.hostname, rules) };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => void readResponse(res, policy.maxResponseBytes, spec).then(resolve, reject));
    req.on('error', (err: Error & { code?: string }) => reject(requestFailure(err, spec, signal, timeoutMs)));
    req.end(body);
  });
}

/** A DNS lookup that refuses addresses the policy does not allow, at connect time. */
function checkedLookup(host: string, rules: HostRules): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 4);
      const refusal = addresses.map((a) => rules.checkAddress(host, a.address)).find((r) => r !== null);
      if (refusal) return callback(Object.assign(new Error(refusal), { code: 'EREFUSED_BY_POLICY' }), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function requestFailure(err: Error & { code?: string }, spec: HttpRequestSpec, signal: AbortSignal, timeoutMs: number): HttpStepError {
  if (signal.aborted) return new HttpStepError('Timeout', `${spec.method} ${spec.url} gave no response within ${timeoutMs}ms`, true);
  if (err.code === 'EREFUSED_BY_POLICY') return new HttpStepError('HttpError', `${spec.method} ${spec.url} refused: ${err.message}`, false);
  if (err instanceof HttpStepError) return err;
  return new HttpStepError('HttpError', `${spec.method} ${spec.url} failed: ${err.message}`, true);
}

async function readResponse(res: IncomingMessage, maxBytes: number, spec: HttpRequestSpec): Promise<RawResponse> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      res.destroy();
      throw new HttpStepError('HttpError', `${spec.method} ${spec.url}: the response body is larger than ${maxBytes} bytes`, false);
    }
    chunks.push(chunk as Buffer);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers, text: Buffer.concat(chunks).toString('utf8') };
}

function requestSpec(input: Json): HttpRequestSpec {
  if (!isObject(input) || typeof input.url !== 'string') throw new HttpStepError('HttpError', 'the request has no url', false);
  try {
    new URL(input.url);
  } catch {
    throw new HttpStepError('HttpError', `"${input.url}" is not an absolute URL`, false);
  }
  const headers: Record<string, string> = {};
  if (isObject(input.headers)) for (const [k, v] of Object.entries(input.headers)) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const spec: HttpRequestSpec = { method: String(input.method ?? 'GET').toUpperCase(), url: input.url, headers };
  if (input.body !== undefined) spec.body = input.body;
  if (typeof input.timeoutMs === 'number') spec.timeoutMs = input.timeoutMs;
  return spec;
}

function parseBody(response: RawResponse): Json {
  if (response.text === '') return null;
  if ((response.headers['content-type'] ?? '').includes('json')) {
    try {
      return JSON.parse(response.text) as Json;
    } catch {
      return response.text;
    }
  }
  return response.text;
}
