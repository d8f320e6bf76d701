/**
 * The MongoDB Store adapter (official driver). Works on a standalone server: no multi-document
 * transactions. The instance document is the unit of consistency; each transition is one
 * compare-and-swap on its `rev` that also records the transition's other writes in an outbox
 * (outbox.ts), applied right after, together with those of the commits of the same moment
 * (group-commit.ts), and replayed by anyone who finds it left behind.
 */
import { MongoClient, type CommandStartedEvent, type MongoClientOptions } from 'mongodb';
import { StoreError, storeFailure } from '../errors.js';
import { checkCount } from '../checks.js';
import { faultPoint } from '../faults.js';
import {
  TERMINAL_STATUSES,
  type ClaimRequest,
  type DeadLetter,
  type FeedEvent,
  type SubscriptionRecord,
  type HistoryEvent,
  type InstanceFilter,
  type InstancePage,
  type InstanceRecord,
  type InstanceStatus,
  type QueueTasks,
  type RunSlots,
  type SlotRequest,
  type SlotTaken,
  type ScheduleRecord,
  type Store,
  type StoredDefinition,
  type TaskRecord,
  type TimerRecord,
  type Transition,
} from '../port.js';
import { openCollections, type Collections } from './collections.js';
import {
  checkDocumentSize,
  deadLetterId,
  deadLetterToDoc,
  docToDeadLetter,
  docToSubscription,
  subscriptionToDoc,
  definitionToDoc,
  docToDefinition,
  docToHistory,
  docToInstance,
  instanceToDoc,
  docToSchedule,
  scheduleToDoc,
  type EffectsDoc,
  type InstanceDoc,
} from './documents.js';
import { applySchema } from './indexes.js';
import { countByStatus, listInstances, waitingFilter } from './list-instances.js';
import { isDuplicateKey, normaliseMongoError } from './mongodb-errors.js';
import { checkDatabaseName, parseMongoUrl, type MongoUrl } from './mongodb-url.js';
import { Batches } from './batches.js';
import { effectsGroups } from './group-commit.js';
import { finishPurge, planEffects, replayOutbox, sweepOutboxes } from './outbox.js';
import * as work from './work.js';
import * as events from './events.js';
import * as slots from './run-slots.js';
import { StoredJson, type DataKeys } from '../stored-json.js';

const afterInstanceUpdate = faultPoint('mongodb.commitTransition.afterInstanceUpdate');
const afterInstanceInsert = faultPoint('mongodb.createInstance.afterInstanceInsert');
const beforeOutboxClear = faultPoint('mongodb.effects.beforeOutboxClear');
const afterPurgeMark = faultPoint('mongodb.purgeInstance.afterMark');

export interface MongoStoreOptions {
  /**
   * Database holding Segue's collections. Default: the URL's path, else `segue`. Set it when the
   * URL's path must name the authentication database instead.
   */
  database?: string;
  /**
   * How long an operation looks for a reachable server before failing with STORE_UNAVAILABLE, ms.
   * Default: the URL's serverSelectionTimeoutMS, else 10000.
   */
  serverSelectionTimeoutMs?: number;
  /**
   * Outboxes older than this are taken for left behind by a crashed writer and replayed by the next
   * claim (claimTasks, claimDueTimers, claimExpiredLeases), which looks at most once per period, ms.
   * Default 1000. 0 looks on every claim.
   */
  outboxSweepMs?: number;
  /**
   * Called for every command the driver sends (its command monitoring), to count the round trips
   * a workload costs. Default: none, and the driver does not monitor.
   */
  onCommand?: (event: CommandStartedEvent) => void;
  /** With keys, opaque JSON is stored sealed (stored-json.ts); without, as text. */
  dataKeys?: DataKeys;
}

interface Settings {
  url: string;
  parsed: MongoUrl;
  database: string;
  serverSelectionTimeoutMs: number | undefined;
  outboxSweepMs: number;
  onCommand: ((event: CommandStartedEvent) => void) | undefined;
}

const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 10_000;

function checkMs(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new StoreError('STORE_INVALID', `${name} must be a whole number of milliseconds >= 0, got ${value}`);
  }
}

