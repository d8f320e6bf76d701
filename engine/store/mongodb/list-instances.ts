/**
 * Queries over the instances collection. The instance list: newest first by (createdAt, _id), keyset-paginated with the shared cursor, read
 * in that order from the index matching the filter (see indexes.ts), so a page costs `limit`
 * documents, not the collection. Several statuses become one `$in`, which MongoDB answers by merging
 * the per-status ranges of instances_by_status in sort order. And the instances waiting for an event.
 */
import type { Collection, Document, Filter } from 'mongodb';
import { checkPageLimit, decodeCursor, encodeCursor } from '../cursor.js';
import { statusFilter } from '../checks.js';
import type { InstanceFilter, InstancePage, InstanceStatus } from '../port.js';
import { docToInstance, type InstanceDoc } from './documents.js';
import type { StoredJson } from '../stored-json.js';


export const LIST_SORT = { createdAt: -1, _id: -1 } as const;

function statusCondition(filter: InstanceFilter): InstanceStatus | { $in: InstanceStatus[] } | undefined {
  const statuses = statusFilter(filter.status);
  if (statuses.length === 0) return undefined;
  return statuses.length === 1 ? statuses[0] : { $in: statuses };
}

/** The query for one page: the filter, the position after the cursor, and no instance being purged. */
export function listQuery(filter: InstanceFilter, cursor?: string): Filter<InstanceDoc> {
  const query: Document = { 'outbox.purge': { $exists: false } };
  if (filter.workflow !== undefined) query.workflow = filter.workflow;
  const status = statusCondition(filter);
  if (status !== undefined) query.status = status;
  if (filter.parentId !== undefined) query.parentId = filter.parentId;
  if (filter.setAside !== undefined) query.setAside = filter.setAside ? { $type: 'string' } : null;
  const createdAt: { $gte?: number; $lte?: number } = {};
  if (filter.from !== undefined) createdAt.$gte = filter.from;
  if (filter.to !== undefined) createdAt.$lte = filter.to;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    // The createdAt bound is where the index scan starts; the $or then drops the rest of the
    // cursor's own millisecond (ids at or after the cursor's).
    createdAt.$lte = Math.min(createdAt.$lte ?? after.createdAt, after.createdAt);
    query.$or = [{ createdAt: { $lt: after.createdAt } }, { _id: { $lt: after.id } }];
  }
  if (Object.keys(createdAt).length > 0) query.createdAt = createdAt;
  return query as Filter<InstanceDoc>;
}

export async function listInstances(
  instances: Collection<InstanceDoc>,
  json: StoredJson,
  filter: InstanceFilter,
  limit: number,
  cursor: string | undefined,
): Promise<InstancePage> {
  checkPageLimit(limit);
  // One document more than asked tells whether another page follows.
  const docs = await instances.find(listQuery(filter, cursor)).sort(LIST_SORT).limit(limit + 1).toArray();
  const items = docs.slice(0, limit).map((doc) => docToInstance(doc, json));
  if (docs.length <= limit) return { items };
  return { items, nextCursor: encodeCursor(items[items.length - 1]!) };
}

/**
 * Instances with a wait on `event` and a wait with `key`, through instances_by_wait: a superset of
 * those with one wait on both, which the caller keeps. Not `$elemMatch` on the pair, which FerretDB
 * 1.24 refuses (it takes only operators inside `$elemMatch`).
 */
export function waitingFilter(event: string, key: string): Filter<InstanceDoc> {
  return { 'waits.event': event, 'waits.key': key };
}

/** Instances per status within the workflow and createdAt bounds, grouped by the server. */
export async function countByStatus(instances: Collection<InstanceDoc>, filter: Pick<InstanceFilter, 'workflow' | 'from' | 'to'>): Promise<Partial<Record<InstanceStatus, number>>> {
  const groups = await instances.aggregate<{ _id: InstanceStatus; n: number }>([{ $match: listQuery(filter) }, { $group: { _id: '$status', n: { $sum: 1 } } }]).toArray();
  return Object.fromEntries(groups.map((g) => [g._id, g.n]));
}
