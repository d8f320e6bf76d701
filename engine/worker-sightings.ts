/**
 * When workers last asked this engine process for tasks, by queue. Kept in memory, not in the
 * store: a waiting long poll looks at the store every second, and recording each look would turn
 * every empty look into a write. What a worker holds is in the store already (its leases), so
 * only an idle worker's last poll is per process: with several engines, each knows the workers
 * that polled it.
 */

/** Most workers remembered per queue, and most queues; the least recently seen go first. */
const MAX_ENTRIES = 10_000;

export interface Sighting {
  worker: string;
  /** Epoch ms of its latest poll on the queue. */
  lastSeen: number;
}

export class WorkerSightings {
  /** Queue → worker → last seen; both maps in order from least to most recently seen. */
  private readonly queues = new Map<string, Map<string, number>>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  saw(worker: string, queues: readonly string[], at: number): void {
    for (const queue of queues) {
      const workers = this.queues.get(queue) ?? new Map<string, number>();
      this.queues.delete(queue);
      this.queues.set(queue, workers);
      workers.delete(worker);
      workers.set(worker, at);
      if (workers.size > this.maxEntries) workers.delete(workers.keys().next().value!);
    }
    if (this.queues.size > this.maxEntries) this.queues.delete(this.queues.keys().next().value!);
  }

  /** Workers that polled `queue` at or after `since`, most recent first. */
  seen(queue: string, since: number): Sighting[] {
    const seen: Sighting[] = [];
    for (const [worker, lastSeen] of this.queues.get(queue) ?? []) if (lastSeen >= since) seen.push({ worker, lastSeen });
    return seen.reverse();
  }

  /** The latest poll on `queue`, or null when none was seen. */
  lastPoll(queue: string): number | null {
    const workers = this.queues.get(queue);
    if (!workers || workers.size === 0) return null;
    return [...workers.values()].pop()!;
  }

  /** Queues polled at or after `since`. */
  polledQueues(since: number): string[] {
    return [...this.queues.keys()].filter((queue) => (this.lastPoll(queue) ?? -Infinity) >= since);
  }
}
