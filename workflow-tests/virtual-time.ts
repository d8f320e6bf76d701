/**
 * Runs one instance to its end on a virtual clock. The driver is the worker of every task: it
 * claims each task as a remote worker would (so no in-process handler runs, and no HTTP call is
 * made) and answers it from the mocks; the task of a step that waits for a callback it completes
 * at once, and answers with the step's task token instead. Whatever is due now happens; when nothing else can, the
 * clock jumps to the next thing due — a timer, a timeout, a mocked answer, an event — so days of
 * waits and backoffs take milliseconds.
 */
import type { ManualClock } from '../engine/clock.js';
import type { Engine } from '../engine/engine.js';
import { SegueError } from '../engine/errors.js';
import type { TaskRecord } from '../engine/store/port.js';
import type { Claim } from '../engine/task-queue.js';
import { TERMINAL_STATUSES } from '../engine/store/port.js';
import type { Json } from '../definitions/model.js';
import { callbackOfTask } from '../core/callbacks.js';
import { MockError, type Call, type Reply, type TaskAnswers } from './mocks.js';
import type { WorkflowSet } from './workflows.js';
import type { InstanceView } from '../protocol/instances.js';

/** The worker name the tasks of a test show in their history. */
export const TEST_WORKER = 'segue-test';

/** Moves of the driver (each look at what is due, each jump of the clock) a case may take. */
export const MAX_MOVES = 20_000;

export interface PlannedEvent {
  /** Index in the case's `events` list. */
  index: number;
  event: string;
  payload: Json;
  key?: string;
  /** Epoch ms it is raised at; absent: as soon as the instance waits for it. */
  atMs?: number;
}

/** How a case's run ended. */
export type Ending =
  | { kind: 'finished' }
  | { kind: 'stuck' }
  | { kind: 'stopped' }
  | { kind: 'unmocked'; call: Call }
  | { kind: 'mockFailed'; error: MockError }
  | { kind: 'busy'; moves: number };

export interface DriveResult {
  ending: Ending;
  /** Indexes of the events raised, in the order they were. */
  raised: number[];
  /** Indexes of the events raised that no instance took: no wait with their key, or the instance had ended. */
  lost: number[];
}

interface Outstanding {
  task: TaskRecord;
  token: string;
  /** When the lease ends unless a heartbeat extends it. */
  leaseEndsAt: number;
  /** The reply and when it is due; absent when the worker never answers. */
  reply?: Exclude<Reply, { kind: 'noAnswer' }>;
  dueAt?: number;
}

/** A mocked answer to send back with the task token of a step that waits for a callback. */
interface OutstandingCallback {
  token: string;
  reply: Exclude<Reply, { kind: 'noAnswer' }>;
  dueAt: number;
  /** A step with a heartbeat gets one every half of its interval while the answer is on its way. */
  heartbeatMs?: number;
  beatAt?: number;
}

export interface DriveOptions {
  engine: Engine;
  clock: ManualClock;
  instanceId: string;
  workflows: WorkflowSet;
  mocks: TaskAnswers;
  events: PlannedEvent[];
  /** Epoch ms at which the case stops even if the instance has not finished. */
  stopAtMs?: number;
  /** Default MAX_MOVES. */
  maxMoves?: number;
}

export class VirtualTimeDriver {
  private readonly outstanding: Outstanding[] = [];
  private readonly callbacks: OutstandingCallback[] = [];
  private readonly raised: number[] = [];
  private readonly lost: number[] = [];
  private readonly workflowOf = new Map<string, string>();
  private moves = 0;
  private readonly maxMoves: number;

  constructor(private readonly o: DriveOptions) {
    this.maxMoves = o.maxMoves ?? MAX_MOVES;
  }

