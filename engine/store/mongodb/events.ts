/**
 * Lifecycle events, subscriptions and dead letters in MongoDB.
 *
 * A transition's events travel in its outbox (outbox.ts) and are applied, like its other effects,
 * as documents of `pending_events` with deterministic ids. Without multi-document transactions a
 * seq taken at commit could become visible after a later one, and a feed reader would step past
 * it; so events get their place in the feed afterwards, by `sequenceEvents`: each pending event is
 * inserted into `events` under `_id` = the next seq, which only a writer that saw the seq before it
 * can pick (the unique `_id` refuses a second claim of the same seq, and the unique `eventId` a
 * second place for the same event), then its pending document is removed. Any engine may sequence,
 * any number at once, and a crash halfway leaves at worst a pending document that is found placed
 * already and removed.
 */
import type { FeedEvent } from '../port.js';
import type { Collections } from './collections.js';
import { docToFeedEvent, type PendingEventDoc } from './documents.js';
import type { StoredJson } from '../stored-json.js';
import { isDuplicateKey } from './mongodb-errors.js';

/** Pending events placed per pass: a pass that finds more goes round again. */
const SEQUENCE_BATCH = 256;

async function lastSeq(c: Collections): Promise<number> {
  const last = await c.events.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
  return last[0]?._id ?? 0;
}

/** Gives every pending event its place in the feed, oldest first, an instance's in the order it made them. */
export async function sequenceEvents(c: Collections): Promise<void> {
  for (;;) {
    const pending = await c.pendingEvents.find({}).sort({ at: 1, instanceId: 1, run: 1, _id: 1 }).limit(SEQUENCE_BATCH).toArray();
    if (pending.length === 0) return;
    let next = (await lastSeq(c)) + 1;
    for (const doc of inInstanceOrder(pending)) {
      const { _id: eventId, ...rest } = doc;
      for (;;) {
        try {
          await c.events.insertOne({ _id: next, eventId, ...rest });
          next += 1;
          break;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          // Placed already (by another engine, or before a crash), or the seq was taken: look again.
          if (await c.events.findOne({ eventId }, { projection: { _id: 1 } })) break;
          next = (await lastSeq(c)) + 1;
        }
      }
      await c.pendingEvents.deleteOne({ _id: eventId });
    }
    if (pending.length < SEQUENCE_BATCH) return;
  }
}

/**
 * The same events where each instance's come in the order it made them (run, then history seq,
 * the end of the id), in the places its events held: engines' clocks may differ, an instance's
 * order may not.
 */
function inInstanceOrder(docs: PendingEventDoc[]): PendingEventDoc[] {
  const historySeq = (id: string): number => Number(id.slice(id.lastIndexOf(':') + 1));
  const byInstance = new Map<string, PendingEventDoc[]>();
  for (const doc of docs) byInstance.set(doc.instanceId, [...(byInstance.get(doc.instanceId) ?? []), doc]);
  for (const list of byInstance.values()) list.sort((a, b) => a.run - b.run || historySeq(a._id) - historySeq(b._id));
  return docs.map((doc) => byInstance.get(doc.instanceId)!.shift()!);
}

export async function readEvents(c: Collections, json: StoredJson, after: number, limit: number): Promise<FeedEvent[]> {
  await sequenceEvents(c);
  if (limit === 0) return [];
  return (await c.events.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(limit).toArray()).map((doc) => docToFeedEvent(doc, json));
}

export async function lastEventSeq(c: Collections): Promise<number> {
  await sequenceEvents(c);
  return lastSeq(c);
}
