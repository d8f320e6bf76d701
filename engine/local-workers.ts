/**
 * In-process task handlers: the same lease/token protocol as remote workers, without HTTP.
 * Used by `segue run`, by embedding applications, and by the engine itself for `http` steps.
 */
import type { Json } from '../definitions/model.js';
import { randomUUID } from 'node:crypto';
import type { InlineRun, LocalLeases } from './leases.js';
import type { EngineInput } from '../core/model.js';
import type { TaskRecord } from './store/port.js';
import type { Claim, TaskQueue } from './task-queue.js';
import type { TaskContext } from '../protocol/tasks.js';

export type { TaskContext };

/** A task handler: resolve with the output; throw to fail (the error's `name` is the error name). */
export type TaskHandler = (input: Json, ctx: TaskContext) => Promise<Json | undefined> | Json | undefined;

export interface LocalWorkersOptions {
  /** Most handler calls in flight at once. Default 16. */
  concurrency?: number;
  /** Worker name recorded in history. */
  worker?: string;
  /**
   * How long, in ms, a transition waits for the in-process handlers of the tasks it schedules, so
   * that their results are committed with it (one commit for a chain of quick steps). A handler
   * still running then goes on, and reports in a transition of its own. 0: commit first, always.
   * Default 20.
   */
  inlineMs?: number;
  /**
   * Whether an instance started without an id of the caller's may run its first quick steps inline
   * before its creation is written, in the same commit (so the start answers after them, within
   * `inlineMs`). false: the creation is written first, and the start answers at once. Default true.
   */
  inlineStart?: boolean;
  /**
   * How far ahead, in ms of this process's recent handler throughput, tasks are leased to it while
   * every slot is busy: they wait in memory for a slot instead of in the queue, and need no claim.
   * Handlers that finish quickly get a deep backlog, slow ones next to none, so a task leased ahead
   * waits about this long. 0: lease only what a free slot runs at once. Default 100.
   */
  prefetchMs?: number;
}

/**
 * Handler completions are counted for this long, or this many (whichever comes first: quick
 * handlers are measured within milliseconds), before the throughput that sizes the backlog is updated.
 */
const THROUGHPUT_WINDOW_MS = 100;
const THROUGHPUT_WINDOW_COUNT = 256;
/**
 * A task is leased ahead only when its lease (its timeout, or its heartbeat interval) is this many
 * times `prefetchMs` or more: its expected wait for a slot then takes a tenth of the lease at most.
 */
const LEASE_AHEAD_MIN_MULTIPLE = 10;

const ROOM_FREED = new Error('room for a task was freed');

/**
 * Runs handlers for tasks claimed from the queue, and — as the runtime's LocalLeases — for tasks
 * leased to this process when the transition scheduling them is committed (no claim round trip).
 */
export class LocalWorkers implements LocalLeases {
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly concurrency: number;
  private readonly worker: string;
  readonly inlineMs: number;
  readonly inlineStart: boolean;
  private readonly prefetchMs: number;
  /** Handler calls running: at most `concurrency`. */
  private inFlight = 0;
  /** Tasks leased to this process waiting for a slot, first come first served. */
  private readonly backlog: (() => void)[] = [];
  /** Handler completions per ms over the last window, and the window being counted. */
  private throughput = 0;
  private finishedInWindow = 0;
  private windowStart: number;
  /** Tasks of this process's types went to the queue for want of room, and may wait there still. */
  private queuedBehind = false;
  /** The loop waits for a free slot before it looks at the queue, or its last look found none. */
  private waitingForRoom = false;
  /** Leases promised to transitions being committed, counted against the concurrency. */
  private reserved = 0;
  private stopped = true;
  /** Aborted to make the loop look again: on stop, when a handler is registered, and when room frees up. */
  private wake = new AbortController();
  private loop?: Promise<void>;
  private readonly running = new Set<Promise<void>>();

