/**
 * The schema of the MongoDB adapter: its version, kept in `meta` so an older build refuses a
 * database it cannot read, and every index, each next to the query it serves. Index names are
 * fixed, so creating them again is a no-op and a changed definition shows up as an error.
 */
import { MongoServerError, type IndexDescription } from 'mongodb';
import { StoreError } from '../errors.js';
import type { Collections } from './collections.js';

/**
 * 2: instances carry redelivery and set-aside marks, which a build of schema 1 would ignore.
 * 3: outboxes carry lifecycle events, which a build of schema 2 would drop.
 */
export const SCHEMA_VERSION = 3;

type IndexedCollection = 'definitions' | 'instances' | 'history' | 'tasks' | 'timers' | 'schedules' | 'pendingEvents' | 'events' | 'deadLetters';

/**
 * The indexes of each collection. The ones with a partial filter hold only live work (queued
 * tasks, leased tasks, tokens, outboxes), so they stay small however much has run; a server that
 * refuses partial indexes gets the `PLAIN_FORMS` of those instead (see applySchema).
 */
export const INDEXES: Record<IndexedCollection, IndexDescription[]> = {
  definitions: [
    // getDefinition by version and latest (walked backwards), listDefinitionVersions, listDefinitions;
    // unique: one content per version number.
    { name: 'definitions_by_version', key: { name: 1, version: 1 }, unique: true },
    // putDefinition: is this content registered already? Unique: one version per content.
    { name: 'definitions_by_hash', key: { name: 1, hash: 1 }, unique: true },
  ],
  instances: [
    // listInstances with no workflow, status or parent filter (and the from/to range), newest first.
    { name: 'instances_by_created', key: { createdAt: 1, _id: 1 } },
    // listInstances filtered by workflow.
    { name: 'instances_by_workflow', key: { workflow: 1, createdAt: 1, _id: 1 } },
    // listInstances filtered by status: one range per status, merged in (createdAt, _id) order.
    { name: 'instances_by_status', key: { status: 1, createdAt: 1, _id: 1 } },
    // listInstances filtered by parent (a parent's children).
    { name: 'instances_by_parent', key: { parentId: 1, createdAt: 1, _id: 1 } },
    // findWaiting: { 'waits.event': event, 'waits.key': key } (multikey over the waits array).
    { name: 'instances_by_wait', key: { 'waits.event': 1, 'waits.key': 1 } },
    // listInstances({ setAside: true }) and countSetAside: only instances set aside (a handful) are in it.
    {
      name: 'instances_set_aside',
      key: { workflow: 1, createdAt: 1, _id: 1 },
      partialFilterExpression: { setAside: { $type: 'string' } },
    },
    // findByWaitKey: { 'waits.key': key }, whatever the event.
    { name: 'instances_by_wait_key', key: { 'waits.key': 1, _id: 1 } },
    // Outbox sweeps: only documents with an outbox are in it, so a sweep reads just those.
    {
      name: 'instances_with_outbox',
      key: { 'outbox.at': 1 },
      partialFilterExpression: { 'outbox.at': { $exists: true } },
    },
  ],
  history: [
    // readHistory (one run, after a seq, in order); purge deletes by instanceId.
    { name: 'history_by_run', key: { instanceId: 1, run: 1, seq: 1 }, unique: true },
  ],
  tasks: [
    // claimTasks: oldest QUEUED task of the queues ($in merges the per-queue ranges); countQueued.
    {
      name: 'tasks_queued',
      key: { queue: 1, createdAt: 1, _id: 1 },
      partialFilterExpression: { status: 'QUEUED' },
    },
    // claimExpiredLeases: LEASED tasks by lease expiry.
    {
      name: 'tasks_leased_by_expiry',
      key: { leaseExpiresAt: 1, _id: 1 },
      partialFilterExpression: { status: 'LEASED' },
    },
    // getTaskByToken, extendLease. Only leased tasks have a token (the field is left out until
    // then), and no two share one.
    {
      name: 'tasks_by_token',
      key: { token: 1 },
      unique: true,
      partialFilterExpression: { token: { $type: 'string' } },
    },
    // purgeInstance: every task of an instance.
    { name: 'tasks_by_instance', key: { instanceId: 1 } },
  ],
  timers: [
    // claimDueTimers: due by now, earliest first.
    { name: 'timers_by_due', key: { dueAt: 1, _id: 1 } },
    // nextTimerDue: when the next timer becomes claimable (its lease counted).
    { name: 'timers_by_ready', key: { readyAt: 1 } },
    // purgeInstance: every timer of an instance.
    { name: 'timers_by_instance', key: { instanceId: 1 } },
  ],
  schedules: [
    // findDueSchedules: not paused and due by now, earliest first.
    { name: 'schedules_by_next_fire', key: { paused: 1, nextFireAt: 1, _id: 1 } },
    // findDueSchedules: schedules with pending or buffered fires (few at any time).
    { name: 'schedules_with_work', key: { hasWork: 1 }, partialFilterExpression: { hasWork: true } },
  ],
  pendingEvents: [
    // sequenceEvents: oldest first, an instance's in order.
    { name: 'pending_events_by_time', key: { at: 1, instanceId: 1, run: 1, _id: 1 } },
  ],
  events: [
    // sequenceEvents: one place in the feed per event.
    { name: 'events_by_event_id', key: { eventId: 1 }, unique: true },
  ],
  deadLetters: [
    // listDeadLetters: a subscription's, oldest event first; deleteSubscription.
    { name: 'dead_letters_by_seq', key: { subscriptionId: 1, seq: 1 } },
  ],
};

