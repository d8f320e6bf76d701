/**
 * Task leases and timer claims. Each claim is one findOneAndUpdate: MongoDB picks the oldest match
 * and changes it atomically, so two engines racing for the same document never both get it (the
 * loser's query is re-evaluated and moves on to the next). A batch repeats the claim up to its size.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Document, Filter } from 'mongodb';
import type { ClaimRequest, QueueTasks, TaskRecord, TaskStatus, TimerRecord } from '../port.js';
import { summarizeTaskGroups } from '../queue-summary.js';
import { docToTask, docToTimer, type TaskDoc, type TimerDoc } from './documents.js';

export const CLAIM_SORT = { createdAt: 1, _id: 1 } as const;
export const EXPIRY_SORT = { leaseExpiresAt: 1, _id: 1 } as const;
export const DUE_SORT = { dueAt: 1, _id: 1 } as const;

export function queuedFilter(queues: string[]): Filter<TaskDoc> {
  return { queue: queues.length === 1 ? queues[0] : { $in: [...new Set(queues)] }, status: 'QUEUED' };
}

/** By token. `$type` repeats the tasks_by_token partial filter so the planner can use that index. */
export function tokenFilter(token: string): Filter<TaskDoc> {
  return { token: { $type: 'string', $eq: token }, status: 'LEASED' };
}

/** Expired leases no other sweep holds (`sweptUntil: null` matches an absent field too). */
export function expiredFilter(now: number): Filter<TaskDoc> {
  return { status: 'LEASED', leaseExpiresAt: { $lte: now }, $or: [{ sweptUntil: null }, { sweptUntil: { $lte: now } }] };
}

export function dueFilter(now: number): Filter<TimerDoc> {
  return { dueAt: { $lte: now }, $or: [{ leasedUntil: null }, { leasedUntil: { $lte: now } }] };
}

/**
 * The lease, as an update pipeline so the expiry is computed from the task's own fields: the
 * heartbeat interval when shorter than the timeout. $literal keeps a worker name such as "$x" from
 * being read as a field path.
 */
function leaseUpdate(worker: string, now: number): Document[] {
  const leaseMs = { $min: ['$timeoutMs', { $ifNull: ['$heartbeatMs', '$timeoutMs'] }] };
  return [
    {
      $set: {
        status: { $literal: 'LEASED' },
        token: { $literal: randomUUID() },
        worker: { $literal: worker },
        leasedAt: { $literal: now },
        leaseExpiresAt: { $add: [{ $literal: now }, leaseMs] },
      },
    },
  ];
}

async function leaseOne(tasks: Collection<TaskDoc>, filter: Filter<TaskDoc>, worker: string, now: number) {
  const doc = await tasks.findOneAndUpdate(filter, leaseUpdate(worker, now), { sort: CLAIM_SORT, returnDocument: 'after' });
  return doc ? docToTask(doc) : null;
}

export async function claimTasks(tasks: Collection<TaskDoc>, req: ClaimRequest): Promise<TaskRecord[]> {
  const claimed: TaskRecord[] = [];
  const filter = queuedFilter(req.queues);
  while (claimed.length < req.max) {
    const task = await leaseOne(tasks, filter, req.worker, req.now);
    if (!task) break;
    claimed.push(task);
  }
  return claimed;
}

export async function getTaskByToken(tasks: Collection<TaskDoc>, token: string): Promise<TaskRecord | null> {
  const doc = await tasks.findOne(tokenFilter(token));
  return doc ? docToTask(doc) : null;
}

export async function extendLease(tasks: Collection<TaskDoc>, token: string, until: number): Promise<boolean> {
  // $max: a late, out-of-order heartbeat never shortens a lease; it still counts as accepted.
  const result = await tasks.updateOne(tokenFilter(token), { $max: { leaseExpiresAt: until } });
  return result.matchedCount > 0;
}

export async function claimExpiredLeases(tasks: Collection<TaskDoc>, now: number, limit: number, leaseMs: number): Promise<TaskRecord[]> {
  const claimed: TaskRecord[] = [];
  const filter = expiredFilter(now);
  while (claimed.length < limit) {
    const update = { $set: { sweptUntil: now + leaseMs }, $inc: { sweeps: 1 } };
    const doc = await tasks.findOneAndUpdate(filter, update, { sort: EXPIRY_SORT, returnDocument: 'after' });
    if (!doc) break;
    claimed.push(docToTask(doc));
  }
  return claimed;
}

export async function findExpiredLeases(tasks: Collection<TaskDoc>, now: number, limit: number): Promise<TaskRecord[]> {
  const docs = await tasks.find({ status: 'LEASED', leaseExpiresAt: { $lte: now } }).sort(EXPIRY_SORT).limit(limit).toArray();
  return docs.map(docToTask);
}

export async function countQueued(tasks: Collection<TaskDoc>): Promise<Record<string, number>> {
  const groups = await tasks
    .aggregate<{ _id: string; n: number }>([{ $match: { status: 'QUEUED' } }, { $group: { _id: '$queue', n: { $sum: 1 } } }])
    .toArray();
  return Object.fromEntries(groups.map((group) => [group._id, group.n]));
}

export async function summarizeQueues(tasks: Collection<TaskDoc>): Promise<QueueTasks[]> {
  const groups = await tasks
    .aggregate<{ _id: { queue: string; status: TaskStatus; worker: string | null }; n: number; oldest: number }>([
      { $group: { _id: { queue: '$queue', status: '$status', worker: '$worker' }, n: { $sum: 1 }, oldest: { $min: '$createdAt' } } },
    ])
    .toArray();
  return summarizeTaskGroups(groups.map((g) => ({ ...g._id, worker: g._id.worker ?? null, n: g.n, oldest: g.oldest })));
}

export async function findQueuedTasks(tasks: Collection<TaskDoc>, queues: string[], createdBy: number, limit: number): Promise<TaskRecord[]> {
  const docs = await tasks.find({ ...queuedFilter(queues), createdAt: { $lte: createdBy } }).sort(CLAIM_SORT).limit(limit).toArray();
  return docs.map(docToTask);
}

export async function claimDueTimers(timers: Collection<TimerDoc>, now: number, limit: number, leaseMs: number): Promise<TimerRecord[]> {
  const claimed: TimerRecord[] = [];
  const filter = dueFilter(now);
  while (claimed.length < limit) {
    // A claimed timer is overdue, so its lease end is also when it can next be claimed.
    const update = { $set: { leasedUntil: now + leaseMs, readyAt: now + leaseMs }, $inc: { claims: 1 } };
    const doc = await timers.findOneAndUpdate(filter, update, { sort: DUE_SORT, returnDocument: 'after' });
    if (!doc) break;
    claimed.push(docToTimer(doc));
  }
  return claimed;
}

export async function nextTimerDue(timers: Collection<TimerDoc>): Promise<number | null> {
  const first = await timers.findOne({}, { sort: { readyAt: 1 }, projection: { readyAt: 1 } });
  return first ? first.readyAt : null;
}
