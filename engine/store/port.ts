/**
 * The Store port: everything the engine keeps, in domain verbs. Adapters: sqlite (also used for
 * `memory`, on an in-memory database) and mongodb. One contract suite (test/contract) runs against
 * every adapter; the engine never knows which one it talks to.
 *
 * Consistency model: the instance record is the unit of consistency. Every change to an instance
 * is one `commitTransition`, a compare-and-swap on `rev`, that also carries the writes to other
 * collections (history, tasks, timers, waits, new instances) which the adapter must make durable
 * together with it: SQLite in one transaction, MongoDB through an outbox in the instance document
 * replayed idempotently (all those writes have deterministic ids).
 */
import type { Json } from '../../definitions/model.js';
import type { EngineInput, EventWait, HistoryEvent, InstanceRecord, InstanceStatus, Redelivery, SetAside } from '../../core/model.js';
import type { OverlapPolicy, ScheduleFire } from '../../protocol/schedules.js';

// The records the store keeps are the interpreter's own.
export { INSTANCE_STATUSES, TERMINAL_STATUSES } from '../../core/model.js';
export type { EventWait, HistoryEvent, InstanceRecord, InstanceStatus, Redelivery, SetAside };

export type TaskStatus = 'QUEUED' | 'LEASED';

/** One attempt of a task (or of an engine-run HTTP call): created by a transition, removed by one. */
export interface TaskRecord {
  /** Deterministic: derived from the instance id, run and the transition that scheduled it. */
  id: string;
  instanceId: string;
  run: number;
  step: string;
  /** Task type as written in the definition (or `$http` for engine-run HTTP calls). */
  type: string;
  /** Queue workers poll; defaults to the type. */
  queue: string;
  input: Json;
  attempt: number;
  status: TaskStatus;
  /** Lease length per claim and per heartbeat, ms. */
  timeoutMs: number;
  heartbeatMs: number | null;
  createdAt: number;
  /** Set while LEASED. */
  token: string | null;
  worker: string | null;
  leasedAt: number | null;
  leaseExpiresAt: number | null;
  /**
   * How many times the lease sweep has claimed this expired lease (claimExpiredLeases), this
   * claim included; absent until the sweep first does.
   */
  sweeps?: number;
}

/** A durable wake-up for an instance: a retry or delay timer, a timeout, a message due now. */
export interface TimerRecord {
  /** Deterministic, unique per instance and purpose. */
  id: string;
  instanceId: string;
  dueAt: number;
  /** The input the engine feeds to the instance when the timer fires. */
  input: EngineInput;
  /** How many times the timer has been claimed, this claim included; absent on a timer never claimed. */
  claims?: number;
}

export interface StoredDefinition {
  name: string;
  version: number;
  /** Content hash: registering identical content returns the existing version. */
  hash: string;
  /** Source text as registered (YAML or JSON). */
  source: string;
  /** The parsed definition. */
  definition: Json;
  createdAt: number;
}

export interface Transition {
  /**
   * The new record; `rev` must be `expectedRev + 1`. Its `workflow`, `parentId` and `createdAt`
   * are those it was created with (they never change), so an adapter need not write them again.
   */
  record: InstanceRecord;
  expectedRev: number;
  history: HistoryEvent[];
  createTasks: TaskRecord[];
  /** Task ids to remove (finished, cancelled or superseded attempts). Missing ids are ignored. */
  removeTasks: string[];
  createTimers: TimerRecord[];
  /** Timer ids to remove (fired or cancelled). Missing ids are ignored. */
  removeTimers: string[];
  /** New instances (children, next runs): created only if no instance has that id. */
  createInstances: InstanceRecord[];
  /**
   * `record.state` already encoded as JSON by the caller (which measured it), so the adapter need
   * not encode it again. When given, it must be exactly `JSON.stringify(record.state)`.
   */
  stateJson?: string;
  /** Lifecycle events of this transition (the outbox), written with it or not at all. Absent: none. */
  events?: LifecycleEvent[];
}

