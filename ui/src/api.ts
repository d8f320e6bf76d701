/**
 * The console talks to the server through the public REST API only: the same typed client as the
 * command line, plus the graph route. The API key, when the server wants one, lives in
 * sessionStorage: typed once per tab, gone when the tab closes.
 */
import { ProblemError, SegueClient } from '../../client/http-client.js';
import type { Graph } from '../../definitions/graph.js';
import type { Problem } from '../../definitions/model.js';

export { ProblemError };

const KEY_ITEM = 'segue.apiKey';

export function apiKey(): string {
  return sessionStorage.getItem(KEY_ITEM) ?? '';
}

export function setApiKey(key: string): void {
  if (key === '') sessionStorage.removeItem(KEY_ITEM);
  else sessionStorage.setItem(KEY_ITEM, key);
}

/**
 * Runs one API call with a client holding the key of this moment; a 401 on the way also tells
 * the key prompt, so any page can ask for the key.
 */
export async function api<T>(call: (client: SegueClient) => Promise<T>): Promise<T> {
  const key = apiKey();
  try {
    return await call(new SegueClient({ url: location.origin, ...(key ? { apiKey: key } : {}) }));
  } catch (err) {
    if (err instanceof ProblemError && err.status === 401) for (const listener of unauthorizedListeners) listener();
    throw err;
  }
}

const unauthorizedListeners = new Set<() => void>();

export function onUnauthorized(listener: () => void): void {
  unauthorizedListeners.add(listener);
}

export interface ValidationAnswer {
  valid: boolean;
  errors: Problem[];
  /** The state machine, when the definition is valid. */
  graph?: Graph;
}

export function validate(source: string): Promise<ValidationAnswer> {
  return api((c) => c.validate(source) as Promise<ValidationAnswer>);
}

/** GET /v1/workflows/{name}/versions/{v}/graph, which the typed client has no method for yet. */
export function workflowGraph(name: string, version: number): Promise<Graph> {
  return api(async () => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey()) headers.authorization = `Bearer ${apiKey()}`;
    const response = await fetch(`/v1/workflows/${encodeURIComponent(name)}/versions/${version}/graph`, { headers });
    const body = (await response.json().catch(() => ({}))) as { title?: string; detail?: string; type?: string };
    if (!response.ok) {
      throw new ProblemError(response.status, body.title ?? response.statusText, body.detail ?? `the server answered ${response.status}`, body.type ?? 'about:blank');
    }
    return body as unknown as Graph;
  });
}

/** What went wrong, in one line: the problem's title and detail, or the network error. */
export function describeError(err: unknown): string {
  if (err instanceof ProblemError) return `${err.title}: ${err.detail}`;
  if (err instanceof TypeError) return `the server cannot be reached (${err.message})`;
  return (err as Error)?.message ?? String(err);
}
