/**
 * Run slots: how a workflow's `concurrency.limit` is held in the store, so that every engine on it
 * counts the same instances. Per workflow, the instances holding a slot and those waiting for one
 * in start order. Each adapter keeps this per workflow as one record, changed atomically (SQLite
 * in its write transaction, MongoDB by compare-and-swap on the document), with these functions.
 */
import type { RunSlots, SlotRequest, SlotTaken } from './port.js';

/** Waiting before holding: the oldest start first, then by id. */
const byStart = (a: { id: string; at: number }, b: { id: string; at: number }): number => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Moves the oldest waiting instances into the slots that are free; answers those it moved. */
function fill(slots: RunSlots, limit: number): string[] {
  const promoted: string[] = [];
  while (slots.holders.length < limit && slots.waiting.length > 0) {
    const next = slots.waiting.shift()!;
    slots.holders.push(next.id);
    promoted.push(next.id);
  }
  return promoted;
}

export function emptySlots(workflow: string): RunSlots {
  return { workflow, holders: [], waiting: [] };
}

/** Takes a slot for `id`, or queues it in start order; `slots` is changed in place. */
export function takeSlot(slots: RunSlots, id: string, req: SlotRequest): SlotTaken {
  const promoted = fill(slots, req.limit);
  if (slots.holders.includes(id)) return { answer: 'held', promoted: promoted.filter((p) => p !== id) };
  if (slots.waiting.some((w) => w.id === id)) return { answer: 'queued', promoted };
  if (slots.holders.length < req.limit) {
    slots.holders.push(id);
    return { answer: 'held', promoted };
  }
  if (slots.waiting.length >= req.maxWaiting) return { answer: 'refused', promoted };
  slots.waiting.push({ id, at: req.at });
  slots.waiting.sort(byStart);
  return { answer: 'queued', promoted };
}

/** Gives back the slot of `id` (or its place in the queue); answers the waiting instances that took the freed slots. */
export function giveBackSlot(slots: RunSlots, id: string, limit: number): string[] {
  slots.holders = slots.holders.filter((h) => h !== id);
  slots.waiting = slots.waiting.filter((w) => w.id !== id);
  return fill(slots, limit);
}
