/**
 * The outbox: how a transition's writes to other collections become durable with it on a MongoDB
 * without multi-document transactions.
 *
 * 1. One conditional update on the instance document writes the new record and, in the same
 *    document, the outbox `{ rev, at, effects }`. That compare-and-swap is the commit point.
 * 2. The effects are applied with deterministic ids, each write idempotent: removals are deletes
 *    (a missing id is fine), creations are insert-if-absent (a taken id is skipped).
 * 3. The outbox is cleared, on the condition that it is still the one for `rev`.
 *
 * A crash between 1 and 3 leaves the outbox in place; anyone may replay it, any number of times,
 * in any process: the next commit on that instance before its own compare-and-swap, readers that
 * need the effects (getInstance, readHistory), and sweeps (init, and the claim loops for outboxes
 * older than the sweep period, so that work of a crashed process is found without a restart).
 *
 * The same document field marks a purge in progress, so a crash halfway through a purge is
 * finished by the same replays and the half-purged instance is never visible.
 */
import type { Filter } from 'mongodb';
import type { Transition } from '../port.js';
import type { Collections } from './collections.js';
import {
  eventToDoc,
  historyToDoc,
  instanceToDoc,
  taskToDoc,
  timerToDoc,
  type EffectsDoc,
  type InstanceDoc,
  type OutboxDoc,
} from './documents.js';
import { isOnlyDuplicates } from './mongodb-errors.js';
import type { StoredJson } from '../stored-json.js';

type Effects = Omit<Transition, 'expectedRev' | 'record'>;

/** The effects of a transition as documents, or null when it writes nothing outside the instance. */
export function planEffects(effects: Effects, json: StoredJson): EffectsDoc | null {
  const planned: EffectsDoc = {
    history: effects.history.map((event) => historyToDoc(event, json)),
    removeTasks: [...effects.removeTasks],
    createTasks: effects.createTasks.map((task) => taskToDoc(task, json)),
    removeTimers: [...effects.removeTimers],
    createTimers: effects.createTimers.map((timer) => timerToDoc(timer, json)),
    createInstances: effects.createInstances.map((r) => instanceToDoc(r, json)),
    events: (effects.events ?? []).map((event) => eventToDoc(event, json)),
  };
  const writes = Object.values(planned).reduce((n: number, list: unknown[] | undefined) => n + (list?.length ?? 0), 0);
  return writes === 0 ? null : planned;
}

/** Inserts the documents whose ids are free; ids already taken (a replay, an existing child) are skipped. */
async function insertAbsent<T extends { _id: string }>(
  collection: { insertMany(docs: T[], options: { ordered: false }): Promise<unknown> },
  docs: T[],
): Promise<void> {
  if (docs.length === 0) return;
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (err) {
    if (!isOnlyDuplicates(err)) throw err;
  }
}

async function removeThenInsert<T extends { _id: string }>(
  collection: {
    deleteMany(filter: { _id: { $in: string[] } }): Promise<unknown>;
    insertMany(docs: T[], options: { ordered: false }): Promise<unknown>;
  },
  remove: string[],
  insert: T[],
): Promise<void> {
  // Removals first, so one transition can re-create a task or timer under the id it removes.
  if (remove.length > 0) await collection.deleteMany({ _id: { $in: remove } });
  await insertAbsent(collection, insert);
}

/** Applies planned effects. Idempotent: applying them again, or concurrently, changes nothing more. */
export async function applyEffects(c: Collections, effects: EffectsDoc): Promise<void> {
  // Children first: the timer that starts a child must never fire before the child exists.
  await insertAbsent<InstanceDoc>(c.instances, effects.createInstances);
  await Promise.all([
    insertAbsent(c.history, effects.history),
    removeThenInsert(c.tasks, effects.removeTasks, effects.createTasks),
    removeThenInsert(c.timers, effects.removeTimers, effects.createTimers),
    insertAbsent(c.pendingEvents, effects.events ?? []),
  ]);
}

/** Clears the outbox of `rev`; a newer outbox (a later commit) is left alone. */
export async function clearOutbox(c: Collections, id: string, rev: number): Promise<void> {
  await c.instances.updateOne({ _id: id, 'outbox.rev': rev }, { $unset: { outbox: '' } });
}

/** Deletes what belongs to a purged instance, then the instance document, which holds the purge mark. */
export async function finishPurge(c: Collections, id: string): Promise<void> {
  await Promise.all([
    c.history.deleteMany({ instanceId: id }),
    c.tasks.deleteMany({ instanceId: id }),
    c.timers.deleteMany({ instanceId: id }),
  ]);
  await c.instances.deleteOne({ _id: id, 'outbox.purge': true });
}

export async function replayOutbox(c: Collections, id: string, outbox: OutboxDoc): Promise<void> {
  if ('purge' in outbox) {
    await finishPurge(c, id);
    return;
  }
  await applyEffects(c, outbox.effects);
  await clearOutbox(c, id, outbox.rev);
}

/** Instances with an outbox written at or before `writtenBy` (all when absent), via instances_with_outbox. */
export function pendingFilter(writtenBy?: number): Filter<InstanceDoc> {
  return { 'outbox.at': writtenBy === undefined ? { $exists: true } : { $exists: true, $lte: writtenBy } };
}

/** Replays every outbox written at or before `writtenBy` (epoch ms; all of them when absent). */
export async function sweepOutboxes(c: Collections, writtenBy?: number): Promise<number> {
  const pending = c.instances.find(pendingFilter(writtenBy), { projection: { outbox: 1 } });
  let replayed = 0;
  for await (const doc of pending) {
    if (doc.outbox) await replayOutbox(c, doc._id, doc.outbox);
    replayed += 1;
  }
  return replayed;
}