  async run(): Promise<DriveResult> {
    const end = (ending: Ending): DriveResult => ({ ending, raised: this.raised, lost: this.lost });
    while (this.moves < this.maxMoves) {
      const stop = await this.settle();
      if (stop) return end(stop);
      if (TERMINAL_STATUSES.has((await this.view()).status)) return end({ kind: 'finished' });
      if (await this.raiseAwaited()) continue;
      const next = await this.nextDue();
      if (next === undefined) return end({ kind: 'stuck' });
      if (this.o.stopAtMs !== undefined && next > this.o.stopAtMs) {
        this.o.clock.set(Math.max(this.o.clock.now(), this.o.stopAtMs));
        return end({ kind: 'stopped' });
      }
      // Something due now that did not happen would spin the loop: time always moves on.
      this.o.clock.set(Math.max(next, this.o.clock.now() + 1));
    }
    return end({ kind: 'busy', moves: this.maxMoves });
  }

  view(): Promise<InstanceView> {
    return this.o.engine.getInstance(this.o.instanceId);
  }

  /**
   * Everything due at the current time, until nothing more is: heartbeats of slow answers, then
   * timers and expired leases (at the same time, a timeout comes before an answer), then answers,
   * timed events, and the tasks created meanwhile.
   */
  private async settle(): Promise<Ending | undefined> {
    for (;;) {
      if ((this.moves += 1) > this.maxMoves) return { kind: 'busy', moves: this.maxMoves };
      let moved = await this.heartbeat();
      moved += await this.o.engine.timers.tick();
      moved += await this.answerDue();
      moved += await this.raiseTimed();
      const claimed = await this.claim();
      if (typeof claimed !== 'number') return claimed;
      if (moved + claimed === 0) return undefined;
    }
  }

  /**
   * A worker that is slow to answer a step with a heartbeat keeps its lease alive, as a live one
   * does; so does whoever holds the task token of a step that waits for a callback.
   */
  private async heartbeat(): Promise<number> {
    let beats = 0;
    const now = this.o.clock.now();
    for (const c of this.callbacks) {
      if (c.beatAt === undefined || c.beatAt > now) continue;
      await this.o.engine.taskTokens.heartbeat(c.token).catch(ignoreStale);
      c.beatAt = now + c.heartbeatMs! / 2;
      beats += 1;
    }
    for (const o of this.outstanding) {
      if (o.reply === undefined || o.task.heartbeatMs === null || o.leaseEndsAt > now) continue;
      const lease = await this.o.engine.tasks.heartbeat(o.token).catch(ignoreStale);
      if (lease) {
        const extended = Date.parse(lease.deadline);
        if (extended > o.leaseEndsAt) beats += 1;
        o.leaseEndsAt = extended;
      }
    }
    return beats;
  }

