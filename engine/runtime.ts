/**
 * The runtime applies inputs to instances: load, decide, commit atomically (compare-and-swap on
 * the instance's rev, retried on conflict), then tell local listeners what changed. It keeps no
 * instance state between calls, so any number of runtimes can share one store.
 */
import { EventEmitter } from 'node:events';
import type { Json } from '../definitions/model.js';
import type { Clock } from './clock.js';
import { decide, initialState, type DecideResult } from './decide.js';
import { DEFAULT_DECIDE_OPTIONS, type DecideOptions, type Outcome } from './decision.js';
import { SegueError } from './errors.js';
import { copyJson } from './data.js';
import { formatBytes } from './bytes.js';
import type { Limits } from './limits.js';
import type { PlanRegistry } from './plans.js';
import type { EngineInput, ErrorInfo, InstanceState } from './state.js';
import type { InstanceRecord, Store, TaskRecord, TimerRecord, Transition } from './store/port.js';
import { TERMINAL_STATUSES } from './store/port.js';

export interface RuntimeOptions {
  store: Store;
  plans: PlanRegistry;
  clock: Clock;
  random: () => number;
  decide: Omit<DecideOptions, 'now' | 'random'>;
  limits: Pick<Limits, 'maxInstanceDataBytes' | 'maxHistoryPerRun'>;
}

export interface ApplyResult {
  outcome: Outcome;
  record: InstanceRecord;
}

/** What one input consumed, removed in the same commit whatever the outcome. */
export interface Consumed {
  taskId?: string;
  timerId?: string;
}

/** In-process workers taking tasks as the transitions that schedule them are committed. */
export interface LocalLeases {
  /** A lease for a task of `type` this process will run right after the commit, or null (queue it). */
  reserve(type: string): { worker: string; token: string } | null;
  /** The transition was not written: `count` reserved leases are given back. */
  release(count: number): void;
  /** The transition is durable: run the task leased to this process. */
  runLeased(task: TaskRecord): void;
}

/** Local notifications after commits: `tasks` (queue), `timers` (earliest dueAt), `instance` (record, history). */
export class Notifier extends EventEmitter {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}

const MAX_CONFLICT_RETRIES = 100;