function checkOptions(url: string, options: MongoStoreOptions): Settings {
  const parsed = parseMongoUrl(url);
  checkMs('serverSelectionTimeoutMs', options.serverSelectionTimeoutMs);
  checkMs('outboxSweepMs', options.outboxSweepMs);
  return {
    url,
    parsed,
    database: options.database === undefined ? parsed.database : checkDatabaseName(options.database),
    serverSelectionTimeoutMs: options.serverSelectionTimeoutMs,
    outboxSweepMs: options.outboxSweepMs ?? 1_000,
    onCommand: options.onCommand,
  };
}

/** Driver options: the adapter's defaults, except where the URL sets the option itself. */
function clientOptions(settings: Settings): MongoClientOptions {
  const set = settings.parsed.options;
  const options: MongoClientOptions = { appName: 'segue' };
  const timeout = settings.serverSelectionTimeoutMs;
  if (timeout !== undefined) options.serverSelectionTimeoutMS = timeout;
  else if (!set.has('serverselectiontimeoutms')) options.serverSelectionTimeoutMS = DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
  // Acknowledged once journaled (standalone) or on a majority (replica set): a commit survives a crash.
  if (!set.has('w')) options.writeConcern = { w: 'majority' };
  if (settings.onCommand) options.monitorCommands = true;
  return options;
}


export class MongoStore implements Store {
  private readonly settings: Settings;
  private readonly json: StoredJson;
  private client: MongoClient | undefined;
  private collections: Collections | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;
  private nextSweepAt = 0;
  private readonly effectsGroups = effectsGroups(beforeOutboxClear);
  /** Token lookups of the moment, in one read (every result and heartbeat of a worker starts with one). */
  private readonly tokenLookups = new Batches<{ c: Collections; token: string }, TaskRecord | null>(async (lookups) => {
    const found = await work.getTasksByToken(lookups[0]!.c.tasks, this.json, lookups.map((l) => l.token));
    return lookups.map((l) => found.get(l.token) ?? null);
  });

  constructor(url: string, options: MongoStoreOptions = {}) {
    this.settings = checkOptions(url, options);
    this.json = new StoredJson(options.dataKeys);
  }

