/**
 * The isolate: child processes where evaluations that outgrow their slice of the engine's thread
 * run again, whole (expressions are pure, so running one again is safe), under the memory and time
 * limits. A process is a boundary a worker thread is not: one that runs out of heap, is killed at
 * the time limit (which stops even a call no check can interrupt, a long regular-expression
 * match) or crashes ends alone, and the evaluation fails with a plain message naming the limit. A
 * fresh process is started at once for the next one. Awaiting a process lets the engine's thread
 * serve other instances meanwhile.
 *
 * Only this slow path pays for the process (a spawn the first time, then the data and the result
 * as JSON over its channel). Evaluations wait their turn for a free process, at most `maxWaiting`
 * of them; one more fails at once instead of waiting without bound.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { EvaluationFailure, ExpressionIsolate, IsolatedEvaluation } from '../definitions/expression-budget.js';
import type { Json } from '../definitions/model.js';
import type { ChildMessage } from './expression-child.js';

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

/** Time a process gets past the evaluation's own limit before it is killed (its own check comes first). */
const GRACE_MS = 250;
/** How much lower (in nice steps) the processes run than the engine's own. */
const CHILD_NICENESS = 10;
/** The tail of a process's stderr kept to tell why it died. */
const STDERR_KEPT = 4_096;

interface Job {
  request: IsolatedEvaluation;
  resolve(value: Json | undefined): void;
  reject(failure: EvaluationFailure): void;
}

const stopping = (): EvaluationFailure => ({ message: 'the engine stopped before it was evaluated' });

export class ProcessIsolate implements ExpressionIsolate {
  readonly options: IsolateOptions;
  private readonly waiting: Job[] = [];
  private readonly idle: EvaluatorProcess[] = [];
  /** Every process alive or starting, idle or busy. */
  private readonly all = new Set<EvaluatorProcess>();
  private closed = false;

