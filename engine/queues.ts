/** The task queues as an operator sees them: what waits, what is in flight, and who serves them. */
import type { QueueTasks, Store } from './store/port.js';
import type { WorkerSightings } from './worker-sightings.js';
import type { QueueView, QueueWorkerView } from '../protocol/queues.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Every queue with tasks or with a poll within `recentMs`, by name. */
export async function describeQueues(store: Store, sightings: WorkerSightings, now: number, recentMs: number): Promise<QueueView[]> {
  const since = now - recentMs;
  const byName = new Map<string, QueueTasks>((await store.summarizeQueues()).map((q) => [q.queue, q]));
  for (const queue of sightings.polledQueues(since)) {
    if (!byName.has(queue)) byName.set(queue, { queue, queued: 0, oldestQueuedAt: null, leased: 0, holders: {} });
  }
  return [...byName.values()]
    .sort((a, b) => (a.queue < b.queue ? -1 : 1))
    .map((q) => {
      const seen = sightings.seen(q.queue, since);
      const workers: QueueWorkerView[] = seen.map((s) => ({ name: s.worker, lastSeen: iso(s.lastSeen), holding: q.holders[s.worker] ?? 0 }));
      for (const [name, holding] of Object.entries(q.holders)) {
        if (!seen.some((s) => s.worker === name)) workers.push({ name, lastSeen: null, holding });
      }
      const lastPoll = sightings.lastPoll(q.queue);
      return {
        queue: q.queue,
        queued: q.queued,
        oldestQueuedAt: q.oldestQueuedAt === null ? null : iso(q.oldestQueuedAt),
        oldestQueuedAgeMs: q.oldestQueuedAt === null ? null : Math.max(0, now - q.oldestQueuedAt),
        leased: q.leased,
        lastPolledAt: lastPoll === null ? null : iso(lastPoll),
        workers,
      };
    });
}
