/**
 * The durable task queue as workers see it: claim with a lease, complete, fail, heartbeat. Remote
 * workers reach it over HTTP (POST /v1/tasks/poll); in-process handlers use it directly.
 */
import { randomUUID } from 'node:crypto';
import type { Json } from '../definitions/model.js';
import { SegueError } from './errors.js';
import type { EagerLeases } from './leases.js';
import type { InputPort } from './inputs.js';
import type { EngineInput, ErrorInfo } from '../core/model.js';
import type { TaskRecord } from './store/port.js';
import { concealSecrets, concealText, loadSecrets, revealSecrets, type Secrets } from './secrets.js';
import { checkPayload, DEFAULT_LIMITS, type Limits } from './limits.js';
import { WorkerSightings } from './worker-sightings.js';
import type { ClaimedTask, FailureReport, NextTasksRequest, PollRequest } from '../protocol/tasks.js';

/** A claimed task: the lease as stored, and what its worker receives. */
export interface Claim {
  task: TaskRecord;
  claimed: ClaimedTask;
}

/** How a refusal of a result too large to keep ends: the worker learns that the attempt failed. */
export const ATTEMPT_FAILED = 'the attempt failed with LimitExceeded';

/** How often a waiting poll looks at the store for tasks other processes enqueued. */
const STORE_RECHECK_MS = 1_000;

/** A poll waiting for tasks on its queues; `wake` is set while it waits. */
interface ArrivalListener {
  queues: string[];
  /** The queue of the task that woke it, once one did. */
  arrivedOn: string | null;
  wake?: () => void;
}

export class TaskQueue {
  /** In the order they started listening. */
  private readonly listeners = new Set<ArrivalListener>();
  /** Who polled which queue, and when: every look at the store counts, and asking for next tasks with results. */
  readonly sightings = new WorkerSightings();

  constructor(
    private readonly runtime: InputPort,
    private readonly secrets: Secrets = loadSecrets(),
    private readonly limits: Pick<Limits, 'maxPayloadBytes'> = DEFAULT_LIMITS,
  ) {
    runtime.notifier.on('tasks', (queue: string) => this.enqueuedOn(queue));
  }

  /** Claims up to `max` tasks, waiting up to `waitMs` for one to be enqueued (no busy loop). */
  async poll(req: PollRequest, signal?: AbortSignal): Promise<ClaimedTask[]> {
    return (await this.claim(req, signal)).map((c) => c.claimed);
  }

  /**
   * As poll, keeping the leased task with what the worker gets (in-process workers report on it
   * directly). `capacity`, when given, replaces `max` and is asked again at every look at the
   * store, since what a worker can take changes while it waits.
   */
  async claim(req: PollRequest, signal?: AbortSignal, capacity?: () => number): Promise<Claim[]> {
    const deadline = this.runtime.now() + (req.waitMs ?? 0);
    const worker = req.worker ?? `worker-${randomUUID().slice(0, 8)}`;
    for (;;) {
      // Listen before claiming: a task enqueued while the claim is in flight must wake this poll,
      // not wait for the next look at the store.
      const arrival = this.arrival(req.queues);
      // A poll without a name gets a fresh one per call, which would crowd out the named workers.
      this.sightings.saw(req.worker ?? 'unnamed', req.queues, this.runtime.now());
      const max = capacity ? capacity() : (req.max ?? 1);
      const tasks = max > 0 ? await this.runtime.store.claimTasks({ queues: req.queues, worker, max, now: this.runtime.now() }) : [];
      const claimed = await this.withSecrets(tasks);
      const remaining = deadline - this.runtime.now();
      if (claimed.length > 0 || remaining <= 0 || signal?.aborted) {
        arrival.cancel();
        return claimed;
      }
      await arrival.wait(Math.min(remaining, STORE_RECHECK_MS), signal);
    }
  }

