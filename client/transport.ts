/**
 * How the API client sends one HTTP request. The default is the platform's fetch, which works in
 * browsers and Node alike; Node processes that make many calls (workers) use node-transport.ts.
 */

export interface HttpCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  text: string;
}

/** Sends one request; rejects with a NetworkError when no answer came (or the signal's abort error). */
export type Transport = (call: HttpCall) => Promise<HttpAnswer>;

/** No answer from the server: it could not be reached, or the connection broke. Worth trying again. */
export class NetworkError extends Error {
  constructor(
    readonly url: string,
    /** The system's code (ECONNREFUSED, ECONNRESET, ETIMEDOUT…) when there is one. */
    readonly code: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(`no answer from ${url}: ${code ?? describe(options.cause)}`, options);
    this.name = 'NetworkError';
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'the connection failed';
}

export const fetchTransport: Transport = async (call) => {
  const init: RequestInit = { method: call.method, headers: call.headers };
  if (call.body !== undefined) init.body = call.body;
  if (call.signal) init.signal = call.signal;
  let response: Response;
  try {
    response = await fetch(call.url, init);
  } catch (err) {
    // fetch says a network failure with a TypeError whose cause is the system error.
    if (!(err instanceof TypeError)) throw err;
    const cause = (err as { cause?: { code?: unknown } }).cause;
    throw new NetworkError(call.url, typeof cause?.code === 'string' ? cause.code : undefined, { cause: cause ?? err });
  }
  return { status: response.status, statusText: response.statusText, text: await response.text() };
};