  private async answerDue(): Promise<number> {
    const now = this.o.clock.now();
    const due = this.outstanding.filter((o) => o.dueAt !== undefined && o.dueAt <= now).sort((a, b) => a.dueAt! - b.dueAt!);
    for (const o of due) {
      this.outstanding.splice(this.outstanding.indexOf(o), 1);
      await this.send(o.token, o.reply!);
    }
    const callbacks = this.callbacks.filter((c) => c.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    for (const c of callbacks) {
      this.callbacks.splice(this.callbacks.indexOf(c), 1);
      await this.sendCallback(c.token, c.reply);
    }
    return due.length + callbacks.length;
  }

  /** A mocked answer sent back with a step's task token; one that comes too late (the step timed out) is refused, as it would be. */
  private async sendCallback(token: string, reply: Exclude<Reply, { kind: 'noAnswer' }>): Promise<void> {
    const tokens = this.o.engine.taskTokens;
    const done = reply.kind === 'output' ? tokens.succeed(token, reply.output) : tokens.fail(token, { error: reply.error, cause: reply.message });
    await done.catch((err: unknown) => {
      if (!(err instanceof SegueError) || (err.code !== 'STALE_TOKEN' && err.code !== 'LIMIT_EXCEEDED')) throw err;
    });
  }

  private async send(token: string, reply: Exclude<Reply, { kind: 'noAnswer' }>): Promise<void> {
    const tasks = this.o.engine.tasks;
    // A late answer (the attempt timed out, or was cancelled) is refused, as it is for any worker;
    // an output over the size limit fails the step, which the instance shows.
    const done =
      reply.kind === 'output'
        ? tasks.complete(token, reply.output)
        : tasks.fail(token, { error: reply.error, message: reply.message, ...(reply.retryable === undefined ? {} : { retryable: reply.retryable }) });
    await done.catch((err: unknown) => {
      if (!(err instanceof SegueError) || (err.code !== 'STALE_TOKEN' && err.code !== 'LIMIT_EXCEEDED')) throw err;
    });
  }

  /** Claims every task queued and answers it, now or later. */
  private async claim(): Promise<number | Ending> {
    const queued = await this.o.engine.store.countQueued();
    const queues = Object.keys(queued).filter((q) => (queued[q] ?? 0) > 0);
    if (queues.length === 0) return 0;
    const claims = await this.inCreationOrder(await this.o.engine.tasks.claim({ queues, worker: TEST_WORKER, max: 1_000, waitMs: 0 }));
    for (const { task, claimed } of claims) {
      const call: Call = {
        workflow: await this.workflow(task.instanceId),
        step: task.step,
        type: task.type,
        compensation: await this.isCompensation(task),
        input: claimed.input,
        attempt: task.attempt,
      };
      const mock = this.o.mocks.find(call);
      let reply: Reply | undefined;
      try {
        reply = await mock?.reply(call);
      } catch (err) {
        if (err instanceof MockError) return { kind: 'mockFailed', error: err };
        throw err;
      }
      if (reply === undefined) return { kind: 'unmocked', call };
      const now = this.o.clock.now();
      const callback = callbackOfTask((await this.o.engine.store.getInstance(task.instanceId))?.state.frames ?? {}, task.id);
      if (callback !== undefined) {
        // The worker's part is to hand the token on; the mocked answer is what comes back with it.
        await this.send(claimed.token, { kind: 'output', output: null, afterMs: 0 });
        if (reply.kind === 'noAnswer') continue;
        if (reply.afterMs === 0) {
          await this.sendCallback(callback.token, reply);
          continue;
        }
        const beats = callback.heartbeatMs === undefined ? {} : { heartbeatMs: callback.heartbeatMs, beatAt: now + callback.heartbeatMs / 2 };
        this.callbacks.push({ token: callback.token, reply, dueAt: now + reply.afterMs, ...beats });
        continue;
      }
      const o: Outstanding = { task, token: claimed.token, leaseEndsAt: task.leaseExpiresAt ?? now };
      if (reply.kind === 'noAnswer') this.outstanding.push(o);
      else if (reply.afterMs > 0) this.outstanding.push({ ...o, reply, dueAt: now + reply.afterMs });
      else await this.send(claimed.token, reply);
    }
    return claims.length;
  }

  /**
   * The order the tasks were scheduled in, as the history tells (the items of a map in turn):
   * mocks give their answers in the order of calls, so that order must be one a reader can tell.
   */
  private async inCreationOrder(claims: Claim[]): Promise<Claim[]> {
    const scheduled = new Map<string, number>();
    const read = new Set<string>();
    for (const { task } of claims) {
      const run = `${task.instanceId}:${task.run}`;
      if (read.has(run)) continue;
      read.add(run);
      for (const e of await this.o.engine.store.readHistory(task.instanceId, task.run)) {
        const taskId = (e.details as { taskId?: string } | undefined)?.taskId;
        if (taskId !== undefined && (e.type === 'TaskScheduled' || e.type === 'CompensationStarted')) scheduled.set(taskId, e.seq);
      }
    }
    const order = (c: Claim): [string, number] => [c.task.instanceId, scheduled.get(c.task.id) ?? 0];
    return claims.sort((a, b) => {
      const [ai, as] = order(a);
      const [bi, bs] = order(b);
      return a.task.createdAt - b.task.createdAt || (ai === bi ? as - bs : ai < bi ? -1 : 1);
    });
  }

  private async workflow(instanceId: string): Promise<string> {
    let name = this.workflowOf.get(instanceId);
    if (name === undefined) {
      name = (await this.o.engine.getInstance(instanceId)).workflow;
      this.workflowOf.set(instanceId, name);
    }
    return name;
  }

  /**
   * Whether a task undoes its step rather than being the step's own work. The plan tells when the
   * two run different task types; when they run the same one, the history says which was started.
   */
  private async isCompensation(task: TaskRecord): Promise<boolean> {
    const plan = this.o.workflows.byName.get(await this.workflow(task.instanceId))?.plan;
    let own = false;
    let undo = false;
    for (const scope of plan?.scopes.values() ?? []) {
      const step = scope.byName.get(task.step);
      if (!step) continue;
      if (step.type === 'task') own ||= step.task === task.type;
      if (step.type === 'http') own ||= task.type === '$http';
      if ('compensate' in step && step.compensate) undo ||= (step.compensate.kind === 'task' ? step.compensate.task : '$http') === task.type;
    }
    if (own !== undo) return undo;
    const history = await this.o.engine.store.readHistory(task.instanceId, task.run);
    return history.some((e) => e.type === 'CompensationStarted' && (e.details as { taskId?: string } | undefined)?.taskId === task.id);
  }

  /** Raises the events whose time has come. */
  private async raiseTimed(): Promise<number> {
    const now = this.o.clock.now();
    const due = this.o.events.filter((e) => e.atMs !== undefined && e.atMs <= now && !this.raised.includes(e.index));
    for (const e of due) await this.raise(e);
    return due.length;
  }

  /**
   * Raises the first event meant for when the instance waits for it, if one waits now. Events
   * of the same name (and key) go in the order of the list.
   */
  private async raiseAwaited(): Promise<boolean> {
    const seen = new Set<string>();
    for (const e of this.o.events) {
      if (e.atMs !== undefined || this.raised.includes(e.index)) continue;
      const name = `${e.event}\u0000${e.key ?? ''}`;
      if (seen.has(name)) continue;
      seen.add(name);
      if (!(await this.awaited(e))) continue;
      await this.raise(e);
      return true;
    }
    return false;
  }

  private async awaited(e: PlannedEvent): Promise<boolean> {
    if (e.key !== undefined) return (await this.o.engine.store.findWaiting(e.event, e.key)).length > 0;
    return (await this.view()).current.some((c) => c.waiting === 'event' && c.event === e.event);
  }

  private async raise(e: PlannedEvent): Promise<void> {
    this.raised.push(e.index);
    const engine = this.o.engine;
    if (e.key !== undefined) {
      if ((await engine.deliverEvent(e.event, e.key, e.payload)).delivered === 0) this.lost.push(e.index);
      return;
    }
    // An instance that has finished takes no more events: the event is lost, as it would be.
    await engine.raiseEvent(this.o.instanceId, e.event, e.payload).catch((err: unknown) => {
      if (!(err instanceof SegueError) || err.code !== 'INVALID_STATE') throw err;
      this.lost.push(e.index);
    });
  }

  /** The earliest time something is due: a timer, a lease running out, an answer, a timed event. */
  private async nextDue(): Promise<number | undefined> {
    await this.forgetEnded();
    const times: number[] = [];
    const timer = await this.o.engine.store.nextTimerDue();
    if (timer !== null) times.push(timer);
    for (const o of this.outstanding) times.push(o.leaseEndsAt, ...(o.dueAt === undefined ? [] : [o.dueAt]));
    for (const c of this.callbacks) times.push(c.dueAt, ...(c.beatAt === undefined ? [] : [c.beatAt]));
    for (const e of this.o.events) if (e.atMs !== undefined && !this.raised.includes(e.index)) times.push(e.atMs);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Tasks whose attempt ended without our answer (timed out, cancelled): nothing is due for them. */
  private async forgetEnded(): Promise<void> {
    for (const o of [...this.outstanding]) {
      if ((await this.o.engine.store.getTaskByToken(o.token)) === null) this.outstanding.splice(this.outstanding.indexOf(o), 1);
    }
  }
}

function ignoreStale(err: unknown): undefined {
  if (err instanceof SegueError && err.code === 'STALE_TOKEN') return undefined;
  throw err;
}