  constructor(options: Partial<IsolateOptions> = {}) {
    this.options = { ...DEFAULT_ISOLATE_OPTIONS, ...options };
    for (const [name, value] of Object.entries(this.options)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`isolate option ${name} must be a whole number of 1 or more, got ${value}`);
    }
  }

  evaluate(request: IsolatedEvaluation): Promise<Json | undefined> {
    if (this.closed) return Promise.reject(stopping());
    if (this.waiting.length >= this.options.maxWaiting) {
      return Promise.reject({
        code: 'IsolateBusy',
        message: `it needed the isolate, where ${this.options.maxWaiting} other evaluations were already waiting (too many heavy expressions at once)`,
      } satisfies EvaluationFailure);
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  pause(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** The processes' ids (for tests and diagnostics). */
  pids(): number[] {
    return [...this.all].map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Ends every process; waiting and running evaluations fail. Resolves once all have exited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(stopping());
    await Promise.all([...this.all].map((p) => p.kill()));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const process = this.idle.pop() ?? (this.all.size < this.options.processes ? this.start() : undefined);
      if (!process) return;
      const job = this.waiting.shift()!;
      process.run(job).then(() => {
        if (process.usable && !this.closed) this.idle.push(process);
        this.dispatch();
      });
    }
  }

  private start(): EvaluatorProcess {
    const process = new EvaluatorProcess(this.options.memoryMb, (wasReady) => {
      this.all.delete(process);
      const at = this.idle.indexOf(process);
      if (at >= 0) this.idle.splice(at, 1);
      // Kept warm: the next heavy evaluation finds a process started. (One that could not even
      // start is not replaced until an evaluation needs it, so a broken setup does not spin.)
      if (wasReady && !this.closed && this.all.size < this.options.processes) this.idle.push(this.start());
      this.dispatch();
    });
    this.all.add(process);
    return process;
  }
}

/** One child process, evaluating one request at a time. */
class EvaluatorProcess {
  private readonly child: ChildProcess;
  private readonly ready: Promise<boolean>;
  private readonly exited: Promise<void>;
  private stderr = '';
  private current: { job: Job; settled(): void; timer?: NodeJS.Timeout } | undefined;
  private killing = false;
  /** False once the process has exited or is being killed: it takes no more evaluations. */
  usable = true;

  constructor(
    private readonly memoryMb: number,
    onExit: (wasReady: boolean) => void,
  ) {
    const [module, loader] = childModule();
    this.child = fork(module, [], { execArgv: [...loader, `--max-old-space-size=${memoryMb}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    lowerPriority(this.child.pid);
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEPT);
    });
    this.idleRefs();
    let wasReady = false;
    this.ready = new Promise((resolve) => {
      this.child.once('exit', () => resolve(false));
      this.child.on('message', (m: ChildMessage) => {
        if (m.kind === 'ready') resolve((wasReady = true));
        else this.receive(m);
      });
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.usable = false;
        this.settle({ ok: false, failure: this.death(code, signal) });
        resolve();
        onExit(wasReady);
      });
    });
    // A failed spawn or send is followed by the exit that settles the evaluation; keep its reason.
    this.child.on('error', (err) => {
      this.stderr += `\n${err.message}`;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Evaluates `job` here; resolves once it is settled, whatever happens to the process. */
  run(job: Job): Promise<void> {
    return new Promise((settled) => {
      this.current = { job, settled };
      this.holdRefs();
      void this.ready.then((ready) => {
        if (!ready || this.current?.job !== job) return;
        // Counted from the send until the process says it started, then again from there: the
        // time is the evaluation's own, not the spawn's or the transfer's.
        this.arm();
        this.child.send(job.request);
      });
    });
  }

  kill(): Promise<void> {
    this.killing = true;
    this.usable = false;
    this.holdRefs();
    this.child.kill('SIGKILL');
    return this.exited;
  }

  private receive(m: ChildMessage): void {
    if (!this.current) return;
    if (m.kind === 'started') this.arm();
    else if (m.kind === 'done') this.settle(m.ok ? { ok: true, value: m.value } : { ok: false, failure: m.failure });
  }

  private arm(): void {
    const current = this.current!;
    const { timeoutMs } = current.job.request.limits;
    clearTimeout(current.timer);
    current.timer = setTimeout(() => {
      this.usable = false;
      this.settle({ ok: false, failure: { code: 'D1012', message: `it ran longer than the ${timeoutMs} ms an expression may take` } });
      this.child.kill('SIGKILL');
    }, timeoutMs + GRACE_MS);
  }

  private settle(outcome: { ok: true; value: Json | undefined } | { ok: false; failure: EvaluationFailure }): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    clearTimeout(current.timer);
    // One being killed keeps them until it has exited: what waits for the next process waits on it.
    if (this.usable) this.idleRefs();
    if (outcome.ok) current.job.resolve(outcome.value);
    else current.job.reject(outcome.failure);
    current.settled();
  }

  /** While it evaluates or is being ended, the process keeps the engine's process alive, as a pending timer would. */
  private holdRefs(): void {
    this.child.ref();
    (this.child.channel as { ref?(): void } | null | undefined)?.ref?.();
  }

  /** An idle process must not keep the engine's process alive. */
  private idleRefs(): void {
    this.child.unref();
    (this.child.channel as { unref?(): void } | null | undefined)?.unref?.();
    (this.child.stderr as { unref?(): void } | null)?.unref?.();
  }

  /** Why the process ended, as the evaluation it was running reports it. */
  private death(code: number | null, signal: NodeJS.Signals | null): EvaluationFailure {
    if (this.killing) return stopping();
    if (/heap out of memory|Reached heap limit|Allocation failed/i.test(this.stderr)) {
      return { code: 'OutOfMemory', message: `it ran out of the ${this.memoryMb} MiB of memory an expression may use` };
    }
    const how = signal ? `was ended by ${signal}` : `exited with code ${code}`;
    const why = lastLine(this.stderr);
    return { message: `the isolate's process evaluating it ${how}${why ? ` (${why})` : ''}` };
  }
}

/**
 * The engine's thread comes first: on a busy machine, a heavy evaluation takes the CPU the
 * engine's instances leave, not the other way round. (Best effort: a system may refuse.)
 */
function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, Math.min(19, getPriority() + CHILD_NICENESS));
  } catch {
    // Left at the engine's own priority.
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').at(-1)?.trim().slice(0, 200) ?? '';
}

/**
 * The child's module, next to this one: built, the .js; run from source (tests, tsx), the .ts
 * through tsx's loader, which a child process does not inherit.
 */
function childModule(): [string, string[]] {
  if (!import.meta.url.endsWith('.ts')) return [fileURLToPath(new URL('./expression-child.js', import.meta.url)), []];
  return [fileURLToPath(new URL('./expression-child.ts', import.meta.url)), ['--import', import.meta.resolve('tsx')]];
}
