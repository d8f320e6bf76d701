/**
 * The isolate's processes, run from its thread (expression-thread.ts): child processes where
 * evaluations that outgrow their slice of the engine's thread run again, whole, under the memory
 * and time limits. A process is a boundary a thread is not: one that runs out of heap, is killed
 * at the time limit (which stops even a call no check can interrupt, a long regular-expression
 * match) or crashes ends alone, and the evaluation fails with a plain message naming the limit. A
 * fresh process is started at once for the next one.
 *
 * Evaluations wait their turn for a free process, at most `maxWaiting` of them; one more fails at
 * once instead of waiting without bound.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { EvaluationFailure, IsolatedEvaluation } from '../definitions/expression-budget.js';
import type { Json } from '../definitions/model.js';
import type { ChildMessage } from './expression-child.js';
import { stopping, type IsolateOptions } from './expression-isolate.js';

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

export class ProcessPool {
  private readonly waiting: Job[] = [];
  private readonly idle: EvaluatorProcess[] = [];
  /** Every process alive or starting, idle or busy. */
  private readonly all = new Set<EvaluatorProcess>();
  private closed = false;

  /** `onProcesses` hears the processes' ids whenever they change (for tests and diagnostics). */
  constructor(
    private readonly options: IsolateOptions,
    private readonly onProcesses: (pids: number[]) => void,
  ) {}

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
      this.changed();
      const at = this.idle.indexOf(process);
      if (at >= 0) this.idle.splice(at, 1);
      // Kept warm: the next heavy evaluation finds a process started. (One that could not even
      // start is not replaced until an evaluation needs it, so a broken setup does not spin.)
      if (wasReady && !this.closed && this.all.size < this.options.processes) this.idle.push(this.start());
      this.dispatch();
    });
    this.all.add(process);
    this.changed();
    return process;
  }

  private changed(): void {
    this.onProcesses([...this.all].map((p) => p.pid).filter((pid): pid is number => pid !== undefined));
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
    if (outcome.ok) current.job.resolve(outcome.value);
    else current.job.reject(outcome.failure);
    current.settled();
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