/** The lifecycle event types (the CloudEvents `type`): an instance's transitions, and its steps'. */
export const INSTANCE_EVENT_TYPES = [
  'segue.instance.started',
  'segue.instance.completed',
  'segue.instance.failed',
  'segue.instance.cancelled',
  'segue.instance.terminated',
  'segue.instance.timed_out',
  'segue.instance.suspended',
  'segue.instance.resumed',
  'segue.instance.continued',
] as const;
export const STEP_EVENT_TYPES = ['segue.step.started', 'segue.step.completed', 'segue.step.failed'] as const;
export type LifecycleEventType = (typeof INSTANCE_EVENT_TYPES)[number] | (typeof STEP_EVENT_TYPES)[number];

/** One lifecycle event, as the transition that made it writes it. */
export interface LifecycleEvent {
  /** Deterministic: `<instance id>:<run>:<history seq>`, so a replayed outbox writes it once. */
  id: string;
  type: LifecycleEventType;
  instanceId: string;
  workflow: string;
  version: number;
  run: number;
  /** Epoch ms of the transition. */
  at: number;
  step?: string;
  /** What the event says: the instance's status, and its output or error where it ended. */
  data: Json;
}

/** A lifecycle event in the feed. */
export interface FeedEvent extends LifecycleEvent {
  /** Its place in the feed: increasing in the order events become readable (gaps allowed). */
  seq: number;
}

export interface SubscriptionRecord {
  id: string;
  url: string;
  /** Event types delivered (of INSTANCE_EVENT_TYPES and STEP_EVENT_TYPES). */
  types: string[];
  /** Only events of this workflow, or of all when null. */
  workflow: string | null;
  /** Standard Webhooks signing secret (`whsec_` + base64). */
  secret: string;
  paused: boolean;
  /** Attempts per event before it becomes a dead letter. */
  maxAttempts: number;
  /** Compare-and-swap revision: 1 when created. */
  rev: number;
  createdAt: number;
  updatedAt: number;
  /** Feed seq of the last event dealt with (delivered, skipped by the filter, or dead-lettered). */
  cursor: number;
  /** The failing delivery of the next event, while it is retried. */
  failure: { attempts: number; nextAttemptAt: number; lastError: string } | null;
  /** The engine delivering, until when; null when none is. */
  lease: { owner: string; until: number } | null;
  /** Events delivered so far. */
  delivered: number;
}

/** An event a subscriber did not take after its last attempt. */
export interface DeadLetter {
  subscriptionId: string;
  event: FeedEvent;
  attempts: number;
  lastError: string;
  /** Epoch ms. */
  deadAt: number;
}

/** The lifecycle event feed, subscriptions and their dead letters. */
export interface EventStore {
  /** Events of the feed with seq > `after`, in feed order, at most `limit`. */
  readEvents(after: number, limit: number): Promise<FeedEvent[]>;
  /** The seq of the last event in the feed, 0 when it is empty. */
  lastEventSeq(): Promise<number>;
  /** Inserts (`expectedRev` null: only if the id is free) or replaces at `expectedRev`; false on conflict. */
  putSubscription(subscription: SubscriptionRecord, expectedRev: number | null): Promise<boolean>;
  getSubscription(id: string): Promise<SubscriptionRecord | null>;
  listSubscriptions(): Promise<SubscriptionRecord[]>;
  /** Removes the subscription and its dead letters; false if absent. */
  deleteSubscription(id: string): Promise<boolean>;
  /** Stores a dead letter (replacing one for the same subscription and event). */
  putDeadLetter(letter: DeadLetter): Promise<void>;
  /** The subscription's dead letters, oldest event first, at most `limit`. */
  listDeadLetters(subscriptionId: string, limit: number): Promise<DeadLetter[]>;
  getDeadLetter(subscriptionId: string, eventId: string): Promise<DeadLetter | null>;
  deleteDeadLetter(subscriptionId: string, eventId: string): Promise<boolean>;
}

export interface InstanceFilter {
  workflow?: string;
  status?: InstanceStatus[];
  parentId?: string;
  /** createdAt bounds, epoch ms, inclusive. */
  from?: number;
  to?: number;
  /** true: only instances set aside; false: only those not set aside. */
  setAside?: boolean;
}

export interface InstancePage {
  items: InstanceRecord[];
  /** Opaque; absent on the last page. Stable under inserts (newest first by createdAt, id). */
  nextCursor?: string;
}

