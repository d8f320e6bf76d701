/**
 * The isolate: a worker thread where evaluations that outgrow their slice of the engine's thread
 * run again (expressions are pure, so running one again is safe), under a heap limit and the full
 * time limit. A worker past its time is terminated, which stops even a call no check can interrupt
 * (a long regular-expression match); one past its heap dies alone. Either way the evaluation fails
 * with a plain message, and a fresh worker takes the next one. Other instances keep the engine's
 * thread meanwhile: awaiting the worker lets them run.
 *
 * Evaluations are queued to one worker, one at a time: a flood of heavy expressions waits its turn
 * there instead of taking the engine's thread.
 */
import { Worker } from 'node:worker_threads';
import type { EvaluationFailure, ExpressionIsolate, IsolatedEvaluation } from '../definitions/expression-budget.js';
import type { Json } from '../definitions/model.js';

/** Time a worker gets past the evaluation's own limit before it is terminated (its own check comes first). */
const GRACE_MS = 250;

interface Job {
  request: IsolatedEvaluation;
  resolve(value: Json | undefined): void;
  reject(failure: EvaluationFailure): void;
}

type Reply = { ok: true; value: Json | undefined } | { ok: false; failure: EvaluationFailure };

export class WorkerIsolate implements ExpressionIsolate {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private closed = false;
  private workerError: string | undefined;

  evaluate(request: IsolatedEvaluation): Promise<Json | undefined> {
    if (this.closed) return Promise.reject({ message: 'the engine is stopping' } satisfies EvaluationFailure);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.next();
    });
  }

  pause(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Terminates the worker; queued evaluations fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject({ message: 'the engine is stopping' });
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private next(): void {
    if (this.running || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    this.running = job;
    const worker = this.workerFor(job.request.limits.memoryMb);
    let settled = false;
    const finish = (outcome: Reply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      this.running = undefined;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.failure);
      this.next();
    };
    const onMessage = (reply: Reply): void => finish(reply);
    const onExit = (): void => {
      if (this.worker === worker) this.worker = undefined;
      const failure: EvaluationFailure = this.workerError
        ? { message: `the evaluation's worker failed: ${this.workerError}` }
        : { code: 'OutOfMemory', message: `it used more than the ${job.request.limits.memoryMb} MiB of memory an expression may use` };
      this.workerError = undefined;
      finish({ ok: false, failure });
    };
    const timer = setTimeout(() => {
      this.worker = undefined;
      worker.off('exit', onExit);
      void worker.terminate();
      finish({ ok: false, failure: { code: 'D1012', message: `it ran longer than the ${job.request.limits.timeoutMs} ms an expression may take` } });
    }, job.request.limits.timeoutMs + GRACE_MS);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.postMessage(job.request);
  }

  private workerFor(memoryMb: number): Worker {
    if (this.worker && this.worker.resourceLimits?.maxOldGenerationSizeMb === memoryMb) return this.worker;
    void this.worker?.terminate();
    const [script, how] = workerScript();
    const worker = new Worker(script, {
      ...how,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.max(16, Math.floor(memoryMb / 8)) },
    });
    // The worker must not keep the process alive between evaluations.
    worker.unref();
    worker.on('error', (err: Error & { code?: string }) => {
      // Reported before the exit that settles the job: an error other than memory says what it was.
      if (err.code !== 'ERR_WORKER_OUT_OF_MEMORY') this.workerError = err.message;
    });
    this.worker = worker;
    return worker;
  }
}

/**
 * The worker's own file, next to this one: built, the .js; run from source (tests, tsx), the .ts,
 * loaded through tsx, whose loader a worker does not inherit.
 */
function workerScript(): [string | URL, { eval?: boolean }] {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./expression-worker.js', import.meta.url), {}];
  const tsx = import.meta.resolve('tsx/esm/api');
  const file = new URL('./expression-worker.ts', import.meta.url).href;
  return [`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); });`, { eval: true }];
}
