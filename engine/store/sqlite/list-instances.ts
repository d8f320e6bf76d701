/**
 * The instance list: newest first by (createdAt, id), keyset-paginated, read in that order from an
 * index so a page costs `limit` rows, not the table. Several statuses become one branch each, merged
 * (a plain `status IN (…)` would sort every matching row for each page). The SQL depends on which
 * filters are present, so one statement is prepared per shape (a bounded number) and cached.
 */
import type { Database } from 'better-sqlite3';
import { checkPageLimit, decodeCursor, encodeCursor } from '../cursor.js';
import { statusFilter } from '../checks.js';
import type { InstanceFilter, InstancePage, InstanceStatus } from '../port.js';
import { rowToInstance, type InstanceRow } from './rows.js';
import type { StoredJson } from '../stored-json.js';
import type { Prepared } from './statements.js';

type ListParams = Record<string, string | number>;
export type ListStatementCache = Map<string, Prepared<[ListParams], InstanceRow>>;


const ORDER = 'ORDER BY createdAt DESC, id DESC LIMIT @limit';

const CLAUSES: ReadonlyArray<[param: string, sql: string]> = [
  ['workflow', 'workflow = @workflow'],
  ['parentId', 'parentId = @parentId'],
  ['from', 'createdAt >= @from'],
  ['to', 'createdAt <= @to'],
  ['afterId', '(createdAt, id) < (@afterCreatedAt, @afterId)'],
  // Bound to nothing: present when the filter names it (instances_set_aside serves the first).
  ['setAside', 'setAside IS NOT NULL'],
  ['notSetAside', 'setAside IS NULL'],
];

/** The bind parameters, and how many distinct statuses are filtered on (`status0`, `status1`, …). */
function listParams(filter: InstanceFilter, limit: number, cursor: string | undefined) {
  // One row more than asked tells whether another page follows.
  const params: ListParams = { limit: limit + 1 };
  if (filter.workflow !== undefined) params.workflow = filter.workflow;
  const statuses = statusFilter(filter.status);
  statuses.forEach((status, i) => {
    params[`status${i}`] = status;
  });
  if (filter.parentId !== undefined) params.parentId = filter.parentId;
  if (filter.from !== undefined) params.from = filter.from;
  if (filter.to !== undefined) params.to = filter.to;
  if (filter.setAside !== undefined) params[filter.setAside ? 'setAside' : 'notSetAside'] = 1;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    params.afterCreatedAt = after.createdAt;
    params.afterId = after.id;
  }
  return { params, statuses: statuses.length };
}

function listSql(conditions: string[], statuses: number): string {
  const select = (extra: string[]) => {
    const all = [...extra, ...conditions];
    return `SELECT * FROM instances ${all.length ? `WHERE ${all.join(' AND ')}` : ''} ${ORDER}`;
  };
  if (statuses <= 1) return select(statuses ? ['status = @status0'] : []);
  const branches = Array.from({ length: statuses }, (_, i) => `SELECT * FROM (${select([`status = @status${i}`])})`);
  return `${branches.join(' UNION ALL ')} ${ORDER}`;
}

export function listInstances(
  db: Database,
  cache: ListStatementCache,
  json: StoredJson,
  filter: InstanceFilter,
  limit: number,
  cursor: string | undefined,
): InstancePage {
  checkPageLimit(limit);
  const { params, statuses } = listParams(filter, limit, cursor);
  const present = CLAUSES.filter(([param]) => param in params);
  const shape = `${present.map(([param]) => param).join(',')};${statuses}`;
  let statement = cache.get(shape);
  if (!statement) {
    statement = db.prepare<[ListParams], InstanceRow>(listSql(present.map(([, sql]) => sql), statuses));
    cache.set(shape, statement);
  }
  const rows = statement.all(params);
  const items = rows.slice(0, limit).map((row) => rowToInstance(row, json));
  if (rows.length <= limit) return { items };
  return { items, nextCursor: encodeCursor(items[items.length - 1]) };
}

/** Instances per status within the workflow and createdAt bounds: one indexed scan, grouped. */
export function countByStatus(db: Database, filter: Pick<InstanceFilter, 'workflow' | 'from' | 'to'>): Partial<Record<InstanceStatus, number>> {
  const params: ListParams = {};
  if (filter.workflow !== undefined) params.workflow = filter.workflow;
  if (filter.from !== undefined) params.from = filter.from;
  if (filter.to !== undefined) params.to = filter.to;
  const conditions = CLAUSES.filter(([param]) => param in params).map(([, sql]) => sql);
  const rows = db
    .prepare<[ListParams], { status: InstanceStatus; n: number }>(`SELECT status, COUNT(*) AS n FROM instances ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} GROUP BY status`)
    .all(params);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