export interface ClaimRequest {
  queues: string[];
  worker: string;
  max: number;
  now: number;
}

/** The tasks of one queue as they stand: waiting, and leased to workers. */
export interface QueueTasks {
  queue: string;
  /** QUEUED tasks. */
  queued: number;
  /** createdAt of the oldest QUEUED task, epoch ms; null when none waits. */
  oldestQueuedAt: number | null;
  /** LEASED tasks (attempts in flight). */
  leased: number;
  /** LEASED tasks by the worker holding them. */
  holders: Record<string, number>;
}

/** The run slots of one workflow with a concurrency limit (see run-slots.ts). */
export interface RunSlots {
  workflow: string;
  /** Instances holding a slot: they may run. */
  holders: string[];
  /** Instances waiting for a slot, in start order (`at`: their createdAt). */
  waiting: { id: string; at: number }[];
}

export interface SlotRequest {
  /** The workflow's concurrency limit. */
  limit: number;
  /** The instance's start time (its createdAt), which orders the queue. */
  at: number;
  /** Most instances the queue holds; past it the request is refused and nothing queued. */
  maxWaiting: number;
}

export interface SlotTaken {
  /** `held`: the instance has a slot; `queued`: it waits for one; `refused`: the queue is full. */
  answer: 'held' | 'queued' | 'refused';
  /** Waiting instances that took free slots on the way (their start is the caller's to apply). */
  promoted: string[];
}

export interface Store extends ScheduleStore, RunSlotStore, EventStore {
  /** Creates tables/collections and indexes if absent. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Cheap round trip, for health checks. */
  ping(): Promise<void>;

  // Definitions: immutable versions.
  /** Stores a version unless one with the same hash exists for that name (then returns it). */
  putDefinition(def: StoredDefinition): Promise<{ definition: StoredDefinition; created: boolean }>;
  /** The given version, or the latest when `version` is absent. */
  getDefinition(name: string, version?: number): Promise<StoredDefinition | null>;
  /** The highest version of `name`, or null: what a start without a version runs, without reading the definition. */
  latestDefinitionVersion(name: string): Promise<number | null>;
  listDefinitionVersions(name: string): Promise<StoredDefinition[]>;
  /** Latest version of every workflow, by name. */
  listDefinitions(): Promise<StoredDefinition[]>;

  // Instances.
  /** Inserts the instance with its effects atomically; false (and nothing written) if the id exists. */
  createInstance(transition: Omit<Transition, 'expectedRev'>): Promise<boolean>;
  getInstance(id: string): Promise<InstanceRecord | null>;
  /** Compare-and-swap on rev; false (and nothing written) when the record moved on. */
  commitTransition(transition: Transition): Promise<boolean>;
  listInstances(filter: InstanceFilter, limit: number, cursor?: string): Promise<InstancePage>;
  /** Ids of instances with an open wait on `event` with that correlation key. */
  findWaiting(event: string, key: string): Promise<string[]>;
  /** Ids of instances with an open wait carrying this correlation key, whatever its event: by id, at most `limit`. */
  findByWaitKey(key: string, limit: number): Promise<string[]>;
  /** How many instances have each status (a status none has is absent), within the filter's workflow and createdAt bounds. */
  countByStatus(filter: Pick<InstanceFilter, 'workflow' | 'from' | 'to'>): Promise<Partial<Record<InstanceStatus, number>>>;
  /** Removes a terminal instance, its history, tasks and timers. False if absent or not terminal. */
  purgeInstance(id: string): Promise<boolean>;

  // History.
  readHistory(instanceId: string, run: number, afterSeq?: number, limit?: number): Promise<HistoryEvent[]>;