  /** `now` is the engine's clock, in ms: the throughput that sizes the backlog is measured by it. */
  constructor(
    private readonly queue: TaskQueue,
    options: LocalWorkersOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.worker = options.worker ?? 'in-process';
    this.inlineMs = options.inlineMs ?? 20;
    this.inlineStart = options.inlineStart ?? true;
    this.prefetchMs = options.prefetchMs ?? 100;
    this.windowStart = now();
  }

  register(type: string, handler: TaskHandler): void {
    this.handlers.set(type, handler);
    this.wake.abort();
  }

  reserve(task: Pick<TaskRecord, 'type' | 'timeoutMs' | 'heartbeatMs'>): { worker: string; token: string } | null {
    if (this.stopped || !this.handlers.has(task.type)) return null;
    // Beyond the free slots only when no task of ours waits in the queue (it is claimed first),
    // and when the task's lease is long enough to spend a wait for a slot in.
    const leaseMs = Math.min(task.timeoutMs, task.heartbeatMs ?? task.timeoutMs);
    const ahead = this.queuedBehind || leaseMs < LEASE_AHEAD_MIN_MULTIPLE * this.prefetchMs ? 0 : this.prefetch();
    if (this.taken() >= this.concurrency + ahead) {
      this.queuedBehind = true;
      return null;
    }
    this.reserved += 1;
    return { worker: this.worker, token: randomUUID() };
  }

  release(count: number): void {
    this.reserved -= count;
    this.wakeLoop();
  }

  runLeased(task: TaskRecord): void {
    this.reserved -= 1;
    this.track(this.execute(task));
  }

  runInline(task: TaskRecord): InlineRun {
    this.reserved -= 1;
    let detached = false;
    let settled: EngineInput | undefined;
    // Only tasks of steps without a heartbeat run inline, and for them a heartbeat extends nothing.
    const result = this.outcome(task, () => Promise.resolve()).then((input) => {
      settled = input;
      if (detached) void this.report(task, input);
      return input;
    });
    this.track(result.then(() => undefined));
    return {
      result,
      detach: () => {
        detached = true;
        if (settled) void this.report(task, settled);
      },
    };
  }

  /** Slots running or promised, and tasks waiting for one. */
  private taken(): number {
    return this.inFlight + this.reserved + this.backlog.length;
  }

  /** Slots neither running, promised nor owed to a task leased ahead. */
  private free(): number {
    return this.concurrency - this.taken();
  }

  /** How many tasks this process expects to start within `prefetchMs` beyond its slots. */
  private prefetch(): number {
    return Math.floor(this.throughput * this.prefetchMs);
  }

  /** Resolves once a handler slot is this caller's: at once when one is free, else in backlog order. */
  private slot(): Promise<void> {
    if (this.inFlight < this.concurrency) {
      // Idle until now: the throughput is measured from this start, not across the idle time.
      if (this.inFlight === 0 && this.finishedInWindow === 0) this.windowStart = this.now();
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.backlog.push(resolve));
  }

  /** A handler finished: its slot goes to the oldest task waiting for one, or is free. */
  private freeSlot(): void {
    this.finishedInWindow += 1;
    const now = this.now();
    const elapsed = now - this.windowStart;
    // A wall clock set back starts a new window, measured from then.
    if (elapsed >= THROUGHPUT_WINDOW_MS || (elapsed > 0 && this.finishedInWindow >= THROUGHPUT_WINDOW_COUNT) || elapsed < 0) {
      if (elapsed > 0) this.throughput = this.finishedInWindow / elapsed;
      this.finishedInWindow = 0;
      this.windowStart = now;
    }
    const next = this.backlog.shift();
    if (next) next();
    else this.inFlight -= 1;
  }

  get types(): string[] {
    return [...this.handlers.keys()];
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops taking tasks and waits for the handlers in flight, and for those of the tasks leased ahead. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
    await Promise.allSettled([...this.running]);
  }

