/**
 * The isolate: where evaluations that outgrow their slice of the engine's thread run again, whole
 * (expressions are pure, so running one again is safe), in child processes under the memory and
 * time limits (expression-processes.ts). The processes are started, fed and ended from a thread of
 * their own (expression-thread.ts), not the engine's: a spawn waits for its child to start, and on
 * a busy machine that wait, like writing and reading the JSON the processes exchange, would hold
 * every instance the engine's thread serves. Here the engine's thread only hands the evaluation to
 * that thread and awaits the outcome, serving other instances meanwhile.
 */
import { Worker } from 'node:worker_threads';
import type { EvaluationFailure, ExpressionIsolate, IsolatedEvaluation } from '../definitions/expression-budget.js';
import type { Json } from '../definitions/model.js';

/** Options of the isolate; every field has a default. */
export interface IsolateOptions {
  /** Heap each process may use, MiB (the expressions' `memoryMb`, default 256). */
  memoryMb: number;
  /** Processes evaluating at once (default 1: the engine's own thread keeps a core). */
  processes: number;
  /** Evaluations that may wait for a free process (default 64); one more fails at once. */
  maxWaiting: number;
}

export const DEFAULT_ISOLATE_OPTIONS: IsolateOptions = { memoryMb: 256, processes: 1, maxWaiting: 64 };

/** What the engine's thread sends the isolate's thread. */
export type ToThread = { kind: 'evaluate'; id: number; request: IsolatedEvaluation } | { kind: 'close' };

/** What the isolate's thread sends back. */
export type FromThread =
  | { kind: 'done'; id: number; ok: true; value: Json | undefined }
  | { kind: 'done'; id: number; ok: false; failure: EvaluationFailure }
  /** The ids of its processes, alive or starting, whenever they change. */
  | { kind: 'processes'; pids: number[] }
  | { kind: 'closed' };

export const stopping = (): EvaluationFailure => ({ message: 'the engine stopped before it was evaluated' });

interface Pending {
  resolve(value: Json | undefined): void;
  reject(failure: EvaluationFailure): void;
}

export class ProcessIsolate implements ExpressionIsolate {
  readonly options: IsolateOptions;
  /** Started when an evaluation first needs it, then kept. */
  private thread: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private processes: number[] = [];
  private closed = false;

  constructor(options: Partial<IsolateOptions> = {}) {
    this.options = { ...DEFAULT_ISOLATE_OPTIONS, ...options };
    for (const [name, value] of Object.entries(this.options)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`isolate option ${name} must be a whole number of 1 or more, got ${value}`);
    }
  }

  evaluate(request: IsolatedEvaluation): Promise<Json | undefined> {
    if (this.closed) return Promise.reject(stopping());
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      const thread = (this.thread ??= this.startThread());
      // While an evaluation is under way, the thread keeps the engine's process alive, as a pending timer would.
      thread.ref();
      thread.postMessage({ kind: 'evaluate', id, request } satisfies ToThread);
    });
  }

  pause(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** The processes' ids (for tests and diagnostics), as the isolate's thread last told them. */
  pids(): number[] {
    return [...this.processes];
  }

  /** Ends every process and the thread; waiting and running evaluations fail. Resolves once all have exited. */
  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    if (!thread) return;
    thread.ref();
    await new Promise<void>((resolve) => {
      thread.once('exit', () => resolve());
      thread.on('message', (m: FromThread) => m.kind === 'closed' && resolve());
      thread.postMessage({ kind: 'close' } satisfies ToThread);
    });
    await thread.terminate();
  }

  private startThread(): Worker {
    const thread = threadOf(this.options);
    thread.on('message', (m: FromThread) => this.receive(m));
    thread.on('error', (err) => this.lost(thread, `the isolate's thread failed (${err.message})`));
    thread.on('exit', (code) => this.lost(thread, `the isolate's thread exited with code ${code}`));
    return thread;
  }

  private receive(m: FromThread): void {
    if (m.kind === 'processes') this.processes = m.pids;
    if (m.kind !== 'done') return;
    const pending = this.pending.get(m.id);
    if (!pending) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.thread?.unref();
    if (m.ok) pending.resolve(m.value);
    else pending.reject(m.failure);
  }

  /** A thread that ended fails what it was evaluating; the next evaluation starts another. */
  private lost(thread: Worker, message: string): void {
    if (this.thread !== thread) return;
    this.thread = undefined;
    this.processes = [];
    const failure = this.closed ? stopping() : { message };
    for (const pending of this.pending.values()) pending.reject(failure);
    this.pending.clear();
  }
}

/**
 * The thread, from the module next to this one: built, the .js; run from source (tests, tsx), the
 * .ts, after registering tsx's loader in the thread (a worker does not take it from `--import`).
 */
function threadOf(options: IsolateOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./expression-thread.js', import.meta.url), { workerData: options });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const module = JSON.stringify(new URL('./expression-thread.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((tsx) => tsx.register()).then(() => import(${module}))`, { eval: true, workerData: options });
}
