/**
 * The SQLite Store adapter (better-sqlite3). Reads run at once on the connection. Writes are
 * group-committed (group-commit.ts): those issued in the same event-loop turn share one IMMEDIATE
 * transaction and one fsync, each in its own savepoint, in the order they were called; a write's
 * promise settles only after its batch committed. Several processes may share one file: WAL lets
 * readers run beside the single writer, and the busy timeout makes writers queue for the lock.
 */
import Database from 'better-sqlite3';
import { checkCount } from '../checks.js';
import { StoreError, storeFailure } from '../errors.js';
import type {
  ClaimRequest,
  DeadLetter,
  FeedEvent,
  SubscriptionRecord,
  HistoryEvent,
  ScheduleRecord,
  InstanceFilter,
  InstancePage,
  InstanceRecord,
  InstanceStatus,
  QueueTasks,
  RunSlots,
  SlotRequest,
  SlotTaken,
  Store,
  StoredDefinition,
  TaskRecord,
  TimerRecord,
  Transition,
} from '../port.js';
import { GroupCommit } from './group-commit.js';
import { countByStatus, listInstances, type ListStatementCache } from './list-instances.js';
import { batchToHistory, definitionToRow, rowToDefinition, rowToInstance, rowToTask, transitionRows } from './rows.js';
import { applySchema } from './schema.js';
import { normaliseSqliteError } from './sqlite-errors.js';
import { prepareStatements, type Statements } from './statements.js';
import { byCreatedThenId, prepareWrites, type Writes } from './writes.js';
import { summarizeTaskGroups } from '../queue-summary.js';
import { StoredJson, type DataKeys } from '../stored-json.js';
import { prepareRunSlotStatements, type RunSlotStatements } from './run-slots.js';
import { prepareScheduleStatements, type ScheduleStatements } from './schedules.js';
import { prepareEventStatements, type EventStatements } from './events.js';

export interface SqliteStoreOptions {
  /** Database file path, or `:memory:` for a private in-memory database. */
  path: string;
  /**
   * `full` (default): every commit is synced to disk before it returns and survives power loss.
   * `normal`: faster; a power loss (not a process crash) may drop the last commits, never corrupts.
   */
  synchronous?: 'full' | 'normal';
  /** How long a write waits for another connection's lock before failing with STORE_BUSY, ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Most writes committed together in one transaction; a batch this full commits at once instead
   * of at the end of the event-loop turn. Default 256.
   */
  maxBatchSize?: number;
  /** With keys, opaque JSON is stored sealed (stored-json.ts); without, as text. */
  dataKeys?: DataKeys;
}

interface Connection {
  db: Database.Database;
  s: Statements;
  w: Writes;
  commits: GroupCommit;
  lists: ListStatementCache;
  schedules: ScheduleStatements;
  events: EventStatements;
  slots: RunSlotStatements;
}

function checkOptions(options: SqliteStoreOptions): Required<Omit<SqliteStoreOptions, 'dataKeys'>> {
  const { path, synchronous = 'full', busyTimeoutMs = 5000, maxBatchSize = 256 } = options;
  if (typeof path !== 'string' || path === '') {
    throw new StoreError('STORE_INVALID', 'the SQLite store needs a file path (or ":memory:")');
  }
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new StoreError('STORE_INVALID', `synchronous must be "full" or "normal", got ${JSON.stringify(synchronous)}`);
  }
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new StoreError('STORE_INVALID', `busyTimeoutMs must be a whole number of milliseconds >= 0, got ${busyTimeoutMs}`);
  }
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new StoreError('STORE_INVALID', `maxBatchSize must be a whole number >= 1, got ${maxBatchSize}`);
  }
  return { path, synchronous, busyTimeoutMs, maxBatchSize };
}


