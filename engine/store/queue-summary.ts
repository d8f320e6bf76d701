/** Folds the task counts an adapter groups by queue, status and worker into one summary per queue. */
import type { QueueTasks, TaskStatus } from './port.js';

export interface TaskGroup {
  queue: string;
  status: TaskStatus;
  /** The worker holding them (LEASED); null for QUEUED tasks. */
  worker: string | null;
  n: number;
  /** Earliest createdAt in the group. */
  oldest: number;
}

export function summarizeTaskGroups(groups: Iterable<TaskGroup>): QueueTasks[] {
  const queues = new Map<string, QueueTasks>();
  for (const g of groups) {
    let q = queues.get(g.queue);
    if (!q) queues.set(g.queue, (q = { queue: g.queue, queued: 0, oldestQueuedAt: null, leased: 0, holders: {} }));
    if (g.status === 'QUEUED') {
      q.queued += g.n;
      q.oldestQueuedAt = q.oldestQueuedAt === null ? g.oldest : Math.min(q.oldestQueuedAt, g.oldest);
    } else {
      q.leased += g.n;
      const worker = g.worker ?? '';
      q.holders[worker] = (q.holders[worker] ?? 0) + g.n;
    }
  }
  return [...queues.values()].sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
}