  /** Claims and runs what is queued now, once; resolves when those handlers finished. For tests. */
  async runOnce(): Promise<number> {
    const tasks = await this.queue.claim({ queues: this.types, worker: this.worker, max: this.concurrency, waitMs: 0 });
    await Promise.all(tasks.map((t) => this.execute(t)));
    return tasks.length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.wake = new AbortController();
      const signal = this.wake.signal;
      if (this.free() <= 0) {
        this.waitingForRoom = true;
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        this.waitingForRoom = false;
        continue;
      }
      if (this.handlers.size === 0) {
        await this.queue.enqueued([], 60_000, signal);
        continue;
      }
      // Handlers finishing together free their slots in one turn: one claim takes them all,
      // rather than a claim (and a write) per freed slot.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped) break;
      // What is free is asked at each look: leases taken meanwhile at task creation count too.
      // Claimed tasks start at once: a lease taken by a claim is not spent waiting for a slot.
      // A look with no room leaves the loop waiting for room too: a task may have reached the
      // queue since (one this process could not take when its transition was decided).
      let asked = 0;
      const free = (): number => {
        asked = Math.max(0, this.free());
        this.waitingForRoom = asked === 0;
        return asked;
      };
      // A store error here is passing (the database is busy or restarting): poll again.
      const tasks = await this.queue.claim({ queues: this.types, worker: this.worker, waitMs: 30_000 }, signal, free).catch(() => null);
      this.waitingForRoom = false;
      if (tasks === null) continue;
      // Fewer than there were slots for: nothing of ours is left in the queue.
      if (tasks.length < asked) this.queuedBehind = false;
      for (const claim of tasks) this.track(this.execute(claim));
    }
  }

  /**
   * There is room: the loop looks at the queue now rather than at its next recheck — when it was
   * waiting for room, or when tasks of ours went to the queue for want of it. Otherwise the queue
   * holds nothing this process put there, and a look would cost a store read for nothing: a task
   * enqueued here wakes the loop's poll itself, and one enqueued by another process is found at the
   * next recheck, as it would be without room freed.
   */
  private wakeLoop(): void {
    if (!this.waitingForRoom && !this.queuedBehind) return;
    // A reason of our own: without one, each abort builds a DOMException, with its stack.
    if (!this.wake.signal.aborted) this.wake.abort(ROOM_FREED);
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async execute(given: Claim | TaskRecord): Promise<void> {
    const task = 'claimed' in given ? given.task : given;
    return this.report(task, await this.outcome(given, () => this.queue.heartbeat(task.token!)));
  }

  /** Reports a task's result (one run inline is reported so when it was not folded into its transition). */
  private report(task: TaskRecord, input: EngineInput): Promise<void> {
    // A refused result (a stale attempt) needs nothing more; one the store could not take is
    // retried by the engine when the lease expires.
    return this.queue.settle(task, input).catch(() => undefined);
  }

  /** Runs the handler of a leased task (given as claimed, or as leased, its secrets still to reveal): its result as an engine input. */
  private async outcome(given: Claim | TaskRecord, heartbeat: () => Promise<unknown>): Promise<EngineInput> {
    const task = 'claimed' in given ? given.task : given;
    const revealed = 'claimed' in given ? given.claimed : this.queue.reveal(task);
    if (!('input' in revealed)) return this.queue.failure(task, revealed);
    // Handlers are never unregistered, and only tasks of registered types are taken.
    const handler = this.handlers.get(task.type)!;
    await this.slot();
    try {
      // Leased ahead, it waited out its lease: the attempt timed out, as the lease sweep would find.
      if (this.queue.leaseEnded(task)) return this.queue.timedOut(task);
      const ctx: TaskContext = {
        attempt: task.attempt,
        instanceId: task.instanceId,
        step: task.step,
        type: task.type,
        heartbeat: async () => void (await heartbeat()),
      };
      try {
        return this.queue.completion(task, (await handler(revealed.input, ctx)) ?? null);
      } catch (err) {
        const e = err as { name?: string; message?: string; retryable?: boolean };
        const report = { error: e.name && e.name !== 'Error' ? e.name : 'Error', message: e.message ?? String(err) };
        return this.queue.failure(task, e.retryable === false ? { ...report, retryable: false } : report);
      }
    } finally {
      this.freeSlot();
      this.wakeLoop();
    }
  }
}