export class SqliteStore implements Store {
  private readonly options: Required<Omit<SqliteStoreOptions, 'dataKeys'>>;
  private readonly json: StoredJson;
  private connection: Connection | undefined;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    this.options = checkOptions(options);
    this.json = new StoredJson(options.dataKeys);
  }

  async init(): Promise<void> {
    if (this.connection) return;
    if (this.closed) throw new StoreError('STORE_UNAVAILABLE', 'the store is closed; open a new one');
    const action = `open the SQLite database "${this.options.path}"`;
    let db: Database.Database | undefined;
    try {
      db = new Database(this.options.path, { timeout: this.options.busyTimeoutMs });
      db.pragma('foreign_keys = OFF');
      if (!db.memory) db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // Each write's savepoint keeps the pages it changes in a statement journal, only for rolling
      // that write back within its batch: in memory it costs no file writes (crash recovery uses the WAL).
      db.pragma('temp_store = MEMORY');
      applySchema(db);
      const s = prepareStatements(db);
      const commits = new GroupCommit(db, this.options.maxBatchSize, normaliseSqliteError);
      this.connection = { db, s, w: prepareWrites(s, this.json), commits, lists: new Map(), schedules: prepareScheduleStatements(db, this.json), slots: prepareRunSlotStatements(db), events: prepareEventStatements(db, this.json) };
    } catch (err) {
      db?.close();
      const normalised = normaliseSqliteError(err, action);
      throw normalised instanceof StoreError
        ? normalised
        : storeFailure('STORE_UNAVAILABLE', action, err instanceof Error ? err.message : String(err), err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    // Writes already accepted are committed, not dropped.
    connection?.commits.flush();
    connection?.db.close();
  }

  private open(): Connection {
    if (this.connection) return this.connection;
    throw new StoreError('STORE_UNAVAILABLE', this.closed ? 'the store is closed' : 'the store is not open; call init() first');
  }

  /** Runs one synchronous read on the open connection, normalising what it throws. */
  private async use<T>(action: string, work: (c: Connection) => T): Promise<T> {
    const connection = this.open();
    try {
      return work(connection);
    } catch (err) {
      throw normaliseSqliteError(err, action);
    }
  }

  /**
   * Queues one write for the next group commit. Callers turn records into rows before calling, so
   * the batch stores what they passed even if they change their objects while it waits.
   */
  private async write<T>(action: string, work: (w: Writes) => T): Promise<T> {
    const { w, commits } = this.open();
    return commits.submit(action, () => work(w));
  }

  ping(): Promise<void> {
    return this.use('reach the database', (c) => {
      c.s.ping.get();
    });
  }

  async putDefinition(def: StoredDefinition): Promise<{ definition: StoredDefinition; created: boolean }> {
    const row = definitionToRow(def);
    return this.write(`store workflow "${def.name}"`, (w) => w.putDefinition(def, row));
  }

  getDefinition(name: string, version?: number): Promise<StoredDefinition | null> {
    return this.use(`read workflow "${name}"`, (c) => {
      const row = version === undefined ? c.s.latestDefinition.get(name) : c.s.definitionByVersion.get(name, version);
      return row ? rowToDefinition(row) : null;
    });
  }

  latestDefinitionVersion(name: string): Promise<number | null> {
    return this.use(`read the latest version of workflow "${name}"`, (c) => c.s.latestVersion.get(name)?.version ?? null);
  }

  listDefinitionVersions(name: string): Promise<StoredDefinition[]> {
    return this.use(`list the versions of workflow "${name}"`, (c) => c.s.definitionVersions.all(name).map(rowToDefinition));
  }

  listDefinitions(): Promise<StoredDefinition[]> {
    return this.use('list workflows', (c) => c.s.latestDefinitions.all().map(rowToDefinition));
  }

  async createInstance(transition: Omit<Transition, 'expectedRev'>): Promise<boolean> {
    const rows = transitionRows(transition, this.json);
    return this.write(`create instance "${transition.record.id}"`, (w) => w.createInstance(rows));
  }

  getInstance(id: string): Promise<InstanceRecord | null> {
    return this.use(`read instance "${id}"`, (c) => {
      const row = c.s.getInstance.get(id);
      return row ? rowToInstance(row, this.json) : null;
    });
  }

  async commitTransition(transition: Transition): Promise<boolean> {
    const { record, expectedRev } = transition;
    if (record.rev !== expectedRev + 1) {
      throw new StoreError('STORE_INVALID', `record.rev must be expectedRev + 1 (got rev ${record.rev}, expectedRev ${expectedRev})`);
    }
    const rows = transitionRows(transition, this.json, expectedRev);
    return this.write(`commit a transition of instance "${record.id}"`, (w) => w.commitTransition(rows));
  }

  listInstances(filter: InstanceFilter, limit: number, cursor?: string): Promise<InstancePage> {
    return this.use('list instances', (c) => listInstances(c.db, c.lists, this.json, filter, limit, cursor));
  }

  findWaiting(event: string, key: string): Promise<string[]> {
    return this.use(`find instances waiting for "${event}"`, (c) => c.s.findWaiting.all(event, key));
  }

  findByWaitKey(key: string, limit: number): Promise<string[]> {
    return this.use(`find instances waiting with key "${key}"`, (c) => {
      checkCount('limit', limit);
      return c.s.findByWaitKey.all(key, limit);
    });
  }

  countByStatus(filter: Pick<InstanceFilter, 'workflow' | 'from' | 'to'>): Promise<Partial<Record<InstanceStatus, number>>> {
    return this.use('count instances by status', (c) => countByStatus(c.db, filter));
  }

  purgeInstance(id: string): Promise<boolean> {
    return this.write(`purge instance "${id}"`, (w) => w.purgeInstance(id));
  }

  readHistory(instanceId: string, run: number, afterSeq = 0, limit?: number): Promise<HistoryEvent[]> {
    return this.use(`read the history of instance "${instanceId}"`, (c) => {
      if (limit !== undefined) checkCount('limit', limit);
      const events: HistoryEvent[] = [];
      if (limit === 0) return events;
      for (const row of c.s.readHistory.iterate(instanceId, run, afterSeq)) {
        for (const event of batchToHistory(row, this.json)) {
          if (event.seq <= afterSeq) continue;
          events.push(event);
          if (events.length === limit) return events;
        }
      }
      return events;
    });
  }

  async claimTasks(req: ClaimRequest): Promise<TaskRecord[]> {
    checkCount('max', req.max);
    if (req.queues.length === 0 || req.max === 0) return [];
    const claim = { ...req, queues: [...req.queues] };
    return this.write('claim tasks', (w) => w.claimTasks(claim));
  }

  getTaskByToken(token: string): Promise<TaskRecord | null> {
    return this.use('read a task by its token', (c) => {
      const row = c.s.taskByToken.get(token);
      return row ? rowToTask(row, this.json) : null;
    });
  }

  extendLease(token: string, until: number): Promise<boolean> {
    return this.write('extend a task lease', (w) => w.extendLease(token, until));
  }

  async claimExpiredLeases(now: number, limit: number, leaseMs: number): Promise<TaskRecord[]> {
    checkCount('limit', limit);
    if (limit === 0) return [];
    return this.write('claim expired task leases', (w) => w.claimExpiredLeases(now, limit, leaseMs));
  }

  findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]> {
    return this.use('find expired task leases', (c) => {
      checkCount('limit', limit);
      return c.s.expiredLeases.all(now, limit).map((row) => rowToTask(row, this.json));
    });
  }

  countQueued(): Promise<Record<string, number>> {
    return this.use('count queued tasks', (c) =>
      Object.fromEntries(c.s.countQueued.all().map((row) => [row.queue, row.n])),
    );
  }

  summarizeQueues(): Promise<QueueTasks[]> {
    return this.use('summarize the task queues', (c) => summarizeTaskGroups(c.s.taskGroups.all()));
  }

  findQueuedTasks(queues: string[], createdBy: number, limit: number): Promise<TaskRecord[]> {
    return this.use('find queued tasks', (c) => {
      checkCount('limit', limit);
      // One range of the tasks_queued index per queue, merged oldest first.
      const rows = [...new Set(queues)].flatMap((queue) => c.s.queuedBy.all(queue, createdBy, limit));
      return rows.sort(byCreatedThenId).slice(0, limit).map((row) => rowToTask(row, this.json));
    });
  }

  countSetAside(): Promise<Record<string, number>> {
    return this.use('count the instances set aside', (c) =>
      Object.fromEntries(c.s.countSetAside.all().map((row) => [row.workflow, row.n])),
    );
  }

  async claimDueTimers(now: number, limit: number, leaseMs: number): Promise<TimerRecord[]> {
    checkCount('limit', limit);
    if (limit === 0) return [];
    return this.write('claim due timers', (w) => w.claimDueTimers(now, limit, leaseMs));
  }

  /** When the next timer becomes claimable: its dueAt, or the end of its lease if that is later. */
  nextTimerDue(): Promise<number | null> {
    return this.use('read the next timer', (c) => c.s.nextTimerDue.get() ?? null);
  }

  takeRunSlot(workflow: string, instanceId: string, req: SlotRequest): Promise<SlotTaken> {
    const { commits, slots } = this.open();
    return commits.submit(`take a run slot of workflow "${workflow}"`, () => slots.take(workflow, instanceId, req));
  }

  giveBackRunSlot(workflow: string, instanceId: string, limit: number): Promise<string[]> {
    const { commits, slots } = this.open();
    return commits.submit(`give back a run slot of workflow "${workflow}"`, () => slots.giveBack(workflow, instanceId, limit));
  }

  listRunSlots(): Promise<RunSlots[]> {
    return this.use('list the run slots', (c) => c.slots.list());
  }

  putSchedule(schedule: ScheduleRecord, expectedRev: number | null): Promise<boolean> {
    const { commits, schedules } = this.open();
    const copy = structuredClone(schedule);
    return commits.submit(`store schedule "${schedule.id}"`, () => schedules.put(copy, expectedRev));
  }

  getSchedule(id: string): Promise<ScheduleRecord | null> {
    return this.use(`read schedule "${id}"`, (c) => c.schedules.get(id));
  }

  listSchedules(): Promise<ScheduleRecord[]> {
    return this.use('list the schedules', (c) => c.schedules.list());
  }

  deleteSchedule(id: string): Promise<boolean> {
    const { commits, schedules } = this.open();
    return commits.submit(`delete schedule "${id}"`, () => schedules.remove(id));
  }

  findDueSchedules(now: number, limit: number): Promise<ScheduleRecord[]> {
    checkCount('limit', limit);
    return this.use('find the due schedules', (c) => c.schedules.due(now, limit));
  }

  readEvents(after: number, limit: number): Promise<FeedEvent[]> {
    return this.use('read the event feed', (c) => {
      checkCount('limit', limit);
      return c.events.readEvents(after, limit);
    });
  }

  lastEventSeq(): Promise<number> {
    return this.use('read the end of the event feed', (c) => c.events.lastEventSeq());
  }

  putSubscription(subscription: SubscriptionRecord, expectedRev: number | null): Promise<boolean> {
    const { commits, events } = this.open();
    const copy = structuredClone(subscription);
    return commits.submit(`store subscription "${subscription.id}"`, () => events.putSubscription(copy, expectedRev));
  }

  getSubscription(id: string): Promise<SubscriptionRecord | null> {
    return this.use(`read subscription "${id}"`, (c) => c.events.getSubscription(id));
  }

  listSubscriptions(): Promise<SubscriptionRecord[]> {
    return this.use('list the subscriptions', (c) => c.events.listSubscriptions());
  }

  deleteSubscription(id: string): Promise<boolean> {
    const { commits, events } = this.open();
    return commits.submit(`delete subscription "${id}"`, () => events.deleteSubscription(id));
  }

  putDeadLetter(letter: DeadLetter): Promise<void> {
    const { commits, events } = this.open();
    const copy = structuredClone(letter);
    return commits.submit(`store a dead letter of subscription "${letter.subscriptionId}"`, () => events.putDeadLetter(copy));
  }

  listDeadLetters(subscriptionId: string, limit: number): Promise<DeadLetter[]> {
    return this.use(`list the dead letters of subscription "${subscriptionId}"`, (c) => {
      checkCount('limit', limit);
      return c.events.listDeadLetters(subscriptionId, limit);
    });
  }

  getDeadLetter(subscriptionId: string, eventId: string): Promise<DeadLetter | null> {
    return this.use(`read a dead letter of subscription "${subscriptionId}"`, (c) => c.events.getDeadLetter(subscriptionId, eventId));
  }

  deleteDeadLetter(subscriptionId: string, eventId: string): Promise<boolean> {
    const { commits, events } = this.open();
    return commits.submit(`delete a dead letter of subscription "${subscriptionId}"`, () => events.deleteDeadLetter(subscriptionId, eventId));
  }
}
