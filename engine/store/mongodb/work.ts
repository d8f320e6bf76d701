/**
 * Task leases and timer claims. A task claim reads the oldest queued tasks and leases them with one
 * conditional update each (sent together); a timer claim is one findOneAndUpdate, which picks the
 * oldest match and changes it atomically. Either way two engines racing for the same document
 * never both get it.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Filter } from 'mongodb';
import type { ClaimRequest, QueueTasks, TaskRecord, TaskStatus, TimerRecord } from '../port.js';
import { summarizeTaskGroups } from '../queue-summary.js';
import { docToTask, docToTimer, type TaskDoc, type TimerDoc } from './documents.js';
import type { StoredJson } from '../stored-json.js';

export const CLAIM_SORT = { createdAt: 1, _id: 1 } as const;
export const EXPIRY_SORT = { leaseExpiresAt: 1, _id: 1 } as const;
export const DUE_SORT = { dueAt: 1, _id: 1 } as const;

export function queuedFilter(queues: string[]): Filter<TaskDoc> {
  return { queue: queues.length === 1 ? queues[0] : { $in: [...new Set(queues)] }, status: 'QUEUED' };
}

/** By token, or any of several. `$type` repeats the tasks_by_token partial filter so the planner can use that index. */
export function tokenFilter(token: string | string[]): Filter<TaskDoc> {
  const match = typeof token === 'string' ? { $eq: token } : { $in: [...new Set(token)] };
  return { token: { $type: 'string', ...match }, status: 'LEASED' };
}

/** Expired leases no other sweep holds (`sweptUntil: null` matches an absent field too). */
export function expiredFilter(now: number): Filter<TaskDoc> {
  return { status: 'LEASED', leaseExpiresAt: { $lte: now }, $or: [{ sweptUntil: null }, { sweptUntil: { $lte: now } }] };
}

export function dueFilter(now: number): Filter<TimerDoc> {
  return { dueAt: { $lte: now }, $or: [{ leasedUntil: null }, { leasedUntil: { $lte: now } }] };
}

/** A claim leases a task for its heartbeat interval when that is shorter than its timeout. */
function leased(doc: TaskDoc, worker: string, now: number): TaskDoc {
  const leaseMs = Math.min(doc.timeoutMs, doc.heartbeatMs ?? doc.timeoutMs);
  return { ...doc, status: 'LEASED', token: randomUUID(), worker, leasedAt: now, leaseExpiresAt: now + leaseMs };
}

/**
 * Leases those of `candidates` that are still QUEUED, in one write: each update is a
 * compare-and-swap on the status, so of two claimers racing for a task exactly one gets it. A
 * queued task's fields never change (a task is written once, then only leased or removed), so the
 * lease computed from the candidate read is the task's own. When some updates found their task
 * taken, the tasks won are read back by the tokens written.
 */
async function leaseCandidates(tasks: Collection<TaskDoc>, json: StoredJson, candidates: TaskDoc[], worker: string, now: number): Promise<TaskRecord[]> {
  if (candidates.length === 0) return [];
  const wanted = candidates.map((doc) => leased(doc, worker, now));
  const result = await tasks.bulkWrite(
    wanted.map(({ _id, status, token, leasedAt, leaseExpiresAt }) => ({
      updateOne: { filter: { _id, status: 'QUEUED' }, update: { $set: { status, token, worker, leasedAt, leaseExpiresAt } } },
    })),
    { ordered: false },
  );
  if (result.matchedCount === wanted.length) return wanted.map((doc) => docToTask(doc, json));
  const tokens = wanted.map((doc) => doc.token as string);
  const won = await tasks.find(tokenFilter(tokens)).sort(CLAIM_SORT).toArray();
  return won.map((doc) => docToTask(doc, json));
}

/**
 * The oldest queued tasks of the queues, up to `max`: one read of candidates and one write per
 * round; another round only when a racing claimer took some of them.
 */
export async function claimTasks(tasks: Collection<TaskDoc>, json: StoredJson, req: ClaimRequest): Promise<TaskRecord[]> {
  const claimed: TaskRecord[] = [];
  const filter = queuedFilter(req.queues);
  while (claimed.length < req.max) {
    const wanted = req.max - claimed.length;
    const candidates = await tasks.find(filter).sort(CLAIM_SORT).limit(wanted).toArray();
    const won = await leaseCandidates(tasks, json, candidates, req.worker, req.now);
    claimed.push(...won);
    // Fewer candidates than wanted: the queues are empty now.
    if (candidates.length < wanted) break;
  }
  return claimed;
}

