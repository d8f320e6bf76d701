/**
 * A remote worker: long-polls the server for tasks of its handlers' types, runs each handler,
 * and reports the results by the attempts' tokens, many in one request when they finish together.
 * The request reporting results also takes the tasks they lead to (the next steps of the same
 * instances), so a worker busy with chains of steps seldom polls.
 * It rides out server restarts: connection errors back off and poll again, and results are re-sent
 * until the attempt's lease ends.
 */
import { hostname } from 'node:os';
import type { Json } from '../definitions/model.js';
import type { TaskContext } from '../protocol/tasks.js';
import { nodeTransport } from './node-transport.js';
import {
  NetworkError,
  ProblemError,
  SegueClient,
  type ClaimedTask,
  type FailureReport,
  type NextTasksRequest,
  type TaskResult,
  type TaskResultOutcome,
} from './http-client.js';

/** What a handler is told of its attempt: the same as an in-process handler's. */
export type WorkerContext = TaskContext;

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
  /**
   * Told about errors the worker survives: a lost connection, a result given up or not taken (a
   * TaskResultError). Default: ignored.
   */
  onError?: (err: unknown) => void;
}

export interface Worker {
  start(): void;
  /** Stops polling (the open poll is abandoned) and waits for the handlers in flight and for their results to be sent (or given up). */
  stop(): Promise<void>;
}

/** A result the server did not take: its attempt was no longer current (`stale`), or it was `refused`. */
export class TaskResultError extends Error {
  /** Which task; never its input, which may hold revealed secrets. */
  readonly task: Pick<ClaimedTask, 'token' | 'type' | 'instanceId' | 'step'>;

