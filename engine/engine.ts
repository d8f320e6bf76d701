/**
 * The engine as an embedding application (and the API server, and the CLI) uses it: register
 * definitions and handlers, start instances, raise events, operate on them, await results.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Json, Plan } from '../definitions/model.js';
import { isTime } from '../definitions/duration.js';
import { DEFAULT_ATTENTION, findAttention, type AttentionOptions } from './attention.js';
import { breakerOptionsFromEnv, CircuitBreakers, DEFAULT_BREAKER, type BreakerOptions, type BreakerState, type BreakerTransition } from './circuit-breaker.js';
import { systemClock, type Clock } from './clock.js';
import { checkConcurrencyOptions, DEFAULT_CONCURRENCY, overloaded, RunSlotGate, type ConcurrencyOptions } from './concurrency.js';
import { DEFAULT_DECIDE_OPTIONS, type DecideOptions } from '../core/context.js';
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from '../definitions/expression-budget.js';
import { ProcessIsolate } from './expression-isolate.js';
import { evaluateOnInstance } from './expression-tester.js';
import { SegueError } from './errors.js';
import { httpCaller, httpTaskHandler } from './http-executor.js';
import { DEFAULT_HTTP_POLICY, HostRules, httpPolicyFromEnv, type HttpPolicy } from './http-policy.js';
import { DEFAULT_DELIVERY, Deliveries, type DeliveryListener, type DeliveryOptions } from './events/deliveries.js';
import { readFeed } from './events/feed.js';
import { SubscriptionService } from './events/subscriptions.js';
import { LocalWorkers, type LocalWorkersOptions, type TaskHandler } from './local-workers.js';
import { PlanRegistry, type Registered } from './plans.js';
import { describeQueues } from './queues.js';
import { isRedrive, prepareRedrive, retryInput } from './redrive.js';
import type { InputPort } from './inputs.js';
import { Notifier } from './notifier.js';
import { timeOrderedId, unpredictableRandom } from './random.js';
import { Runtime } from './runtime.js';
import { HTTP_TASK_TYPE, type EngineInput } from '../core/model.js';
import { loadSecrets } from './secrets.js';
import { checkDefinitionLimits, checkPayload, DEFAULT_LIMITS, type Limits } from './limits.js';
import { openStore } from './store/open-store.js';
import { dataKeysFromEnv, type DataKeys } from './store/stored-json.js';
import type { HistoryEvent, InstanceFilter, InstanceRecord, InstanceStatus, RunSlots, Store, StoredDefinition } from './store/port.js';
import { INSTANCE_STATUSES, TERMINAL_STATUSES } from './store/port.js';
import { ignoreMissing, TaskQueue } from './task-queue.js';
import { TaskTokens } from './task-tokens.js';
import { Scheduler } from './schedules/scheduler.js';
import { ScheduleService } from './schedules/schedule-service.js';
import { TimerLoop, type TimerLoopOptions } from './timer-loop.js';
import { transitionFaultFromEnv } from './transition-faults.js';
import { historyView, instanceView } from './views.js';
import type { EvaluationAnswer, EvaluationRequest } from '../protocol/evaluation.js';
import type { AttentionView, HistoryView, InstanceView, LifecycleAction, RetryPreview, RetryRequest } from '../protocol/instances.js';
import type { QueueView } from '../protocol/queues.js';
import type { OverlapPolicy } from '../protocol/schedules.js';
import { matchTriggers, triggerScope, triggerViews, type IncomingEvent, type TriggeredStart } from './triggers.js';
import type { PublishedEvent, TriggerOutcome, TriggerView } from '../protocol/triggers.js';
import type { FeedPage } from '../protocol/events.js';

export interface EngineOptions {
  /** A Store, or a store URL (`sqlite:./segue.db`, `memory`, `mongodb://…`). Default `memory`. */
  store?: Store | string;
  /**
   * Keys that seal instance data, task inputs and history in a store opened from a URL (a Store
   * given whole brings its own). Default: SEGUE_DATA_KEY and SEGUE_OLD_DATA_KEYS; none, stored as text.
   */
  dataKeys?: DataKeys;
  /** Default: the system clock. Tests inject a ManualClock. */
  clock?: Clock;
  /**
   * Randomness in [0, 1) of the interpreter: retry jitter, ASL's random functions, and the nonces
   * of task tokens, which is why the default is the operating system's unpredictable source.
   */
  random?: () => number;
  /** Interpreter limits; see DEFAULT_DECIDE_OPTIONS. */
  decide?: Partial<Omit<DecideOptions, 'now' | 'random' | 'expressions' | 'expressionIsolate'>>;
  /** Bounds of expression evaluation; see DEFAULT_EXPRESSION_LIMITS (`maxValueSize` defaults to `limits.maxInstanceDataBytes`). */
  expressions?: Partial<ExpressionLimits>;
  timers?: TimerLoopOptions;
  /** In-process handlers' concurrency and worker name. */
  workers?: LocalWorkersOptions;
  /** In-process task handlers by task type. */
  handlers?: Record<string, TaskHandler>;
  /** Values of `$secret('name')`, besides the SEGUE_SECRET_<NAME> environment variables. */
  secrets?: Record<string, string>;
  /** Where `http` steps may call, and their bounds. Default: public addresses only, or SEGUE_HTTP_ALLOW. */
  http?: Partial<HttpPolicy>;
  /** Size limits; see DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** Circuit breakers of `http` steps, per host; see DEFAULT_BREAKER (also SEGUE_HTTP_BREAKER_FAILURES and SEGUE_HTTP_BREAKER_OPEN). */
  breakers?: Partial<BreakerOptions>;
  /** When a queue counts as unserved and an attempt as overdue; see DEFAULT_ATTENTION. */
  attention?: Partial<AttentionOptions>;
  /**
   * Tries an input delivered again after a delivery that did not finish (an engine died on it, or
   * its transition threw) may have before its instance is set aside. Default 3 (DEFAULT_SET_ASIDE_AFTER).
   */
  setAsideAfter?: number;
  /** Delivery of lifecycle events to subscribers: leases, retry backoff, batch; see DEFAULT_DELIVERY. */
  deliveries?: Partial<DeliveryOptions>;
  /** The cap on the instances this engine works on at once, the start queues' bound and the slot sweep; see DEFAULT_CONCURRENCY. */
  concurrency?: Partial<ConcurrencyOptions>;
}