  /**
   * Starts listening for tasks enqueued in this process on `queues`; `wait` returns at once if one
   * came. Each task enqueued wakes one listener, the longest waiting: several polls on one queue
   * do not all rush to claim one task (and all but one find nothing, each with a write).
   */
  private arrival(queues: string[]): { wait(ms: number, signal?: AbortSignal): Promise<void>; cancel(): void } {
    const listener: ArrivalListener = { queues, arrivedOn: null };
    this.listeners.add(listener);
    return {
      // The poll is answering without looking again: a task that woke it goes to the next listener.
      cancel: () => {
        this.listeners.delete(listener);
        if (listener.arrivedOn !== null) this.enqueuedOn(listener.arrivedOn);
      },
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            this.listeners.delete(listener);
            resolve();
          };
          const timer = setTimeout(done, listener.arrivedOn !== null ? 0 : ms);
          listener.wake = done;
          signal?.addEventListener('abort', done);
        }),
    };
  }

  /** A task was enqueued on `queue`: the first listener for it not yet woken is. */
  private enqueuedOn(queue: string): void {
    for (const listener of this.listeners) {
      if (listener.arrivedOn !== null || !listener.queues.includes(queue)) continue;
      listener.arrivedOn = queue;
      listener.wake?.();
      return;
    }
  }

  /** Resolves when a task for one of `queues` is enqueued in this process, after `ms`, or on abort. */
  enqueued(queues: string[], ms: number, signal?: AbortSignal): Promise<void> {
    return this.arrival(queues).wait(ms, signal);
  }

  /** What workers get: the task with its `$secret` placeholders filled in. A missing secret fails the task. */
  private async withSecrets(tasks: TaskRecord[]): Promise<Claim[]> {
    const claimed: Claim[] = [];
    for (const task of tasks) {
      const revealed = this.reveal(task);
      if ('input' in revealed) claimed.push({ task, claimed: { ...toClaimed(task), input: revealed.input } });
      else await this.settle(task, this.failure(task, revealed)).catch(ignoreMissing);
    }
    return claimed;
  }

  /** The task's input as its worker gets it, or why it cannot be handed over (a secret is missing). */
  reveal(task: TaskRecord): { input: Json } | FailureReport {
    try {
      return { input: revealSecrets(task.input, this.secrets) };
    } catch (err) {
      if (!(err instanceof SegueError) || err.code !== 'SECRET_MISSING') throw err;
      return { error: 'SecretMissing', message: err.message, retryable: false };
    }
  }

  /**
   * Completes the attempt holding `token`; an output too large to keep fails it, and the worker is
   * told. Tasks the result schedules go to `next` when it has room (see nextTasks).
   */
  async complete(token: string, output: Json, next?: NextTasks): Promise<void> {
    const task = await this.leased(token);
    const input = this.completion(task, output);
    await this.settle(task, input, next);
    if (input.type === 'taskFailed' && input.error.error === 'LimitExceeded') throw new SegueError('LIMIT_EXCEEDED', `${input.error.message}; ${ATTEMPT_FAILED}`);
  }

  async fail(token: string, report: FailureReport, next?: NextTasks): Promise<void> {
    const task = await this.leased(token);
    return this.settle(task, this.failure(task, report), next);
  }

  /**
   * Where a remote worker reporting results collects the tasks those results schedule on its
   * queues: leased to it in the commits that apply them, so that it needs no poll (and the store no
   * claim) to go on. Pass it to complete and fail, then hand it over.
   */
  nextTasks(req: NextTasksRequest): NextTasks {
    this.sightings.saw(req.worker, req.queues, this.runtime.now());
    return new NextTasks(req);
  }

  /** The tasks leased to `next`, as their worker gets them (a task whose secret is missing fails instead). */
  async handOver(next: NextTasks): Promise<ClaimedTask[]> {
    return (await this.withSecrets(next.delivered)).map((c) => c.claimed);
  }

  /** What a worker's output means to the engine: the task completed, or failed when the output is too large. */
  completion(task: TaskRecord, output: Json): Extract<EngineInput, { type: 'taskCompleted' | 'taskFailed' }> {
    try {
      checkPayload(`the output of task "${task.type}"`, output, this.limits);
    } catch (err) {
      return this.failure(task, { error: 'LimitExceeded', message: (err as Error).message, retryable: false });
    }
    return { type: 'taskCompleted', taskId: task.id, output: concealSecrets(output, this.secrets), ...attribution(task) };
  }

  /** What a worker's failure report means to the engine, with any secret in its message concealed. */
  failure(task: TaskRecord, report: FailureReport): Extract<EngineInput, { type: 'taskFailed' }> {
    const error: ErrorInfo = { error: report.error, message: concealText(report.message ?? '', this.secrets) };
    if (report.retryable === false) error.retryable = false;
    return { type: 'taskFailed', taskId: task.id, error, ...attribution(task) };
  }

  /** Applies the result of a task's attempt; STALE_TOKEN when nothing waits for that attempt any more. */
  async settle(task: TaskRecord, input: EngineInput, next?: NextTasks): Promise<void> {
    const result = await this.runtime.apply(task.instanceId, input, { taskId: task.id }, next);
    if (result.outcome.kind === 'stale') throw staleToken(result.outcome.reason);
  }

  /** Extends the lease by the task's heartbeat interval (its timeout when it has none). */
  async heartbeat(token: string): Promise<{ deadline: string }> {
    const task = await this.leased(token);
    const now = this.runtime.now();
    const attemptEnds = (task.leasedAt ?? now) + task.timeoutMs;
    const until = Math.min(attemptEnds, now + (task.heartbeatMs ?? task.timeoutMs));
    if (!(await this.runtime.store.extendLease(token, until))) throw staleToken('the lease was lost');
    return { deadline: new Date(until).toISOString() };
  }

  /** True once the task's lease has run out (its attempt is timed out, or about to be). */
  leaseEnded(task: TaskRecord): boolean {
    return task.leaseExpiresAt !== null && task.leaseExpiresAt <= this.runtime.now();
  }

  /** What a lease that ran out means to the engine: the attempt timed out, by its heartbeat or its timeout. */
  timedOut(task: TaskRecord): Extract<EngineInput, { type: 'taskTimedOut' }> {
    const heartbeat = task.heartbeatMs !== null && task.leaseExpiresAt! < (task.leasedAt ?? 0) + task.timeoutMs;
    return { type: 'taskTimedOut', taskId: task.id, heartbeat };
  }

  /**
   * Times out attempts whose lease expired: each goes through its step's retry policy. The sweep
   * claims each lease for `claimMs`, so that one engine times it out; one claimed before (whose
   * timeout was not applied: an engine died on it, or it threw) is marked as delivered again. One
   * that fails does not keep the others waiting: the first error is thrown after them.
   */
  async expireLeases(limit = 100, claimMs = 5_000): Promise<number> {
    const expired = await this.runtime.store.claimExpiredLeases(this.runtime.now(), limit, claimMs);
    const failures = new Failures();
    for (const task of expired) {
      const consumed = (task.sweeps ?? 1) > 1 ? { taskId: task.id, redelivered: true } : { taskId: task.id };
      await this.runtime.apply(task.instanceId, this.timedOut(task), consumed).catch(ignoreMissing).catch(failures.add);
    }
    failures.throwFirst();
    return expired.length;
  }

  private async leased(token: string): Promise<TaskRecord> {
    const task = await this.runtime.store.getTaskByToken(token);
    if (!task) throw staleToken('the token is unknown, or its attempt already ended (completed, failed, timed out or cancelled)');
    return task;
  }
}