  // Tasks.
  /** Leases up to `max` QUEUED tasks of those queues, oldest first, each with a fresh token. */
  claimTasks(req: ClaimRequest): Promise<TaskRecord[]>;
  /** The LEASED task holding this token, or null when the token is stale or unknown. */
  getTaskByToken(token: string): Promise<TaskRecord | null>;
  /** Extends the lease of the task holding `token` until `until`; false when the token is stale. */
  extendLease(token: string, until: number): Promise<boolean>;
  /**
   * LEASED tasks whose lease expired at or before `now`, earliest expiry first, not claimed by
   * another sweep; claims them until `now + leaseMs` (their `sweeps` count goes up by one) so that
   * several engines do not time out the same attempt at once. The lease itself is left as it was.
   */
  claimExpiredLeases(now: number, limit: number, leaseMs: number): Promise<TaskRecord[]>;
  /** LEASED tasks whose lease expired at or before `now`, earliest expiry first, swept or not; claims nothing. */
  findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]>;
  /** Number of QUEUED tasks per queue. */
  countQueued(): Promise<Record<string, number>>;
  /** Every queue that holds a task, QUEUED or LEASED, by queue name. */
  summarizeQueues(): Promise<QueueTasks[]>;
  /** QUEUED tasks of those queues created at or before `createdBy`, oldest first. */
  findQueuedTasks(queues: string[], createdBy: number, limit: number): Promise<TaskRecord[]>;
  /** Number of instances set aside, per workflow. */
  countSetAside(): Promise<Record<string, number>>;

  // Timers.
  /**
   * Timers due at or before `now` not leased by someone else; leases them until `now + leaseMs` so
   * that several engines do not fire the same one at once, and counts the claim (`claims`). A fired
   * timer is removed by the transition.
   */
  claimDueTimers(now: number, limit: number, leaseMs: number): Promise<TimerRecord[]>;
  /** Earliest time a timer becomes claimable: max(dueAt, end of its lease), or null. */
  nextTimerDue(): Promise<number | null>;
}

/**
 * Run slots of workflows with a concurrency limit, each workflow's changed atomically, so the limit
 * holds across every engine on the store.
 */
export interface RunSlotStore {
  /** A slot for the instance (it keeps the one it holds), else its place in the queue. */
  takeRunSlot(workflow: string, instanceId: string, req: SlotRequest): Promise<SlotTaken>;
  /** Gives back its slot or place; answers the waiting instances that took the freed slots, oldest first. */
  giveBackRunSlot(workflow: string, instanceId: string, limit: number): Promise<string[]>;
  /** The slots of every workflow that has any holder or waiting instance. */
  listRunSlots(): Promise<RunSlots[]>;
}

export interface ScheduleRecord {
  id: string;
  workflow: string;
  /** Pinned version, or null for the latest at each fire. */
  version: number | null;
  /** 5 or 6 fields (with seconds). */
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  input: Json;
  overlap: OverlapPolicy;
  /** Fires missed by at most this much (downtime) still start; older ones are recorded as missed. */
  catchupWindowMs: number;
  paused: boolean;
  note: string | null;
  /** Where it came from: the API, or a workflow file's `schedules:` list. */
  origin: 'api' | 'definition';
  /** Compare-and-swap revision: 1 when created. */
  rev: number;
  /** Epoch ms of the next fire, null when the expression has no more (or the schedule is paused). */
  nextFireAt: number | null;
  /** Fires claimed but whose instances may not be started yet (a crash between the two is repaired). */
  pending: { fireTime: string; action: 'start' | 'cancel-then-start' | 'terminate-then-start' | 'trigger' }[];
  /** One fire held back by the `buffer` policy until the running instance ends. */
  buffered: string | null;
  /** Instance started by the latest fire, for the overlap policy. */
  lastInstanceId: string | null;
  /** The most recent fires, newest first, at most 20. */
  recent: ScheduleFire[];
  createdAt: number;
  updatedAt: number;
}

/** Schedules in the store; every change is a compare-and-swap on `rev`. */
export interface ScheduleStore {
  /** Inserts (`expectedRev` null: only if the id is free) or replaces at `expectedRev`; false on conflict. */
  putSchedule(schedule: ScheduleRecord, expectedRev: number | null): Promise<boolean>;
  getSchedule(id: string): Promise<ScheduleRecord | null>;
  listSchedules(): Promise<ScheduleRecord[]>;
  deleteSchedule(id: string): Promise<boolean>;
  /** Schedules not paused that have a fire due (nextFireAt ≤ now), pending fires, or a buffered fire. */
  findDueSchedules(now: number, limit: number): Promise<ScheduleRecord[]>;
}