  init(): Promise<void> {
    if (this.collections) return Promise.resolve();
    if (this.closed) return Promise.reject(new StoreError('STORE_UNAVAILABLE', 'the store is closed; open a new one'));
    if (!this.opening) {
      this.opening = this.open();
      // A failed open may be tried again.
      this.opening.catch(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async open(): Promise<void> {
    const { parsed, database } = this.settings;
    const action = `connect to MongoDB at ${parsed.hosts} (database "${database}")`;
    let client: MongoClient | undefined;
    try {
      client = new MongoClient(this.settings.url, clientOptions(this.settings));
      const { onCommand } = this.settings;
      if (onCommand) client.on('commandStarted', onCommand);
      await client.connect();
      const collections = openCollections(client.db(database));
      await applySchema(collections);
      // Effects a crashed process left behind, before this one works on anything.
      await sweepOutboxes(collections);
      if (this.closed) throw new StoreError('STORE_UNAVAILABLE', 'the store is closed; open a new one');
      this.client = client;
      this.collections = collections;
    } catch (err) {
      await client?.close().catch(() => undefined);
      const normalised = normaliseMongoError(err, action);
      throw normalised instanceof StoreError
        ? normalised
        : storeFailure('STORE_UNAVAILABLE', action, err instanceof Error ? err.message : String(err), err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.collections = undefined;
    await client?.close();
  }

  /** Runs one unit of work on the open database, normalising what it throws. */
  private async use<T>(action: string, task: (c: Collections) => Promise<T>): Promise<T> {
    const collections = this.collections;
    if (!collections) {
      throw new StoreError('STORE_UNAVAILABLE', this.closed ? 'the store is closed' : 'the store is not open; call init() first');
    }
    try {
      return await task(collections);
    } catch (err) {
      throw normaliseMongoError(err, action);
    }
  }

  /** Replays outboxes older than the sweep period; looks at most once per period. */
  private async sweepIfDue(c: Collections): Promise<void> {
    const now = Date.now();
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + this.settings.outboxSweepMs;
    await sweepOutboxes(c, now - this.settings.outboxSweepMs);
  }

  /** Replays the outbox of one instance, if it has one. */
  private async replayPending(c: Collections, id: string): Promise<void> {
    const doc = await c.instances.findOne({ _id: id, 'outbox.at': { $exists: true } }, { projection: { outbox: 1 } });
    if (doc?.outbox) await replayOutbox(c, id, doc.outbox);
  }

  /** Steps 2 and 3 of the outbox protocol, after the instance write, with the commits of the moment. */
  private finishCommit(c: Collections, id: string, rev: number, effects: EffectsDoc): Promise<void> {
    return this.effectsGroups.submit({ c, id, rev, effects });
  }

  ping(): Promise<void> {
    return this.use('reach the database', async (c) => {
      await c.db.command({ ping: 1 });
    });
  }

  putDefinition(def: StoredDefinition): Promise<{ definition: StoredDefinition; created: boolean }> {
    return this.use(`store workflow "${def.name}"`, async (c) => {
      const existing = async () => {
        const same = await c.definitions.findOne({ name: def.name, hash: def.hash });
        if (same) return { definition: docToDefinition(same), created: false };
        if (await c.definitions.findOne({ name: def.name, version: def.version }, { projection: { _id: 1 } })) {
          throw new StoreError('STORE_CONFLICT', `workflow "${def.name}" version ${def.version} already exists with different content`);
        }
        return null;
      };
      const found = await existing();
      if (found) return found;
      try {
        await c.definitions.insertOne(definitionToDoc(def));
        return { definition: def, created: true };
      } catch (err) {
        // Another process registered this name at the same moment: answer as if it had been first.
        if (!isDuplicateKey(err)) throw err;
        const raced = await existing();
        if (raced) return raced;
        throw err;
      }
    });
  }

  getDefinition(name: string, version?: number): Promise<StoredDefinition | null> {
    return this.use(`read workflow "${name}"`, async (c) => {
      const doc =
        version === undefined
          ? await c.definitions.findOne({ name }, { sort: { version: -1 } })
          : await c.definitions.findOne({ name, version });
      return doc ? docToDefinition(doc) : null;
    });
  }

  latestDefinitionVersion(name: string): Promise<number | null> {
    return this.use(`read the latest version of workflow "${name}"`, async (c) => {
      const doc = await c.definitions.findOne({ name }, { sort: { version: -1 }, projection: { _id: 0, version: 1 } });
      return doc?.version ?? null;
    });
  }

  listDefinitionVersions(name: string): Promise<StoredDefinition[]> {
    return this.use(`list the versions of workflow "${name}"`, async (c) =>
      (await c.definitions.find({ name }).sort({ version: 1 }).toArray()).map(docToDefinition),
    );
  }

  listDefinitions(): Promise<StoredDefinition[]> {
    return this.use('list workflows', async (c) => {
      // Two reads every MongoDB-protocol server answers: every (name, version), newest first
      // (definitions_by_version covers it), then the latest version's document of each name.
      const versions = await c.definitions
        .find({}, { projection: { _id: 0, name: 1, version: 1 } })
        .sort({ name: 1, version: -1 })
        .toArray();
      const latest = versions.filter((v, i) => i === 0 || versions[i - 1]!.name !== v.name);
      if (latest.length === 0) return [];
      const docs = await c.definitions.find({ $or: latest.map(({ name, version }) => ({ name, version })) }).sort({ name: 1 }).toArray();
      return docs.map(docToDefinition);
    });
  }

  createInstance(transition: Omit<Transition, 'expectedRev'>): Promise<boolean> {
    const { record } = transition;
    return this.use(`create instance "${record.id}"`, async (c) => {
      const effects = planEffects(transition, this.json);
      const doc = instanceToDoc(record, this.json, transition.stateJson);
      if (effects) doc.outbox = { rev: record.rev, at: Date.now(), effects };
      checkDocumentSize(doc);
      try {
        await c.instances.insertOne(doc);
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
      afterInstanceInsert();
      if (effects) await this.finishCommit(c, record.id, record.rev, effects);
      return true;
    });
  }

  getInstance(id: string): Promise<InstanceRecord | null> {
    return this.use(`read instance "${id}"`, async (c) => {
      const doc = await c.instances.findOne({ _id: id });
      if (!doc) return null;
      if (doc.outbox) {
        await replayOutbox(c, id, doc.outbox);
        if ('purge' in doc.outbox) return null;
      }
      return docToInstance(doc, this.json);
    });
  }

  commitTransition(transition: Transition): Promise<boolean> {
    const { record, expectedRev } = transition;
    return this.use(`commit a transition of instance "${record.id}"`, async (c) => {
      if (record.rev !== expectedRev + 1) {
        throw new StoreError('STORE_INVALID', `record.rev must be expectedRev + 1 (got rev ${record.rev}, expectedRev ${expectedRev})`);
      }
      const effects = planEffects(transition, this.json);
      const doc = instanceToDoc(record, this.json, transition.stateJson);
      if (effects) doc.outbox = { rev: record.rev, at: Date.now(), effects };
      checkDocumentSize(doc);
      if (!(await this.swap(c, doc, expectedRev))) return false;
      afterInstanceUpdate();
      if (effects) await this.finishCommit(c, record.id, record.rev, effects);
      return true;
    });
  }

  /** The compare-and-swap: writes `doc` over the instance if it is still at `expectedRev`. */
  private async swap(c: Collections, doc: InstanceDoc, expectedRev: number): Promise<boolean> {
    const { _id: id, ...fields } = doc;
    const filter = { _id: id, rev: expectedRev, outbox: { $exists: false } };
    if ((await c.instances.updateOne(filter, { $set: fields })).matchedCount === 1) return true;
    // Either the record moved on (we lost), or the commit that made expectedRev left its outbox
    // behind: replay it before writing ours, or its effects would be lost with it.
    const current = await c.instances.findOne({ _id: id }, { projection: { rev: 1, outbox: 1 } });
    if (!current || current.rev !== expectedRev) return false;
    if (current.outbox) await replayOutbox(c, id, current.outbox);
    return (await c.instances.updateOne(filter, { $set: fields })).matchedCount === 1;
  }

  listInstances(filter: InstanceFilter, limit: number, cursor?: string): Promise<InstancePage> {
    return this.use('list instances', (c) => listInstances(c.instances, this.json, filter, limit, cursor));
  }

  findWaiting(event: string, key: string): Promise<string[]> {
    return this.use(`find instances waiting for "${event}"`, async (c) => {
      const docs = await c.instances.find(waitingFilter(event, key), { projection: { waits: 1 } }).sort({ _id: 1 }).toArray();
      // The filter may match the event in one wait and the key in another: keep the real pairs.
      return docs.filter((doc) => doc.waits.some((w) => w.event === event && w.key === key)).map((doc) => doc._id);
    });
  }

  findByWaitKey(key: string, limit: number): Promise<string[]> {
    return this.use(`find instances waiting with key "${key}"`, async (c) => {
      checkCount('limit', limit);
      if (limit === 0) return [];
      const docs = await c.instances.find({ 'waits.key': key }, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(limit).toArray();
      return docs.map((doc) => doc._id);
    });
  }

  countByStatus(filter: Pick<InstanceFilter, 'workflow' | 'from' | 'to'>): Promise<Partial<Record<InstanceStatus, number>>> {
    return this.use('count instances by status', (c) => countByStatus(c.instances, filter));
  }

  /**
   * Marks the instance first (the mark hides it from every read and clears its waits), then deletes
   * its history, tasks and timers, and the instance document last. A crash in between leaves the
   * mark, and any replay of it finishes the purge.
   */
  purgeInstance(id: string): Promise<boolean> {
    return this.use(`purge instance "${id}"`, async (c) => {
      if (!(await this.markPurge(c, id))) return false;
      afterPurgeMark();
      await finishPurge(c, id);
      return true;
    });
  }

  private async markPurge(c: Collections, id: string): Promise<boolean> {
    const filter = { _id: id, status: { $in: [...TERMINAL_STATUSES] }, outbox: { $exists: false } };
    const mark = { $set: { outbox: { at: Date.now(), purge: true as const }, waits: [] } };
    if ((await c.instances.updateOne(filter, mark)).matchedCount === 1) return true;
    const current = await c.instances.findOne({ _id: id }, { projection: { status: 1, outbox: 1 } });
    if (!current || !TERMINAL_STATUSES.has(current.status)) return false;
    // A commit's effects still pending: apply them, then mark. A purge under way: finish it; the
    // call that marked it reports the purge.
    if (current.outbox) {
      await replayOutbox(c, id, current.outbox);
      if ('purge' in current.outbox) return false;
    }
    return (await c.instances.updateOne(filter, mark)).matchedCount === 1;
  }

  readHistory(instanceId: string, run: number, afterSeq = 0, limit?: number): Promise<HistoryEvent[]> {
    return this.use(`read the history of instance "${instanceId}"`, async (c) => {
      if (limit !== undefined) checkCount('limit', limit);
      if (limit === 0) return [];
      await this.replayPending(c, instanceId);
      const events = c.history.find({ instanceId, run, seq: { $gt: afterSeq } }).sort({ seq: 1 });
      if (limit !== undefined) events.limit(limit);
      return (await events.toArray()).map((doc) => docToHistory(doc, this.json));
    });
  }

  claimTasks(req: ClaimRequest): Promise<TaskRecord[]> {
    return this.use('claim tasks', async (c) => {
      checkCount('max', req.max);
      if (req.queues.length === 0 || req.max === 0) return [];
      await this.sweepIfDue(c);
      return work.claimTasks(c.tasks, this.json, req);
    });
  }

  getTaskByToken(token: string): Promise<TaskRecord | null> {
    return this.use('read a task by its token', (c) => this.tokenLookups.submit({ c, token }));
  }

  extendLease(token: string, until: number): Promise<boolean> {
    return this.use('extend a task lease', (c) => work.extendLease(c.tasks, token, until));
  }

  claimExpiredLeases(now: number, limit: number, leaseMs: number): Promise<TaskRecord[]> {
    return this.use('claim expired task leases', async (c) => {
      checkCount('limit', limit);
      if (limit === 0) return [];
      await this.sweepIfDue(c);
      return work.claimExpiredLeases(c.tasks, this.json, now, limit, leaseMs);
    });
  }

  findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]> {
    return this.use('find expired task leases', (c) => {
      checkCount('limit', limit);
      return limit === 0 ? Promise.resolve([]) : work.findExpiredLeases(c.tasks, this.json, now, limit);
    });
  }

  countQueued(): Promise<Record<string, number>> {
    return this.use('count queued tasks', (c) => work.countQueued(c.tasks));
  }

  summarizeQueues(): Promise<QueueTasks[]> {
    return this.use('summarize the task queues', (c) => work.summarizeQueues(c.tasks));
  }

  findQueuedTasks(queues: string[], createdBy: number, limit: number): Promise<TaskRecord[]> {
    return this.use('find queued tasks', (c) => {
      checkCount('limit', limit);
      return limit === 0 || queues.length === 0 ? Promise.resolve([]) : work.findQueuedTasks(c.tasks, this.json, queues, createdBy, limit);
    });
  }

  countSetAside(): Promise<Record<string, number>> {
    return this.use('count the instances set aside', async (c) => {
      const groups = await c.instances
        .aggregate<{ _id: string; n: number }>([{ $match: { setAside: { $type: 'string' } } }, { $group: { _id: '$workflow', n: { $sum: 1 } } }])
        .toArray();
      return Object.fromEntries(groups.map((group) => [group._id, group.n]));
    });
  }

  claimDueTimers(now: number, limit: number, leaseMs: number): Promise<TimerRecord[]> {
    return this.use('claim due timers', async (c) => {
      checkCount('limit', limit);
      if (limit === 0) return [];
      await this.sweepIfDue(c);
      return work.claimDueTimers(c.timers, this.json, now, limit, leaseMs);
    });
  }

  nextTimerDue(): Promise<number | null> {
    return this.use('read the next timer', (c) => work.nextTimerDue(c.timers));
  }

  takeRunSlot(workflow: string, instanceId: string, req: SlotRequest): Promise<SlotTaken> {
    return this.use(`take a run slot of workflow "${workflow}"`, (c) => slots.takeRunSlot(c.runSlots, workflow, instanceId, req));
  }

  giveBackRunSlot(workflow: string, instanceId: string, limit: number): Promise<string[]> {
    return this.use(`give back a run slot of workflow "${workflow}"`, (c) => slots.giveBackRunSlot(c.runSlots, workflow, instanceId, limit));
  }

  listRunSlots(): Promise<RunSlots[]> {
    return this.use('list the run slots', (c) => slots.listRunSlots(c.runSlots));
  }

  putSchedule(schedule: ScheduleRecord, expectedRev: number | null): Promise<boolean> {
    const doc = scheduleToDoc(schedule, this.json);
    return this.use(`store schedule "${schedule.id}"`, async (c) => {
      if (expectedRev !== null) return (await c.schedules.replaceOne({ _id: doc._id, rev: expectedRev }, doc)).matchedCount === 1;
      try {
        await c.schedules.insertOne(doc);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    });
  }

  getSchedule(id: string): Promise<ScheduleRecord | null> {
    return this.use(`read schedule "${id}"`, async (c) => {
      const doc = await c.schedules.findOne({ _id: id });
      return doc ? docToSchedule(doc, this.json) : null;
    });
  }

  listSchedules(): Promise<ScheduleRecord[]> {
    return this.use('list the schedules', async (c) => (await c.schedules.find({}).sort({ _id: 1 }).toArray()).map((doc) => docToSchedule(doc, this.json)));
  }

  deleteSchedule(id: string): Promise<boolean> {
    return this.use(`delete schedule "${id}"`, async (c) => (await c.schedules.deleteOne({ _id: id })).deletedCount === 1);
  }

  findDueSchedules(now: number, limit: number): Promise<ScheduleRecord[]> {
    checkCount('limit', limit);
    return this.use('find the due schedules', async (c) => {
      const docs = await c.schedules
        .find({ paused: false, $or: [{ nextFireAt: { $lte: now } }, { hasWork: true }] })
        .sort({ nextFireAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map((doc) => docToSchedule(doc, this.json));
    });
  }

  readEvents(after: number, limit: number): Promise<FeedEvent[]> {
    checkCount('limit', limit);
    return this.use('read the event feed', (c) => events.readEvents(c, this.json, after, limit));
  }

  lastEventSeq(): Promise<number> {
    return this.use('read the end of the event feed', (c) => events.lastEventSeq(c));
  }

  putSubscription(subscription: SubscriptionRecord, expectedRev: number | null): Promise<boolean> {
    return this.use(`store subscription "${subscription.id}"`, async (c) => {
      const doc = subscriptionToDoc(subscription, this.json);
      if (expectedRev !== null) return (await c.subscriptions.replaceOne({ _id: doc._id, rev: expectedRev }, doc)).matchedCount === 1;
      try {
        await c.subscriptions.insertOne(doc);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    });
  }

  getSubscription(id: string): Promise<SubscriptionRecord | null> {
    return this.use(`read subscription "${id}"`, async (c) => {
      const doc = await c.subscriptions.findOne({ _id: id });
      return doc ? docToSubscription(doc, this.json) : null;
    });
  }

  listSubscriptions(): Promise<SubscriptionRecord[]> {
    return this.use('list the subscriptions', async (c) => (await c.subscriptions.find({}).sort({ _id: 1 }).toArray()).map((doc) => docToSubscription(doc, this.json)));
  }

  deleteSubscription(id: string): Promise<boolean> {
    return this.use(`delete subscription "${id}"`, async (c) => {
      const deleted = (await c.subscriptions.deleteOne({ _id: id })).deletedCount === 1;
      await c.deadLetters.deleteMany({ subscriptionId: id });
      return deleted;
    });
  }

  putDeadLetter(letter: DeadLetter): Promise<void> {
    return this.use(`store a dead letter of subscription "${letter.subscriptionId}"`, async (c) => {
      const doc = deadLetterToDoc(letter, this.json);
      await c.deadLetters.replaceOne({ _id: doc._id }, doc, { upsert: true });
    });
  }

  listDeadLetters(subscriptionId: string, limit: number): Promise<DeadLetter[]> {
    checkCount('limit', limit);
    return this.use(`list the dead letters of subscription "${subscriptionId}"`, async (c) => {
      if (limit === 0) return [];
      return (await c.deadLetters.find({ subscriptionId }).sort({ seq: 1 }).limit(limit).toArray()).map((doc) => docToDeadLetter(doc, this.json));
    });
  }

  getDeadLetter(subscriptionId: string, eventId: string): Promise<DeadLetter | null> {
    return this.use(`read a dead letter of subscription "${subscriptionId}"`, async (c) => {
      const doc = await c.deadLetters.findOne({ _id: deadLetterId(subscriptionId, eventId) });
      return doc ? docToDeadLetter(doc, this.json) : null;
    });
  }

  deleteDeadLetter(subscriptionId: string, eventId: string): Promise<boolean> {
    return this.use(`delete a dead letter of subscription "${subscriptionId}"`, async (c) =>
      (await c.deadLetters.deleteOne({ _id: deadLetterId(subscriptionId, eventId) })).deletedCount === 1,
    );
  }
}

/** The adapter `openStore` loads for `mongodb://` and `mongodb+srv://` URLs. */
export function createMongoStore(url: string, options: MongoStoreOptions = {}): Store {
  return new MongoStore(url, options);
}