export class Runtime {
  readonly notifier = new Notifier();
  /** In-process workers that take tasks as they are scheduled (set by the engine when they run). */
  localLeases?: LocalLeases;
  private readonly records = new RecordCache();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly options: RuntimeOptions) {}

  get store(): Store {
    return this.options.store;
  }

  now(): number {
    return this.options.clock.now();
  }

  decideOptions(now: number): DecideOptions {
    return { ...DEFAULT_DECIDE_OPTIONS, ...this.options.decide, now, random: this.options.random };
  }

  /** Applies `input` to instance `id`. Conflicting commits by other runtimes are retried. */
  async apply(id: string, input: EngineInput, consumed: Consumed = {}): Promise<ApplyResult> {
    return this.exclusively(id, () => this.applyNow(id, input, consumed));
  }

  private async applyNow(id: string, given: EngineInput, consumed: Consumed): Promise<ApplyResult> {
    let input = given;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      // The record this process committed last, if it still has it: decide takes it over.
      const record = this.records.take(id) ?? (await this.options.store.getInstance(id));
      if (!record) throw new SegueError('NOT_FOUND', `instance "${id}" does not exist`);
      const plan = await this.options.plans.get(record.workflow, record.version);
      const now = this.now();
      const result = await decide(plan, record, input, this.decideOptions(now));
      const stateJson = JSON.stringify(result.record.state);
      const excess = input.type === 'abort' ? null : this.overLimit(result.record, stateJson);
      if (excess) {
        // The decision is dropped; what replaces it fails the step or the run instead.
        input = excess.kind === 'history' ? { type: 'abort', error: limitError(excess.message) } : replacementFor(input, excess.message);
        continue;
      }
      const transition = await this.toTransition(result, now);
      if (consumed.taskId) transition.removeTasks.push(consumed.taskId);
      if (consumed.timerId) transition.removeTimers.push(consumed.timerId);
      if (result.outcome.kind === 'stale' && isEmpty(transition)) {
        return { outcome: result.outcome, record };
      }
      // A refused compare-and-swap (another engine moved the instance on) starts over from the store.
      if (await this.committed(transition, () => this.options.store.commitTransition({ ...transition, expectedRev: record.rev, stateJson }))) {
        this.records.keep(transition.record);
        return { outcome: result.outcome, record: transition.record };
      }
    }
    throw new SegueError('CONFLICT', `instance "${id}" kept changing under concurrent updates; try again`);
  }

  /**
   * Runs `work` after every earlier call for the same instance in this process: local inputs to
   * one instance never race each other, so compare-and-swap conflicts come only from other engines.
   */
  private async exclusively<T>(id: string, work: () => Promise<T>): Promise<T> {
    const before = this.queues.get(id);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = before ? before.then(() => mine) : mine;
    this.queues.set(id, tail);
    if (before) await before;
    try {
      return await work();
    } finally {
      done();
      if (this.queues.get(id) === tail) this.queues.delete(id);
    }
  }

  /**
   * Creates an instance. With `startAt` in the future it stays PENDING behind a start timer;
   * otherwise its first steps are decided now and stored with it in one atomic write.
   * Returns null when an instance with that id exists already.
   */
  async create(spec: {
    id: string;
    workflow: string;
    version: number;
    input: Json;
    startAt?: number;
    parentId?: string | null;
    state?: Pick<InstanceState, 'parent' | 'schedule'>;
  }): Promise<InstanceRecord | null> {
    const now = this.now();
    const pending: InstanceRecord = {
      id: spec.id,
      run: 1,
      workflow: spec.workflow,
      version: spec.version,
      status: 'PENDING',
      rev: 0,
      parentId: spec.parentId ?? null,
      createdAt: now,
      updatedAt: now,
      waits: [],
      state: initialState(spec.input, now, spec.state) as unknown as Json,
    };
    let transition: Omit<Transition, 'expectedRev'>;
    if (spec.startAt !== undefined && spec.startAt > now) {
      const timer: TimerRecord = { id: `${spec.id}:start`, instanceId: spec.id, dueAt: spec.startAt, input: { type: 'start' } };
      transition = { ...emptyEffects(), record: { ...pending, rev: 1 }, createTimers: [timer] };
    } else {
      const plan = await this.options.plans.get(spec.workflow, spec.version);
      const started = await decide(plan, pending, { type: 'start' }, this.decideOptions(now));
      const stateJson = JSON.stringify(started.record.state);
      const excess = this.overLimit(started.record, stateJson);
      if (excess) throw new SegueError('LIMIT_EXCEEDED', `the instance could not start: ${excess.message}`);
      transition = { ...(await this.toTransition(started, now)), stateJson };
    }
    if (!(await this.committed(transition, () => this.options.store.createInstance(transition)))) return null;
    this.records.keep(transition.record);
    return transition.record;
  }

  /**
   * Writes `transition` with `write`; once it is durable, announces it and runs the tasks it leased
   * to this process. When it is not written, those leases are given back.
   */
  private async committed(transition: Omit<Transition, 'expectedRev'>, write: () => Promise<boolean>): Promise<boolean> {
    const leased = transition.createTasks.filter((task) => task.status === 'LEASED');
    let written = false;
    try {
      written = await write();
    } finally {
      if (!written && leased.length > 0) this.localLeases?.release(leased.length);
    }
    if (!written) return false;
    this.announce(transition);
    for (const task of leased) this.localLeases!.runLeased(task);
    return true;
  }

  /** Which limit `record` is over, and why, or null. */
  private overLimit(record: InstanceRecord, stateJson: string): { kind: 'history' | 'data'; message: string } | null {
    const { maxInstanceDataBytes, maxHistoryPerRun } = this.options.limits;
    const state = record.state as unknown as InstanceState;
    if (state.seq > maxHistoryPerRun) {
      const message = `the history of run ${record.run} would pass ${maxHistoryPerRun} events; a workflow that loops for long should use a continue step to start a fresh run`;
      return { kind: 'history', message };
    }
    const size = Buffer.byteLength(stateJson);
    if (size > maxInstanceDataBytes) {
      const message = `the instance data would grow to ${formatBytes(size)}, more than the ${formatBytes(maxInstanceDataBytes)} limit; keep large data elsewhere and store a reference`;
      return { kind: 'data', message };
    }
    return null;
  }

  /** Turns decide's commands into the store writes of one transition. */
  private async toTransition(result: DecideResult, now: number): Promise<Transition> {
    const t: Transition = { ...emptyEffects(), record: result.record, expectedRev: result.record.rev - 1, history: result.history };
    const id = result.record.id;
    for (const c of result.commands) {
      switch (c.type) {
        case 'scheduleTask': {
          // A task this process can run at once is written already leased to it: no claim round trip.
          const lease = this.localLeases?.reserve(c.task.type);
          const base = { ...c.task, instanceId: id, run: result.record.run, createdAt: now };
          t.createTasks.push(
            lease
              ? {
                  ...base,
                  // Its own copy: the input may be the frame's data, which later decisions change.
                  input: copyJson(c.task.input),
                  status: 'LEASED',
                  ...lease,
                  leasedAt: now,
                  leaseExpiresAt: now + Math.min(c.task.timeoutMs, c.task.heartbeatMs ?? c.task.timeoutMs),
                }
              : { ...base, status: 'QUEUED', token: null, worker: null, leasedAt: null, leaseExpiresAt: null },
          );
          break;
        }
        case 'removeTask':
          t.removeTasks.push(c.taskId);
          break;
        case 'startTimer':
          t.createTimers.push({ id: c.timerId, instanceId: id, dueAt: c.dueAt, input: c.input as unknown as Json });
          break;
        case 'removeTimer':
          t.removeTimers.push(c.timerId);
          break;
        case 'message':
          t.createTimers.push({ id: c.messageId, instanceId: c.instanceId, dueAt: now, input: c.input as unknown as Json });
          break;
        case 'startChild':
          await this.addChild(t, result.record, c, now);
          break;
      }
    }
    return t;
  }

  /** The child instance is created with the parent's commit and started by a timer due now. */
  private async addChild(
    t: Transition,
    parent: InstanceRecord,
    c: Extract<DecideResult['commands'][number], { type: 'startChild' }>,
    now: number,
  ): Promise<void> {
    let version: number;
    try {
      version = (await this.options.plans.get(c.workflow, c.version)).version;
    } catch (err) {
      if (!(err instanceof SegueError)) throw err;
      const input: EngineInput = { type: 'childFinished', childId: c.childId, status: 'FAILED', error: { error: 'ChildFailed', message: err.message } };
      t.createTimers.push({ id: `${c.childId}:finished`, instanceId: parent.id, dueAt: now, input: input as unknown as Json });
      return;
    }
    t.createInstances.push({
      id: c.childId,
      run: 1,
      workflow: c.workflow,
      version,
      status: 'PENDING',
      rev: 1,
      parentId: parent.id,
      createdAt: now,
      updatedAt: now,
      waits: [],
      state: initialState(c.input, now, { parent: { id: parent.id, childId: c.childId } }) as unknown as Json,
    });
    t.createTimers.push({ id: `${c.childId}:start`, instanceId: c.childId, dueAt: now, input: { type: 'start' } });
  }

  private announce(t: Omit<Transition, 'expectedRev'>): void {
    const n = this.notifier;
    for (const task of t.createTasks) n.emit('tasks', task.queue);
    if (t.createTimers.length > 0) n.emit('timers', Math.min(...t.createTimers.map((x) => x.dueAt)));
    n.emit('instance', t.record, t.history);
    if (TERMINAL_STATUSES.has(t.record.status)) n.emit(`finished:${t.record.id}`, t.record);
  }
}