/** The leased tasks holding these tokens, by token. */
export async function getTasksByToken(tasks: Collection<TaskDoc>, json: StoredJson, tokens: string[]): Promise<Map<string, TaskRecord>> {
  const docs = await tasks.find(tokenFilter(tokens.length === 1 ? tokens[0]! : tokens)).toArray();
  return new Map(docs.map((doc) => [doc.token!, docToTask(doc, json)]));
}

export async function extendLease(tasks: Collection<TaskDoc>, token: string, until: number): Promise<boolean> {
  // $max: a late, out-of-order heartbeat never shortens a lease; it still counts as accepted.
  const result = await tasks.updateOne(tokenFilter(token), { $max: { leaseExpiresAt: until } });
  return result.matchedCount > 0;
}

export async function claimExpiredLeases(tasks: Collection<TaskDoc>, json: StoredJson, now: number, limit: number, leaseMs: number): Promise<TaskRecord[]> {
  const claimed: TaskRecord[] = [];
  const filter = expiredFilter(now);
  while (claimed.length < limit) {
    const update = { $set: { sweptUntil: now + leaseMs }, $inc: { sweeps: 1 } };
    const doc = await tasks.findOneAndUpdate(filter, update, { sort: EXPIRY_SORT, returnDocument: 'after' });
    if (!doc) break;
    claimed.push(docToTask(doc, json));
  }
  return claimed;
}

export async function findExpiredLeases(tasks: Collection<TaskDoc>, json: StoredJson, now: number, limit: number): Promise<TaskRecord[]> {
  const docs = await tasks.find({ status: 'LEASED', leaseExpiresAt: { $lte: now } }).sort(EXPIRY_SORT).limit(limit).toArray();
  return docs.map((doc) => docToTask(doc, json));
}

export async function countQueued(tasks: Collection<TaskDoc>): Promise<Record<string, number>> {
  const groups = await tasks
    .aggregate<{ _id: string; n: number }>([{ $match: { status: 'QUEUED' } }, { $group: { _id: '$queue', n: { $sum: 1 } } }])
    .toArray();
  return Object.fromEntries(groups.map((group) => [group._id, group.n]));
}

/**
 * Counts by queue, status and worker in one $group; the oldest queued task of each queue is then
 * the first of its range of tasks_queued (no $min accumulator: FerretDB 1.24 has none).
 */
export async function summarizeQueues(tasks: Collection<TaskDoc>): Promise<QueueTasks[]> {
  const groups = await tasks
    .aggregate<{ _id: { queue: string; status: TaskStatus; worker: string | null }; n: number }>([
      { $group: { _id: { queue: '$queue', status: '$status', worker: '$worker' }, n: { $sum: 1 } } },
    ])
    .toArray();
  const oldest = async (queue: string, status: TaskStatus): Promise<number> => {
    if (status !== 'QUEUED') return 0;
    const first = await tasks.find(queuedFilter([queue])).sort(CLAIM_SORT).limit(1).project<{ createdAt: number }>({ createdAt: 1 }).next();
    return first?.createdAt ?? 0;
  };
  const counted = await Promise.all(
    groups.map(async (g) => ({ ...g._id, worker: g._id.worker ?? null, n: g.n, oldest: await oldest(g._id.queue, g._id.status) })),
  );
  return summarizeTaskGroups(counted);
}

export async function findQueuedTasks(tasks: Collection<TaskDoc>, json: StoredJson, queues: string[], createdBy: number, limit: number): Promise<TaskRecord[]> {
  const docs = await tasks.find({ ...queuedFilter(queues), createdAt: { $lte: createdBy } }).sort(CLAIM_SORT).limit(limit).toArray();
  return docs.map((doc) => docToTask(doc, json));
}

export async function claimDueTimers(timers: Collection<TimerDoc>, json: StoredJson, now: number, limit: number, leaseMs: number): Promise<TimerRecord[]> {
  const claimed: TimerRecord[] = [];
  const filter = dueFilter(now);
  while (claimed.length < limit) {
    // A claimed timer is overdue, so its lease end is also when it can next be claimed.
    const update = { $set: { leasedUntil: now + leaseMs, readyAt: now + leaseMs }, $inc: { claims: 1 } };
    const doc = await timers.findOneAndUpdate(filter, update, { sort: DUE_SORT, returnDocument: 'after' });
    if (!doc) break;
    claimed.push(docToTimer(doc, json));
  }
  return claimed;
}

export async function nextTimerDue(timers: Collection<TimerDoc>): Promise<number | null> {
  const first = await timers.findOne({}, { sort: { readyAt: 1 }, projection: { readyAt: 1 } });
  return first ? first.readyAt : null;
}
