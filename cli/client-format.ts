/** How client commands print what the server answers: aligned tables and records, for people. */
import type { AttentionView, HistoryView, InstanceView, QueueView, RetryPreview, ScheduleView } from '../client/http-client.js';
import { formatDuration } from '../definitions/duration.js';

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `label  value` lines, labels aligned; empty values are left out. */
export function record(pairs: [string, string | undefined][]): string {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '');
  const width = Math.max(...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n') + '\n';
}

export function compact(value: unknown, max = Infinity): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function formatInstance(view: InstanceView): string {
  const error = view.error ? `${view.error.error}: ${view.error.message}${view.error.step ? ` (step ${view.error.step})` : ''}` : undefined;
  return record([
    ['id', view.id],
    ['workflow', `${view.workflow} (version ${view.version}${view.run > 1 ? `, run ${view.run}` : ''})`],
    ['status', view.status],
    ['set aside', view.setAside ? describeSetAside(view.setAside) : undefined],
    ['current', view.current.map(describeCurrent).join('; ')],
    ['parent', view.parentId ?? undefined],
    ['created', view.createdAt],
    ['updated', view.updatedAt],
    ['input', compact(view.input)],
    ['output', view.output === null ? undefined : compact(view.output)],
    ['error', error],
  ]);
}

/** A dry run's answer: where the run would go on, on which version, with which data. */
export function formatRetryPreview(preview: RetryPreview): string {
  const version = preview.version.to === preview.version.from ? `version ${preview.version.to}` : `version ${preview.version.from} → ${preview.version.to}`;
  return record([
    ['instance', preview.instanceId],
    ['would run', `step ${preview.from} (${version})${preview.from === preview.failedAt ? '' : `, not ${preview.failedAt} where it failed`}`],
    ['changes', preview.changes.length > 0 ? preview.changes.join(', ') : 'none'],
    ['data', compact(preview.data)],
  ]);
}

function describeSetAside(mark: NonNullable<InstanceView['setAside']>): string {
  const held = mark.held > 1 ? `, ${mark.held} inputs held` : '';
  return `since ${mark.at}: ${mark.reason}${held} (segue retry or segue terminate)`;
}

function describeCurrent(c: InstanceView['current'][number]): string {
  const where = c.branch !== undefined ? ` in branch ${c.branch}` : c.index !== undefined ? ` in item ${c.index}` : '';
  const what = c.waiting === 'running' ? 'running' : `waiting for ${c.event ? `event "${c.event}"` : c.waiting}`;
  return `${c.step}${where}: ${what}${c.attempt > 1 ? ` (attempt ${c.attempt})` : ''}`;
}

export function formatInstanceList(items: InstanceView[], nextCursor?: string): string {
  if (items.length === 0) return 'no instances\n';
  const rows = items.map((v) => [v.id, v.workflow, String(v.version), v.setAside ? `${v.status} (set aside)` : v.status, v.createdAt, v.updatedAt]);
  const more = nextCursor ? `more: add --cursor ${nextCursor}\n` : '';
  return table(['ID', 'WORKFLOW', 'VERSION', 'STATUS', 'CREATED', 'UPDATED'], rows) + more;
}

/** One line per reason, under the instance it concerns. */
export function formatAttention(items: AttentionView[]): string {
  if (items.length === 0) return 'no instance needs attention\n';
  const rows = items.flatMap((v) => v.attention.map((r) => [v.id, v.workflow, v.status, r.check, r.since, r.message]));
  return table(['ID', 'WORKFLOW', 'STATUS', 'CHECK', 'SINCE', 'WHY'], rows);
}

/** A queue per line; its workers as `name (holding n, seen <time>)`. */
export function formatQueues(queues: QueueView[]): string {
  if (queues.length === 0) return 'no queues: no task waits and no worker polled recently\n';
  const worker = (w: QueueView['workers'][number]): string => `${w.name} (holding ${w.holding}${w.lastSeen ? `, seen ${w.lastSeen}` : ''})`;
  const rows = queues.map((q) => [
    q.queue,
    String(q.queued),
    q.oldestQueuedAgeMs === null ? '-' : formatDuration(q.oldestQueuedAgeMs),
    String(q.leased),
    q.lastPolledAt ?? 'never',
    q.workers.length === 0 ? '-' : q.workers.map(worker).join(', '),
  ]);
  return table(['QUEUE', 'QUEUED', 'OLDEST', 'LEASED', 'LAST POLL', 'WORKERS'], rows);
}

export function formatHistory(events: HistoryView[]): string {
  const rows = events.map((e) => [String(e.seq), e.at, e.type, e.step ?? '', e.details === undefined ? '' : compact(e.details, 100)]);
  return table(['SEQ', 'AT', 'TYPE', 'STEP', 'DETAILS'], rows);
}

export function formatScheduleList(items: ScheduleView[]): string {
  if (items.length === 0) return 'no schedules\n';
  const rows = items.map((s) => [s.id, s.workflow, s.cron, s.timezone, s.overlap, s.paused ? 'yes' : 'no', s.nextFires[0] ?? '-']);
  return table(['ID', 'WORKFLOW', 'CRON', 'TIMEZONE', 'OVERLAP', 'PAUSED', 'NEXT FIRE'], rows);
}

/** The settings as a record, then the recent fires as a table, newest first. */
export function formatSchedule(view: ScheduleView): string {
  const settings = record([
    ['id', view.id],
    ['workflow', `${view.workflow} (${view.version === null ? 'latest version' : `version ${view.version}`})`],
    ['cron', `${view.cron} (${view.timezone})`],
    ['overlap', view.overlap],
    ['catch-up', view.catchupWindow],
    ['paused', view.paused ? 'yes' : 'no'],
    ['next fires', view.nextFires.join(', ')],
    ['buffered', view.buffered ?? undefined],
    ['input', compact(view.input)],
    ['note', view.note ?? undefined],
    ['origin', view.origin === 'definition' ? 'declared in the workflow file' : 'created through the API'],
    ['created', view.createdAt],
    ['updated', view.updatedAt],
  ]);
  if (view.recent.length === 0) return `${settings}\nno fires yet\n`;
  const rows = view.recent.map((f) => [f.fireTime, f.outcome, f.instanceId ?? f.reason ?? '']);
  return `${settings}\n${table(['FIRE TIME', 'OUTCOME', 'INSTANCE OR REASON'], rows)}`;
}