/**
 * What is applied instead of an input whose decision broke a limit: a result fails its step
 * (which may catch LimitExceeded); an event is refused; anything else ends the run.
 */
function replacementFor(input: EngineInput, reason: string): EngineInput {
  const error = limitError(reason);
  switch (input.type) {
    case 'taskCompleted':
      return { type: 'taskFailed', taskId: input.taskId, error, ...(input.worker ? { worker: input.worker } : {}), ...(input.startedAt !== undefined ? { startedAt: input.startedAt } : {}) };
    case 'childFinished':
      return { type: 'childFinished', childId: input.childId, status: 'FAILED', error };
    case 'event':
      throw new SegueError('LIMIT_EXCEEDED', `event "${input.event}" was refused: ${reason}`);
    default:
      return { type: 'abort', error };
  }
}

function limitError(message: string): ErrorInfo {
  return { error: 'LimitExceeded', message, retryable: false };
}

/**
 * The records this process committed last, by instance, so the next input to an instance need not
 * read back what was just written. A record here is owned by the cache: `take` hands it over (decide
 * changes it in place), and only a committed record comes back. Bounded; the oldest go first.
 */
class RecordCache {
  private readonly records = new Map<string, InstanceRecord>();

  constructor(private readonly capacity = 10_000) {}

  take(id: string): InstanceRecord | undefined {
    const record = this.records.get(id);
    this.records.delete(id);
    return record;
  }

  keep(record: InstanceRecord): void {
    this.records.delete(record.id);
    this.records.set(record.id, record);
    if (this.records.size > this.capacity) this.records.delete(this.records.keys().next().value!);
  }
}

function emptyEffects(): Omit<Transition, 'record' | 'expectedRev'> {
  return { history: [], createTasks: [], removeTasks: [], createTimers: [], removeTimers: [], createInstances: [] };
}

function isEmpty(t: Transition): boolean {
  return (
    t.history.length + t.createTasks.length + t.removeTasks.length + t.createTimers.length + t.removeTimers.length + t.createInstances.length ===
    0
  );
}
