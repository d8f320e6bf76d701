/**
 * A remote worker: long-polls the server for tasks of its handlers' types, runs each handler,
 * and reports the result by the attempt's token. It rides out server restarts: connection
 * errors back off and poll again, and results are re-sent until the attempt's lease ends.
 */
import { hostname } from 'node:os';
import type { Json } from '../definitions/model.js';
import { ProblemError, SegueClient, type ClaimedTask, type FailureReport } from './http-client.js';

export interface WorkerContext {
  /** Attempt number, from 1. */
  attempt: number;
  instanceId: string;
  step: string;
  type: string;
  /** Extends the lease; call it from long handlers of steps with a `heartbeat`. */
  heartbeat(): Promise<void>;
}

/** Resolve with the output; throw to fail (the error's `name` is the error name; `retryable: false` skips retries). */
export type WorkerHandler<I = Json> = (input: I, ctx: WorkerContext) => unknown;

export interface WorkerOptions<I = Json> {
  /** Server base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Task type → handler. */
  handlers: Record<string, WorkerHandler<I>>;
  /** Most handlers running at once. Default 4. */
  concurrency?: number;
  /** Task types (or queue names) to poll. Default: the handlers' types. */
  types?: string[];
  /** Name recorded in history. Default `<hostname>:<pid>`. */
  worker?: string;
  /** How long one poll waits for a task, as a duration. Default '30s'. */
  pollWait?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Told about errors the worker survives: a lost connection, a refused result. Default: ignored. */
  onError?: (err: unknown) => void;
}

export interface Worker {
  start(): void;
  /** Stops polling (the open poll is abandoned) and waits for the handlers in flight. */
  stop(): Promise<void>;
}

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export function createWorker<I = Json>(options: WorkerOptions<I>): Worker {
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`worker option concurrency must be a positive integer, got ${concurrency}`);
  const types = options.types ?? Object.keys(options.handlers);
  if (types.length === 0) throw new Error('the worker has no task types: give it handlers (or types)');
  return new WorkerLoop(options, concurrency, types);
}

class WorkerLoop<I> implements Worker {
  private readonly client: SegueClient;
  private readonly name: string;
  private readonly running = new Set<Promise<void>>();
  private stopping = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly options: WorkerOptions<I>,
    private readonly concurrency: number,
    private readonly types: string[],
  ) {
    this.client = new SegueClient({ url: options.url, ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
    this.name = options.worker ?? `${hostname()}:${process.pid}`;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = new AbortController();
    this.loop = this.pollLoop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await Promise.allSettled([...this.running]);
    this.loop = undefined;
  }

  private async pollLoop(): Promise<void> {
    const signal = this.stopping.signal;
    let backoff = 0;
    while (!signal.aborted) {
      const free = this.concurrency - this.running.size;
      if (free === 0) {
        await Promise.race(this.running);
        continue;
      }
      try {
        const tasks = await this.client.poll({ types: this.types, worker: this.name, max: free, wait: this.options.pollWait ?? '30s' }, signal);
        backoff = 0;
        for (const task of tasks) this.track(this.execute(task));
      } catch (err) {
        if (signal.aborted) break;
        this.options.onError?.(err);
        backoff = Math.min(Math.max(backoff * 2, BACKOFF_MIN_MS), BACKOFF_MAX_MS);
        // Jitter keeps a fleet of workers from hammering a restarting server in step.
        await sleep(backoff * (0.5 + Math.random() / 2), signal);
      }
    }
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async execute(task: ClaimedTask): Promise<void> {
    const lease = { deadline: Date.parse(task.deadline) };
    const handler = this.options.handlers[task.type];
    if (!handler) {
      const report = { error: 'NoHandler', message: `worker ${this.name} has no handler for task type "${task.type}"` };
      return this.report(lease, () => this.client.fail(task.token, report));
    }
    const ctx: WorkerContext = {
      attempt: task.attempt,
      instanceId: task.instanceId,
      step: task.step,
      type: task.type,
      heartbeat: async () => {
        lease.deadline = Date.parse((await this.client.heartbeat(task.token)).deadline);
      },
    };
    let output: unknown;
    try {
      output = await handler(task.input as I, ctx);
    } catch (err) {
      return this.report(lease, () => this.client.fail(task.token, failureOf(err)));
    }
    return this.report(lease, () => this.client.complete(task.token, (output ?? null) as Json));
  }

  /**
   * Sends a result, again and again while the server is unreachable — but only until the lease
   * ends: past it the token is stale, and the engine retries the attempt itself.
   */
  private async report(lease: { deadline: number }, send: () => Promise<void>): Promise<void> {
    let delay = BACKOFF_MIN_MS;
    for (;;) {
      try {
        return await send();
      } catch (err) {
        if (!isTransient(err) || Date.now() + delay > lease.deadline) {
          this.options.onError?.(err);
          return;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
    }
  }
}

function failureOf(err: unknown): FailureReport {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown; retryable?: unknown };
  // Cut to what the server accepts: a refused report would leave the attempt to time out.
  const report: FailureReport = {
    error: typeof e.name === 'string' && e.name !== '' ? e.name.slice(0, 200) : 'Error',
    message: (typeof e.message === 'string' ? e.message : String(err)).slice(0, 10_000),
  };
  if (e.retryable === false) report.retryable = false;
  return report;
}

/** A network failure (fetch's TypeError) or a server-side 5xx: worth sending again. */
function isTransient(err: unknown): boolean {
  return err instanceof ProblemError ? err.status >= 500 : err instanceof TypeError;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