export interface StartOptions {
  input?: Json;
  /** Client-chosen id: starting twice with the same id and input returns the first instance. */
  id?: string;
  version?: number;
  /** Epoch ms; the instance stays PENDING until then. */
  startAt?: number;
  /** Set by schedules. */
  schedule?: { id: string; fireTime: string };
  /**
   * The first steps are left to the timer loop (the instance is PENDING until it takes them, at
   * once), not decided in this call. Schedules start so: a fire is started again after a crash, and
   * a start that takes its engine down is then counted, and set aside, like any input delivered again.
   */
  deferStart?: boolean;
}

export class Engine {
  readonly runtime: Runtime;
  readonly plans: PlanRegistry;
  readonly tasks: TaskQueue;
  /** Task tokens sent back to steps that wait for a callback (ASL's `.waitForTaskToken`). */
  readonly taskTokens: TaskTokens;
  readonly workers: LocalWorkers;
  readonly timers: TimerLoop;
  readonly scheduler: Scheduler;
  readonly schedules: ScheduleService;
  readonly limits: Limits;
  readonly attentionOptions: AttentionOptions;
  readonly concurrency: ConcurrencyOptions;
  /** The run slots behind workflows' concurrency limits. */
  readonly slots: RunSlotGate;
  /** The breakers of this process's HTTP calls, by host. */
  readonly breakers: CircuitBreakers;
  readonly subscriptions: SubscriptionService;
  /** Delivers lifecycle events to the subscribers. */
  readonly deliveries: Deliveries;
  /** Where evaluations that outgrow their slice of this process's thread run. */
  private readonly isolate: ProcessIsolate;
  private readonly expressionLimits: ExpressionLimits;

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    options: EngineOptions,
    private readonly ownsStore: boolean,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.attentionOptions = { ...DEFAULT_ATTENTION, ...options.attention };
    const expressions = { ...DEFAULT_EXPRESSION_LIMITS, maxValueSize: this.limits.maxInstanceDataBytes, ...options.expressions };
    this.isolate = new ProcessIsolate({ memoryMb: expressions.memoryMb });
    this.expressionLimits = expressions;
    this.plans = new PlanRegistry(store, clock, (text, plan) => checkDefinitionLimits(text, plan, this.limits));
    this.concurrency = { ...DEFAULT_CONCURRENCY, ...options.concurrency };
    checkConcurrencyOptions(this.concurrency);
    // The runtime hands tasks to the local workers and takes run slots, and both come back to it
    // (a result through the task queue, a start handed a slot): those ways back are calls on
    // this.runtime, made only once it is built below.
    const notifier = new Notifier();
    const inputs: InputPort = { store, notifier, now: () => clock.now(), apply: (id, input, consumed, eager) => this.runtime.apply(id, input, consumed, eager) };
    this.slots = new RunSlotGate(store, this.plans, () => clock.now(), this.concurrency, (id) => this.runtime.apply(id, { type: 'start' }));
    const secrets = loadSecrets(options.secrets);
    this.tasks = new TaskQueue(inputs, secrets, this.limits);
    this.taskTokens = new TaskTokens(inputs, secrets, this.limits);
    this.workers = new LocalWorkers(this.tasks, options.workers, () => clock.now());
    this.runtime = new Runtime({
      store,
      plans: this.plans,
      clock,
      random: options.random ?? unpredictableRandom,
      decide: {
        ...DEFAULT_DECIDE_OPTIONS,
        maxMapItems: this.limits.maxMapItems,
        ...options.decide,
        expressions,
        expressionIsolate: this.isolate,
      },
      limits: this.limits,
      ...(options.setAsideAfter === undefined ? {} : { setAsideAfter: options.setAsideAfter }),
      fault: transitionFaultFromEnv(),
      slots: this.slots,
      notifier,
      localLeases: this.workers,
    });
    this.scheduler = new Scheduler(store, {
      now: () => clock.now(),
      start: async (spec) => {
        const start: StartOptions = { id: spec.id, input: spec.input, schedule: spec.schedule, deferStart: true };
        await this.startInstance(spec.workflow, spec.version === null ? start : { ...start, version: spec.version });
      },
      stop: async (id, mode, reason) => {
        await this.runtime.apply(id, { type: mode, reason }).catch(ignoreMissing);
      },
      runningSince: async (id) => {
        const record = await store.getInstance(id);
        return record !== null && !TERMINAL_STATUSES.has(record.status) ? record.createdAt : null;
      },
    });
    this.schedules = new ScheduleService(store, this.scheduler, clock, async (name, version) => {
      await this.plans.get(name, version ?? undefined);
    });
    this.timers = new TimerLoop(this.runtime, this.tasks, { ...options.timers, periodic: async () => (await this.scheduler.tick()) + (await this.slots.sweep()) });
    this.breakers = new CircuitBreakers({ ...DEFAULT_BREAKER, ...breakerOptionsFromEnv(), ...options.breakers }, () => clock.now());
    const httpPolicy = { ...httpPolicyFromEnv(), ...options.http };
    this.workers.register(HTTP_TASK_TYPE, httpTaskHandler(httpPolicy, secrets, this.breakers));
    // Subscriber URLs obey the policy of http steps; no secret of a workflow goes to them.
    const webhookCall = httpCaller(httpPolicy, loadSecrets({}, {}));
    const runtime = this.runtime;
    this.deliveries = new Deliveries(store, clock, webhookCall, { ...DEFAULT_DELIVERY, ...options.deliveries }, (wanted) => {
      runtime.stepEvents = wanted;
    });
    this.subscriptions = new SubscriptionService(store, clock, webhookCall, new HostRules(httpPolicy.allowHosts ?? DEFAULT_HTTP_POLICY.allowHosts), () => this.deliveries.wake());
    runtime.notifier.on('events', () => this.deliveries.wake());
    for (const [type, handler] of Object.entries(options.handlers ?? {})) this.workers.register(type, handler);
  }

  /** Starts the background loops: due timers, expired leases, in-process handlers. */
  start(): this {
    this.timers.start();
    this.workers.start();
    this.deliveries.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.deliveries.stop();
    await this.workers.stop();
    await this.timers.stop();
    await this.isolate.close();
    if (this.ownsStore) await this.store.close();
  }

  /** Registers a definition, and creates or updates the schedules it declares. */
  async register(text: string, file?: string): Promise<Registered> {
    const registered = await this.plans.register(text, file);
    if (registered.schedules.length > 0) {
      await this.schedules.declare(
        registered.name,
        registered.schedules.map((s) => ({ ...s, overlap: s.overlap as OverlapPolicy | undefined })),
      );
    }
    return registered;
  }

  registerHandler(type: string, handler: TaskHandler): void {
    this.workers.register(type, handler);
  }

  getDefinition(name: string, version?: number): Promise<StoredDefinition | null> {
    return this.store.getDefinition(name, version);
  }

  /** The latest version of every registered workflow. */
  listWorkflows(): Promise<StoredDefinition[]> {
    return this.store.listDefinitions();
  }

  /** The version numbers of a workflow, oldest first. */
  async workflowVersions(name: string): Promise<number[]> {
    return (await this.store.listDefinitionVersions(name)).map((d) => d.version).sort((a, b) => a - b);
  }

  /** The compiled plan of a workflow version (latest when absent); NOT_FOUND when it is not registered. */
  plan(name: string, version?: number): Promise<Plan> {
    return this.plans.get(name, version);
  }

  /** Tasks waiting for a worker, by queue. */
  countQueued(): Promise<Record<string, number>> {
    return this.store.countQueued();
  }

  /** How long the oldest waiting task of each queue has waited, ms (queues with none waiting left out). */
  async oldestQueuedAges(): Promise<Record<string, number>> {
    const now = this.clock.now();
    const ages: Record<string, number> = {};
    for (const q of await this.store.summarizeQueues()) if (q.oldestQueuedAt !== null) ages[q.queue] = Math.max(0, now - q.oldestQueuedAt);
    return ages;
  }

  /** The run slots of every workflow with a concurrency limit that has a holder or a waiting instance. */
  runSlots(): Promise<RunSlots[]> {
    return this.store.listRunSlots();
  }

  /** How far each subscription is behind the feed: events after its cursor, by subscription. */
  async subscriptionBacklogs(): Promise<Record<string, number>> {
    const [last, subscriptions] = await Promise.all([this.store.lastEventSeq(), this.store.listSubscriptions()]);
    return Object.fromEntries(subscriptions.map((s) => [s.id, Math.max(0, last - s.cursor)]));
  }

  /** Calls `listener` with the outcome of every delivery attempt this process makes; returns how to stop. */
  onDelivery(listener: DeliveryListener): () => void {
    return this.deliveries.onOutcome(listener);
  }

  /** Instances set aside now, by workflow. */
  countSetAside(): Promise<Record<string, number>> {
    return this.store.countSetAside();
  }

  /** Calls `listener` with every record this process commits and its history; returns how to stop. */
  onCommit(listener: (record: InstanceRecord, history: HistoryEvent[]) => void): () => void {
    this.runtime.notifier.on('instance', listener);
    return () => void this.runtime.notifier.off('instance', listener);
  }

  /** The circuit breaker of each host http steps have called, and its state. */
  breakerStates(): { host: string; state: BreakerState }[] {
    return this.breakers.states();
  }

  /** Calls `listener` on every change of state of a breaker; returns how to stop. */
  onBreakerTransition(listener: (transition: BreakerTransition) => void): () => void {
    return this.breakers.onTransition(listener);
  }

  /** Resolves when the store answers; rejects with why it does not. */
  ping(): Promise<void> {
    return this.store.ping();
  }

  async startInstance(workflow: string, options: StartOptions = {}): Promise<InstanceView> {
    this.checkLoad();
    const plan = await this.plans.get(workflow, options.version);
    const input = options.input ?? {};
    checkPayload('the start input', input, this.limits);
    this.plans.checkInput(plan, input);
    // Time-ordered (UUIDv7): the rows of instances in flight sit together at the end of every
    // index keyed by instance id, so a commit rewrites a few pages rather than one per instance.
    const id = options.id ?? timeOrderedId();
    const spec: Parameters<Runtime['create']>[0] = { id, workflow: plan.name, version: plan.version, input, idIsNew: options.id === undefined };
    if (options.startAt !== undefined) {
      if (!isTime(options.startAt)) throw new SegueError('BAD_REQUEST', `startAt ${options.startAt} is not a time; give epoch milliseconds within the date range (±8.64e15)`);
      spec.startAt = options.startAt;
    }
    if (options.schedule) spec.state = { schedule: options.schedule };
    if (options.deferStart) spec.deferred = true;
    const created = await this.runtime.create(spec);
    if (created) return instanceView(created);
    const existing = await this.store.getInstance(id);
    const state = existing?.state;
    if (existing && existing.workflow === plan.name && isDeepStrictEqual(existing.run === 1 ? state?.input : undefined, input)) {
      return instanceView(existing);
    }
    throw new SegueError('CONFLICT', `an instance with id "${id}" already exists with a different workflow or input`);
  }

  async getInstance(id: string): Promise<InstanceView> {
    return instanceView(await this.record(id));
  }

  /** The instance once terminal, or as it is when `timeoutMs` runs out. */
  async waitForInstance(id: string, timeoutMs: number): Promise<InstanceView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Listening before reading: a finish committed meanwhile is not missed. The announced
      // record is the committed one, so it need not be read back; its view is taken at once,
      // before a later input to the instance can change it.
      let finished: InstanceView | undefined;
      let wake: (() => void) | undefined;
      const onFinished = (record: InstanceRecord): void => {
        finished = instanceView(record);
        wake?.();
      };
      this.runtime.notifier.once(`finished:${id}`, onFinished);
      try {
        const record = await this.record(id);
        const remaining = deadline - Date.now();
        if (TERMINAL_STATUSES.has(record.status) || remaining <= 0) return instanceView(record);
        // Wake on a local commit; look again every second for commits by other processes.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(remaining, 1_000));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          if (finished) wake();
        });
        if (finished) return finished;
      } finally {
        this.runtime.notifier.off(`finished:${id}`, onFinished);
      }
    }
  }

  async listInstances(filter: InstanceFilter, limit = 50, cursor?: string): Promise<{ items: InstanceView[]; nextCursor?: string }> {
    const page = await this.store.listInstances(filter, limit, cursor);
    return { items: page.items.map(instanceView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  /** Every task queue: depth, oldest task, attempts in flight, and the workers serving it. */
  queues(): Promise<QueueView[]> {
    return describeQueues(this.store, this.tasks.sightings, this.clock.now(), this.attentionOptions.unpolledMs);
  }

  /** Up to `limit` instances matching `filter` that need attention, longest in trouble first, each with why. */
  async needingAttention(filter: InstanceFilter, limit = 50): Promise<{ items: AttentionView[] }> {
    const ctx = { store: this.store, sightings: this.tasks.sightings, now: this.clock.now(), options: this.attentionOptions, limit };
    const found = await findAttention(ctx);
    const items: AttentionView[] = (await this.recordsMatching(found.keys(), filter)).map((record) => ({ ...instanceView(record), attention: found.get(record.id)! }));
    const since = (view: AttentionView): string => view.attention.map((r) => r.since).sort()[0]!;
    return { items: items.sort((a, b) => (since(a) < since(b) ? -1 : since(a) > since(b) ? 1 : 0)).slice(0, limit) };
  }

  /**
   * Instances waiting with this correlation key (a business key: an order number a wait step
   * correlates on), whatever the event, newest first: at most `limit`, of the first
   * KEY_SEARCH_MAX holding the key, that pass the filter.
   */
  async findByKey(key: string, filter: InstanceFilter, limit = 50): Promise<{ items: InstanceView[] }> {
    const items = await this.recordsMatching(await this.store.findByWaitKey(key, KEY_SEARCH_MAX), filter);
    items.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    return { items: items.slice(0, limit).map(instanceView) };
  }

  /** The instances of these ids, in their order, that still exist and pass the filter. */
  private async recordsMatching(ids: Iterable<string>, filter: InstanceFilter): Promise<InstanceRecord[]> {
    const records: InstanceRecord[] = [];
    for (const id of ids) {
      const record = await this.store.getInstance(id);
      if (record && matches(record, filter)) records.push(record);
    }
    return records;
  }

  /** How many instances have each status, every status named (0 for none), within the filter's workflow and createdAt bounds. */
  async countByStatus(filter: Pick<InstanceFilter, 'workflow' | 'from' | 'to'>): Promise<{ counts: Record<InstanceStatus, number>; total: number }> {
    const found = await this.store.countByStatus(filter);
    const counts = Object.fromEntries(INSTANCE_STATUSES.map((s) => [s, found[s] ?? 0])) as Record<InstanceStatus, number>;
    return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  }

  /** Evaluates an expression against the instance as it stands (see expression-tester.ts); nothing changes. */
  async evaluate(id: string, request: EvaluationRequest): Promise<EvaluationAnswer> {
    const record = await this.record(id);
    const plan = await this.plans.get(record.workflow, record.version);
    return evaluateOnInstance(record, plan, request, this.runtime.decideOptions(this.clock.now()));
  }

  /** The events of a run (default: the current one) in order; only those after `after` (a seq) when given, at most `limit`. */
  async history(id: string, run?: number, after?: number, limit?: number): Promise<HistoryView[]> {
    const record = await this.record(id);
    return (await this.store.readHistory(id, run ?? record.run, after, limit)).map(historyView);
  }

  /** Lifecycle events after the cursor `after` (0: the start), at most `limit`; waits up to `waitMs` for one when there are none. */
  feed(after: number, limit: number, waitMs: number): Promise<FeedPage> {
    return readFeed(this.store, this.runtime.notifier, after, limit, waitMs);
  }

  /** Raises an event for one instance: consumed by a wait now, or buffered until one waits. */
  async raiseEvent(id: string, event: string, payload: Json): Promise<void> {
    checkPayload(`the payload of event "${event}"`, payload, this.limits);
    this.checkLoad();
    await this.act(id, { type: 'event', event, payload }, 'takes no more events');
  }

  /** Delivers to every instance now waiting on `event` with that correlation key. */
  async deliverEvent(event: string, key: string, payload: Json): Promise<{ delivered: number; instances: string[] }> {
    checkPayload(`the payload of event "${event}"`, payload, this.limits);
    return this.deliverWaiting(event, key, payload);
  }

  /** deliverEvent once its payload is checked. */
  private async deliverWaiting(event: string, key: string, payload: Json): Promise<{ delivered: number; instances: string[] }> {
    this.checkLoad();
    const instances: string[] = [];
    for (const id of await this.store.findWaiting(event, key)) {
      const result = await this.runtime.apply(id, { type: 'event', event, payload, key }).catch(() => null);
      if (result?.outcome.kind === 'applied') instances.push(id);
    }
    return { delivered: instances.length, instances };
  }

  /**
   * An event from outside: delivered to every instance waiting on it with its key (when it has
   * one), and starting an instance of every workflow (its latest version) whose trigger matches,
   * once per trigger and event id however often it is sent (see triggers.ts).
   */
  async publishEvent(event: IncomingEvent): Promise<PublishedEvent> {
    checkPayload(`the payload of event "${event.type}"`, event.data, this.limits);
    const delivered = event.key === undefined ? { delivered: 0, instances: [] } : await this.deliverWaiting(event.type, event.key, event.data);
    const scope = () => triggerScope(this.expressionLimits, this.isolate, this.clock.now());
    const started: TriggerOutcome[] = [];
    for (const plan of await this.triggeredPlans()) {
      for (const match of await matchTriggers(plan, event, scope)) started.push('plan' in match ? await this.startTriggered(match) : match);
    }
    return { event: event.id, ...delivered, started };
  }

  /** The triggers of every workflow's latest version, by workflow name. */
  async triggers(event?: string): Promise<{ items: TriggerView[] }> {
    const items = (await this.triggeredPlans()).flatMap(triggerViews);
    return { items: event === undefined ? items : items.filter((t) => t.event === event) };
  }

  private async triggeredPlans(): Promise<Plan[]> {
    const stored = (await this.store.listDefinitions()).filter((d) => Array.isArray((d.definition as { triggers?: unknown }).triggers));
    stored.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return Promise.all(stored.map((d) => this.plans.get(d.name, d.version)));
  }

  private async startTriggered(start: TriggeredStart): Promise<TriggerOutcome> {
    const at = { workflow: start.plan.name, version: start.plan.version, trigger: start.trigger };
    try {
      // Left to the timer loop, as a schedule's start is: one that takes its engine down is counted and set aside.
      const view = await this.startInstance(start.plan.name, { id: start.id, input: start.input, version: start.plan.version, deferStart: true });
      return { ...at, instance: view.id };
    } catch (err) {
      // Sent again with other data (a new CloudEvent time, say): the instance its id started stands.
      const existing = err instanceof SegueError && err.code === 'CONFLICT' ? await this.store.getInstance(start.id) : null;
      if (existing?.workflow === start.plan.name) return { ...at, instance: existing.id };
      return { ...at, error: err instanceof Error ? err.message : String(err) };
    }
  }

  async lifecycle(id: string, action: LifecycleAction, reason?: string): Promise<InstanceView> {
    const input: EngineInput = action === 'cancel' || action === 'terminate' ? { type: action, ...(reason ? { reason } : {}) } : { type: action };
    return instanceView(await this.act(id, input, `cannot ${action}`));
  }

  /**
   * Retries an instance: a plain retry (the failed step, or what a set-aside one holds), or a
   * redrive with edits (see redrive.ts). A dry run answers what would change and changes nothing.
   */
  async retry(id: string, request: RetryRequest = {}, by?: string): Promise<InstanceView | { dryRun: RetryPreview }> {
    if (!isRedrive(request) && !request.dryRun) return instanceView(await this.act(id, retryInput(request, by), 'cannot retry'));
    const { input, preview } = await prepareRedrive(await this.record(id), this.plans, request, by);
    if (request.dryRun) return { dryRun: preview };
    return instanceView(await this.act(id, input, 'cannot retry'));
  }

  /** Removes a terminal instance and its history. */
  async purge(id: string): Promise<void> {
    const record = await this.record(id);
    if (!TERMINAL_STATUSES.has(record.status)) {
      throw new SegueError('INVALID_STATE', `instance "${id}" is ${record.status}; only finished instances can be purged (cancel or terminate it first)`);
    }
    if (!(await this.store.purgeInstance(id))) throw new SegueError('NOT_FOUND', `instance "${id}" does not exist`);
  }

  /** Runs due timers, expired leases and queued in-process tasks until nothing is left. For tests. */
  async runUntilIdle(maxRounds = 10_000): Promise<void> {
    for (let round = 0; round < maxRounds; round += 1) {
      const fired = (await this.timers.tick()) + (await this.scheduler.tick());
      const ran = await this.workers.runOnce();
      if (fired + ran === 0) return;
    }
    throw new Error(`still busy after ${maxRounds} rounds: a workflow keeps scheduling work`);
  }

  /** New work from outside is refused while this engine works on as many instances as it takes. */
  private checkLoad(): void {
    const active = this.runtime.active;
    const cap = this.concurrency.maxActiveInstances;
    if (active >= cap) throw overloaded(`this engine is working on ${active} instances, as many as it takes at once (maxActiveInstances ${cap})`);
  }

  private async record(id: string): Promise<InstanceRecord> {
    const record = await this.store.getInstance(id);
    if (!record) throw new SegueError('NOT_FOUND', `instance "${id}" does not exist`);
    return record;
  }

  private async act(id: string, input: EngineInput, refusal: string): Promise<InstanceRecord> {
    const result = await this.runtime.apply(id, input);
    if (result.outcome.kind === 'stale') throw new SegueError('INVALID_STATE', `instance "${id}" ${refusal}: ${result.outcome.reason}`);
    return result.record;
  }
}

/** The instance filter of a listing, applied to one record. */
/** Instances a key search reads at most: a key names a few instances, not a table. */
const KEY_SEARCH_MAX = 1_000;

function matches(record: InstanceRecord, filter: InstanceFilter): boolean {
  return (
    (filter.workflow === undefined || record.workflow === filter.workflow) &&
    (filter.status === undefined || filter.status.includes(record.status)) &&
    (filter.parentId === undefined || record.parentId === filter.parentId) &&
    (filter.from === undefined || record.createdAt >= filter.from) &&
    (filter.to === undefined || record.createdAt <= filter.to)
  );
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const given = options.store;
  if (typeof given === 'object') return new Engine(given, options.clock ?? systemClock, options, false);
  const dataKeys = options.dataKeys ?? dataKeysFromEnv();
  const store = await openStore(given ?? 'memory', dataKeys ? { dataKeys } : {});
  return new Engine(store, options.clock ?? systemClock, options, true);
}
