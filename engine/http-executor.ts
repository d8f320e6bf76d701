/**
 * The engine's own HTTP calls (`http` steps and HTTP compensations), run as `$http` tasks so they
 * share the task queue's lease, timeout and retry machinery.
 */
import type { Json } from '../definitions/model.js';
import { isObject } from './data.js';
import type { TaskHandler } from './local-workers.js';

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers?: Record<string, string>;
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

/** Longest response body kept, in bytes: a step result lives in the instance data. */
const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

export const httpTaskHandler: TaskHandler = async (input) => {
  const spec = requestSpec(input);
  const headers = new Headers(spec.headers ?? {});
  let body: string | undefined;
  if (spec.body !== undefined && spec.body !== null && spec.method !== 'GET' && spec.method !== 'HEAD') {
    body = typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
    if (typeof spec.body !== 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const timeoutMs = spec.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(spec.url, { method: spec.method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError') throw new HttpStepError('Timeout', `${spec.method} ${spec.url} gave no response within ${timeoutMs}ms`, true);
    const cause = (e.cause as Error | undefined)?.message ?? e.message;
    throw new HttpStepError('HttpError', `${spec.method} ${spec.url} failed: ${cause}`, true);
  }
  const result = { status: response.status, headers: Object.fromEntries(response.headers), body: await readBody(response) };
  if (response.ok) return result;
  const retryable = response.status >= 500 || response.status === 429;
  throw new HttpStepError('HttpError', `${spec.method} ${spec.url} answered ${response.status} ${response.statusText}`.trim(), retryable);
};

function requestSpec(input: Json): HttpRequestSpec {
  if (!isObject(input) || typeof input.url !== 'string') throw new HttpStepError('HttpError', 'the request has no url', false);
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new HttpStepError('HttpError', `"${input.url}" is not an absolute URL`, false);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpStepError('HttpError', `only http and https URLs can be called, not ${url.protocol}`, false);
  const headers: Record<string, string> = {};
  if (isObject(input.headers)) for (const [k, v] of Object.entries(input.headers)) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const spec: HttpRequestSpec = { method: String(input.method ?? 'GET').toUpperCase(), url: url.href, headers };
  if (input.body !== undefined) spec.body = input.body;
  if (typeof input.timeoutMs === 'number') spec.timeoutMs = input.timeoutMs;
  return spec;
}

async function readBody(response: Response): Promise<Json> {
  const text = await response.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new HttpStepError('HttpError', `the response body is larger than ${MAX_BODY_BYTES} bytes`, false);
  if (text === '') return null;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(text) as Json;
    } catch {
      return text;
    }
  }
  return text;
}
