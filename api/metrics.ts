/**
 * Prometheus metrics, on a registry of their own. Instance, step and task metrics come from
 * history: each commit this process makes is announced with the history events it wrote (the
 * runtime's `instance` notification), and those are observed. So they count what this process
 * did; a fleet's totals are the sum over its processes, as Prometheus expects.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BREAKER_STATES } from '../engine/circuit-breaker.js';
import type { Engine } from '../engine/engine.js';
import type { HistoryEvent, InstanceRecord } from '../engine/store/port.js';
import { TERMINAL_STATUSES } from '../engine/store/port.js';

const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300, 1800, 7200];

/**
 * Most instances whose open steps are tracked. An instance another engine finishes never ends here,
 * so without a bound its entry would stay for the life of the process; the least recently active
 * goes first, and a step it closes later is not timed.
 */
const MAX_TRACKED_INSTANCES = 100_000;

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly started: Counter<'workflow'>;
  private readonly finished: Counter<'workflow' | 'status'>;
  private readonly setAside: Counter<'workflow'>;
  private readonly stepDuration: Histogram<'workflow' | 'step' | 'outcome'>;
  private readonly taskDuration: Histogram<'type' | 'outcome'>;
  private readonly pollWait: Histogram<'result'>;
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  /** Steps and tasks still open, per instance with an unfinished run. */
  private readonly cursors = new Map<string, Cursor>();
  private readonly stopObservingCommits: () => void;
  private readonly stopWatchingBreakers: () => void;
  private readonly stopWatchingDeliveries: () => void;

  constructor(
    engine: Engine,
    private readonly maxTracked = MAX_TRACKED_INSTANCES,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'segue_' });
    this.started = new Counter({ name: 'segue_instances_started_total', help: 'Instance runs started, by workflow.', labelNames: ['workflow'], registers });
    this.finished = new Counter({
      name: 'segue_instances_finished_total',
      help: 'Instance runs ended, by workflow and terminal status.',
      labelNames: ['workflow', 'status'],
      registers,
    });
    this.setAside = new Counter({
      name: 'segue_instances_set_aside_total',
      help: 'Instances set aside by this process, by workflow: an input of theirs failed too many tries.',
      labelNames: ['workflow'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'segue_step_duration_seconds',
      help: 'Time from a step starting to it completing, failing or being cancelled.',
      labelNames: ['workflow', 'step', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.taskDuration = new Histogram({
      name: 'segue_task_duration_seconds',
      help: 'Time from a worker claiming a task attempt to reporting its result.',
      labelNames: ['type', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.pollWait = new Histogram({
      name: 'segue_task_poll_wait_seconds',
      help: 'Time a worker poll waited before it was answered, by whether it got tasks.',
      labelNames: ['result'],
      buckets: [0.01, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    });
    this.requests = new Histogram({
      name: 'segue_http_request_duration_seconds',
      help: 'API requests by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 60],
      registers,
    });
    countGauge(this.registry, 'segue_task_queue_depth', 'Tasks waiting for a worker, by queue (read from the store on each scrape).', 'queue', () => engine.countQueued());
    new Gauge({
      name: 'segue_task_queue_oldest_age_seconds',
      help: 'How long the oldest task waiting for a worker has waited, by queue (read from the store on each scrape; queues with none waiting are left out).',
      labelNames: ['queue'],
      registers,
      async collect() {
        const ages = await engine.oldestQueuedAges();
        this.reset();
        for (const [queue, ms] of Object.entries(ages)) this.set({ queue }, ms / 1000);
      },
    });
    new Gauge({
      name: 'segue_http_circuit_state',
      help: 'The circuit breaker of each host http steps call: 1 for its current state (closed, open, half-open), 0 for the others.',
      labelNames: ['host', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { host, state } of engine.breakerStates()) for (const s of BREAKER_STATES) this.set({ host, state: s }, s === state ? 1 : 0);
      },
    });
    const transitions = new Counter({
      name: 'segue_http_circuit_transitions_total',
      help: 'Changes of state of the circuit breakers of http steps, by host and the states left and entered.',
      labelNames: ['host', 'from', 'to'],
      registers,
    });
    this.stopWatchingBreakers = engine.onBreakerTransition(({ host, from, to }) => transitions.inc({ host, from, to }));
    countGauge(
      this.registry,
      'segue_instances_set_aside',
      'Instances set aside now, by workflow, waiting for an operator to retry or terminate them (read from the store on each scrape).',
      'workflow',
      () => engine.countSetAside(),
    );
    this.stopWatchingDeliveries = watchDeliveries(engine, registers);
    countGauge(
      this.registry,
      'segue_run_slots_held',
      'Instances holding a run slot of a workflow with a concurrency limit, by workflow (read from the store on each scrape).',
      'workflow',
      async () => Object.fromEntries((await engine.runSlots()).map((s) => [s.workflow, s.holders.length])),
    );
    countGauge(
      this.registry,
      'segue_run_slots_waiting',
      'Instances waiting PENDING for a run slot of their workflow, by workflow (read from the store on each scrape).',
      'workflow',
      async () => Object.fromEntries((await engine.runSlots()).map((s) => [s.workflow, s.waiting.length])),
    );
    this.stopObservingCommits = engine.onCommit((record, history) => this.observeCommit(record, history));
  }

  observePoll(seconds: number, claimed: number): void {
    this.pollWait.observe({ result: claimed > 0 ? 'tasks' : 'empty' }, seconds);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.stopObservingCommits();
    this.stopWatchingBreakers();
    this.stopWatchingDeliveries();
  }

  private observeCommit(record: InstanceRecord, history: HistoryEvent[]): void {
    const cursor = this.cursors.get(record.id) ?? new Cursor();
    // Re-inserted, so the map's order is from least to most recently active.
    this.cursors.delete(record.id);
    for (const event of history) this.observe(record.workflow, event, cursor);
    if (TERMINAL_STATUSES.has(record.status)) return;
    this.cursors.set(record.id, cursor);
    if (this.cursors.size > this.maxTracked) this.cursors.delete(this.cursors.keys().next().value!);
  }

  private observe(workflow: string, event: HistoryEvent, cursor: Cursor): void {
    const ended = ENDED.exec(event.type);
    if (event.type === 'InstanceStarted') this.started.inc({ workflow });
    else if (event.type === 'InstanceSetAside') this.setAside.inc({ workflow });
    else if (ended) this.finished.inc({ workflow, status: ended[1]!.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toUpperCase() });
    const step = cursor.closeStep(event);
    if (step) this.stepDuration.observe({ workflow, step: step.step, outcome: step.outcome }, step.seconds);
    const task = cursor.closeTask(event);
    if (task) this.taskDuration.observe({ type: task.type, outcome: task.outcome }, task.seconds);
  }
}

/** A gauge of counts the store gives by one label, read again at each scrape. */
/** Deliveries of lifecycle events by outcome, their lag, dead letters, and how far each subscription is behind. */
function watchDeliveries(engine: Engine, registers: Registry[]): () => void {
  const outcomes = new Counter({
    name: 'segue_event_deliveries_total',
    help: 'Attempts to deliver a lifecycle event to a subscriber by this process, by outcome (delivered, failed and to be retried, dead_lettered after the last attempt).',
    labelNames: ['outcome'],
    registers,
  });
  const lag = new Histogram({
    name: 'segue_event_delivery_lag_seconds',
    help: 'Time from the transition that made an event to its delivery.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 3600],
    registers,
  });
  const deadLetters = new Counter({ name: 'segue_event_dead_letters_total', help: 'Events this process made dead letters (their subscriber did not take them after the last attempt).', registers });
  countGauge(
    registers[0]!,
    'segue_event_subscription_backlog',
    'Events of the feed after the cursor of each subscription, by subscription: at most this many wait for delivery (read from the store on each scrape).',
    'subscription',
    () => engine.subscriptionBacklogs(),
  );
  return engine.onDelivery((outcome, event) => {
    outcomes.inc({ outcome });
    if (outcome === 'delivered') lag.observe(Math.max(0, engine.clock.now() - event.at) / 1000);
    if (outcome === 'dead_lettered') deadLetters.inc();
  });
}

function countGauge(registry: Registry, name: string, help: string, label: string, read: () => Promise<Record<string, number>>): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      const counts = await read();
      this.reset();
      for (const [value, n] of Object.entries(counts)) this.set({ [label]: value }, n);
    },
  });
}

const ENDED = /^Instance(Completed|Failed|Cancelled|Terminated|TimedOut|ContinuedAsNew)$/;
const STEP_END: Record<string, string> = { StepCompleted: 'completed', StepFailed: 'failed', StepCancelled: 'cancelled' };

interface Closed {
  seconds: number;
  outcome: string;
}

/** The steps and tasks still open in one instance's history, to time them when they close. */
class Cursor {
  /** Start times of open steps by name (a name repeats inside map iterations and branches). */
  private readonly openSteps = new Map<string, number[]>();
  private readonly taskTypes = new Map<string, string>();
  private claimed?: { type: string; startedAt: number };

  closeStep(event: HistoryEvent): (Closed & { step: string }) | undefined {
    if (event.step === undefined) return undefined;
    const starts = this.openSteps.get(event.step) ?? [];
    if (event.type === 'StepStarted') this.openSteps.set(event.step, [...starts, event.at]);
    const outcome = STEP_END[event.type];
    const startedAt = outcome ? starts.shift() : undefined;
    return startedAt === undefined ? undefined : { step: event.step, outcome: outcome!, seconds: (event.at - startedAt) / 1000 };
  }

  /** TaskStarted (claim time in its details) is logged just before TaskCompleted or TaskFailed. */
  closeTask(event: HistoryEvent): (Closed & { type: string }) | undefined {
    const details = (event.details ?? {}) as { taskId?: string; task?: string; startedAt?: string };
    if (event.type === 'TaskScheduled' && details.taskId && details.task) this.taskTypes.set(details.taskId, details.task);
    if (event.type === 'TaskStarted' && details.taskId && details.startedAt) {
      this.claimed = { type: this.taskTypes.get(details.taskId) ?? 'unknown', startedAt: Date.parse(details.startedAt) };
    }
    if (event.type !== 'TaskCompleted' && event.type !== 'TaskFailed' && event.type !== 'TaskTimedOut') return undefined;
    if (details.taskId) this.taskTypes.delete(details.taskId);
    const claimed = this.claimed;
    this.claimed = undefined;
    if (!claimed || event.type === 'TaskTimedOut') return undefined;
    return { type: claimed.type, outcome: event.type === 'TaskCompleted' ? 'completed' : 'failed', seconds: (event.at - claimed.startedAt) / 1000 };
  }
}