  constructor(
    readonly outcome: 'stale' | 'refused',
    task: ClaimedTask,
    detail: string,
  ) {
    super(`the result of step "${task.step}" of instance ${task.instanceId} was ${outcome}: ${detail}`);
    this.name = 'TaskResultError';
    this.task = { token: task.token, type: task.type, instanceId: task.instanceId, step: task.step };
  }
}

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;
/** The server's limit of results per request. */
const BATCH_ITEMS = 1000;
/** Characters of JSON per request (one larger result still goes alone): well under the server's body limit. */
const BATCH_CHARS = 1024 * 1024;

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
  private readonly outbox: ResultOutbox;
  private stopping = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly options: WorkerOptions<I>,
    private readonly concurrency: number,
    private readonly types: string[],
  ) {
    this.client = new SegueClient({ url: options.url, transport: nodeTransport(), ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
    this.name = options.worker ?? `${hostname()}:${process.pid}`;
    this.outbox = new ResultOutbox(this.client, (err) => this.options.onError?.(err), {
      // The slots of the results sent are what the next tasks may take; none once stopping.
      room: (freed) => (this.stopping.signal.aborted ? null : { types: this.types, worker: this.name, max: freed }),
      run: (task) => this.track(this.execute(task)),
    });
  }

  start(): void {
    if (this.loop) return;
    this.stopping = new AbortController();
    this.loop = this.pollLoop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    // Results sent meanwhile may bring next tasks, taken before stopping was seen: run them too.
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
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

  /** Runs the task's handler; settles once its result was sent or given up, so the slot stays taken until then. */
  private async execute(task: ClaimedTask): Promise<void> {
    const lease = { deadline: Date.parse(task.deadline) };
    const handler = this.options.handlers[task.type];
    if (!handler) {
      return this.outbox.send(task, lease, { token: task.token, error: 'NoHandler', message: `worker ${this.name} has no handler for task type "${task.type}"` });
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
    let result: TaskResult;
    try {
      result = { token: task.token, output: ((await handler(task.input as I, ctx)) ?? null) as Json };
    } catch (err) {
      result = { token: task.token, ...failureOf(err) };
    }
    return this.outbox.send(task, lease, result);
  }
}

/** A result waiting to be sent. */
interface Outgoing {
  task: ClaimedTask;
  lease: { deadline: number };
  result: TaskResult;
  /** Length of its JSON, for cutting batches. */
  size: number;
  /** Called once it was sent, or given up. */
  settle: () => void;
}

/** Where the tasks that results lead to go: how many the worker takes for the results sent, and who runs them. */
interface NextTaskSink {
  /** What to ask for with `freed` results (their slots), or null for nothing. */
  room(freed: number): NextTasksRequest | null;
  run(task: ClaimedTask): void;
}

/**
 * Results on their way to the server. One lane sends everything queued in one request, with at
 * most one request in flight: what finishes meanwhile goes in the next, so results batch up under
 * load while a lone result still goes at once. A request that fails on the way (network, 5xx, 429)
 * is sent again with backoff, but no result past its attempt's lease: the engine has retried it.
 */
class ResultOutbox {
  private readonly queue: Outgoing[] = [];
  private sending = false;
  /** The server refused `next` (a version from before it): results go without it from then on. */
  private nextRefused = false;

  constructor(
    private readonly client: SegueClient,
    private readonly onError: (err: unknown) => void,
    private readonly next: NextTaskSink,
  ) {}

  /** Resolves once the result was sent (taken or not), or given up. */
  send(task: ClaimedTask, lease: { deadline: number }, result: TaskResult): Promise<void> {
    return new Promise((settle) => {
      this.queue.push({ task, lease, ...measured(result), settle });
      if (this.sending) return;
      this.sending = true;
      // Results finishing in the same turn go out together.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    let delay = BACKOFF_MIN_MS;
    while (this.queue.length > 0) {
      const again = await this.deliver(this.nextBatch(), delay);
      if (again.length === 0) {
        delay = BACKOFF_MIN_MS;
        continue;
      }
      this.queue.unshift(...again);
      await sleep(delay);
      delay = Math.min(delay * 2, BACKOFF_MAX_MS);
    }
    this.sending = false;
  }

  private nextBatch(): Outgoing[] {
    let count = 0;
    let size = 0;
    for (const next of this.queue) {
      if (count === BATCH_ITEMS || (count > 0 && size + next.size > BATCH_CHARS)) break;
      size += next.size;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  /** Sends one batch; answers the results to send again after `delay`. */
  private async deliver(batch: Outgoing[], delay: number): Promise<Outgoing[]> {
    let answer: { results: TaskResultOutcome[]; tasks: ClaimedTask[] };
    try {
      answer = await this.post(batch.map((o) => o.result), this.nextRefused ? null : this.next.room(batch.length));
    } catch (err) {
      const again: Outgoing[] = [];
      for (const o of batch) {
        if (isTransient(err) && Date.now() + delay <= o.lease.deadline) again.push(o);
        else this.finish(o, err);
      }
      return again;
    }
    // Started before the slots of the results are given back, so no poll counts them as free.
    for (const task of answer.tasks) this.next.run(task);
    batch.forEach((o, i) => {
      const outcome = answer.results[i] ?? { token: o.task.token, status: 'refused', detail: 'the server answered no outcome for it' };
      this.finish(o, outcome.status === 'accepted' ? undefined : new TaskResultError(outcome.status, o.task, outcome.detail ?? outcome.status));
    });
    return [];
  }

  /** One request; a server too old for `next` (it refuses the field) gets the results alone, now and from then on. */
  private async post(results: TaskResult[], room: NextTasksRequest | null): Promise<{ results: TaskResultOutcome[]; tasks: ClaimedTask[] }> {
    if (room) {
      try {
        return await this.client.reportResultsTakingNext(results, room);
      } catch (err) {
        if (!(err instanceof ProblemError) || err.status !== 400 || !err.detail.includes('"next"')) throw err;
        this.nextRefused = true;
      }
    }
    return { results: await this.client.reportResults(results), tasks: [] };
  }

  private finish(o: Outgoing, err?: unknown): void {
    try {
      if (err !== undefined) this.onError(err);
    } catch {
      // The caller's hook failing must not stall the results behind this one.
    }
    o.settle();
  }
}

/** The result with the length of its JSON; an output that is not JSON fails the attempt instead. */
function measured(result: TaskResult): { result: TaskResult; size: number } {
  try {
    return { result, size: JSON.stringify(result).length };
  } catch (err) {
    const failed: TaskResult = { token: result.token, ...failureOf(err) };
    return { result: failed, size: JSON.stringify(failed).length };
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

/** No answer, a server-side 5xx or a 429: worth sending again. */
function isTransient(err: unknown): boolean {
  return err instanceof ProblemError ? err.status >= 500 || err.status === 429 : err instanceof NetworkError;
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