/**
 * The same indexes, by the same names, for a server that refuses their partial filters: the
 * filter's field leads the key instead, so the same queries find the same documents in one range.
 * tasks_by_token is sparse, and a task has no token field until it is leased, so the unique index
 * never sees the queued tasks (MongoDB leaves a missing field out of a sparse index; FerretDB's
 * SQLite index treats it as NULL, which a unique index allows any number of times).
 */
export const PLAIN_FORMS: Record<string, IndexDescription> = {
  instances_set_aside: { name: 'instances_set_aside', key: { setAside: 1, workflow: 1, createdAt: 1, _id: 1 }, sparse: true },
  instances_with_outbox: { name: 'instances_with_outbox', key: { 'outbox.at': 1 }, sparse: true },
  tasks_queued: { name: 'tasks_queued', key: { status: 1, queue: 1, createdAt: 1, _id: 1 } },
  tasks_leased_by_expiry: { name: 'tasks_leased_by_expiry', key: { status: 1, leaseExpiresAt: 1, _id: 1 } },
  tasks_by_token: { name: 'tasks_by_token', key: { token: 1 }, unique: true, sparse: true },
  schedules_with_work: { name: 'schedules_with_work', key: { hasWork: 1 } },
};

const NOT_IMPLEMENTED = 238;

/**
 * True when the server refused an index for its partial filter, as FerretDB (NotImplemented) and
 * some managed services do. An index that exists with another definition (85, 86) is not that:
 * its message may quote the partial filter too.
 */
function refusesPartialIndexes(err: unknown): boolean {
  if (!(err instanceof MongoServerError) || err.code === 85 || err.code === 86) return false;
  return err.code === NOT_IMPLEMENTED || /partialFilterExpression/.test(err.message);
}

/**
 * Records the schema version (refusing a newer one) and creates the indexes. Idempotent. Each
 * partial index is asked for as such first; where the server refuses its filter (FerretDB has no
 * partial indexes, DocumentDB 5.0 takes $eq and $exists but not $type), its plain form takes its
 * place. Returns the names of the indexes that got their plain form.
 */
export async function applySchema(c: Collections): Promise<string[]> {
  const meta = await c.meta.findOneAndUpdate(
    { _id: 'schema' },
    { $setOnInsert: { version: SCHEMA_VERSION } },
    { upsert: true, returnDocument: 'after' },
  );
  const found = meta?.version ?? SCHEMA_VERSION;
  if (found > SCHEMA_VERSION) {
    throw new StoreError(
      'STORE_CORRUPT',
      `the database was written by a newer version of Segue (schema ${found}; this build reads up to ${SCHEMA_VERSION})`,
    );
  }
  // Older documents read as they are (absent marks); the version moves on so older builds refuse the database.
  if (found < SCHEMA_VERSION) await c.meta.updateOne({ _id: 'schema', version: found }, { $set: { version: SCHEMA_VERSION } });
  const plain: string[] = [];
  const create = async (name: IndexedCollection, index: IndexDescription): Promise<void> => {
    try {
      // One index per command: FerretDB 1.24 drops the connection on a createIndexes naming more
      // than one index that exists already.
      await c[name].createIndexes([index]);
    } catch (err) {
      const fallback = PLAIN_FORMS[index.name!];
      if (!fallback || !refusesPartialIndexes(err)) throw err;
      await c[name].createIndexes([fallback]);
      plain.push(index.name!);
    }
  };
  const names = Object.keys(INDEXES) as IndexedCollection[];
  await Promise.all(names.flatMap((name) => INDEXES[name].map((index) => create(name, index))));
  return plain.sort();
}
