/**
 * Run slots in MongoDB: one document per workflow, changed by compare-and-swap on its `rev` (a
 * lost race reads it again), so two engines never both take the last slot.
 */
import type { Collection } from 'mongodb';
import type { RunSlots, SlotRequest, SlotTaken } from '../port.js';
import { emptySlots, giveBackSlot, takeSlot } from '../run-slots.js';
import { StoreError } from '../errors.js';
import { isDuplicateKey } from './mongodb-errors.js';

export interface RunSlotDoc {
  _id: string;
  rev: number;
  holders: string[];
  waiting: { id: string; at: number }[];
}

/** A compare-and-swap lost this many times in a row is a fault, not contention. */
const MAX_RACES = 1_000;

async function change<T>(slots: Collection<RunSlotDoc>, workflow: string, edit: (s: RunSlots) => T): Promise<T> {
  for (let race = 0; race < MAX_RACES; race += 1) {
    const doc = await slots.findOne({ _id: workflow });
    const state: RunSlots = doc ? { workflow, holders: doc.holders, waiting: doc.waiting } : emptySlots(workflow);
    const answer = edit(state);
    const fields = { holders: state.holders, waiting: state.waiting };
    if (!doc) {
      try {
        await slots.insertOne({ _id: workflow, rev: 1, ...fields });
        return answer;
      } catch (err) {
        if (isDuplicateKey(err)) continue;
        throw err;
      }
    }
    // An emptied document stays (with rev), so a racing insert cannot reset the count.
    const swapped = await slots.updateOne({ _id: workflow, rev: doc.rev }, { $set: { ...fields, rev: doc.rev + 1 } });
    if (swapped.matchedCount === 1) return answer;
  }
  throw new StoreError('STORE_BUSY', `the run slots of workflow "${workflow}" kept changing under concurrent updates`);
}

export function takeRunSlot(slots: Collection<RunSlotDoc>, workflow: string, id: string, req: SlotRequest): Promise<SlotTaken> {
  return change(slots, workflow, (s) => takeSlot(s, id, req));
}

export function giveBackRunSlot(slots: Collection<RunSlotDoc>, workflow: string, id: string, limit: number): Promise<string[]> {
  return change(slots, workflow, (s) => giveBackSlot(s, id, limit));
}

export async function listRunSlots(slots: Collection<RunSlotDoc>): Promise<RunSlots[]> {
  const docs = await slots.find({ $or: [{ 'holders.0': { $exists: true } }, { 'waiting.0': { $exists: true } }] }).sort({ _id: 1 }).toArray();
  return docs.map((doc) => ({ workflow: doc._id, holders: doc.holders, waiting: doc.waiting }));
}