/** Room for up to `max` tasks of some queues, filled as the transitions leasing them commit. */
export class NextTasks implements EagerLeases {
  readonly delivered: TaskRecord[] = [];
  private readonly queues: Set<string>;
  private room: number;

  constructor(private readonly req: NextTasksRequest) {
    this.queues = new Set(req.queues);
    this.room = req.max;
  }

  reserve(queue: string): { worker: string; token: string } | null {
    if (this.room <= 0 || !this.queues.has(queue)) return null;
    this.room -= 1;
    return { worker: this.req.worker, token: randomUUID() };
  }

  release(): void {
    this.room += 1;
  }

  deliver(task: TaskRecord): void {
    this.delivered.push(task);
  }
}

function attribution(task: TaskRecord): { worker?: string; startedAt?: number } {
  const a: { worker?: string; startedAt?: number } = {};
  if (task.worker) a.worker = task.worker;
  if (task.leasedAt !== null) a.startedAt = task.leasedAt;
  return a;
}

function staleToken(reason: string): SegueError {
  return new SegueError('STALE_TOKEN', `this task attempt is no longer current: ${reason}`);
}

export function toClaimed(task: TaskRecord): ClaimedTask {
  return {
    token: task.token!,
    type: task.type,
    input: task.input,
    attempt: task.attempt,
    deadline: new Date(task.leaseExpiresAt!).toISOString(),
    instanceId: task.instanceId,
    step: task.step,
  };
}

/** The errors of inputs applied one after another, the first rethrown once all had their turn. */
export class Failures {
  private first: { error: unknown } | undefined;

  readonly add = (error: unknown): void => {
    this.first ??= { error };
  };

  throwFirst(): void {
    if (this.first) throw this.first.error;
  }
}

/** An instance purged while work for it was in flight: nothing left to apply it to. */
export function ignoreMissing(err: unknown): void {
  if (err instanceof SegueError && err.code === 'NOT_FOUND') return;
  throw err;
}
