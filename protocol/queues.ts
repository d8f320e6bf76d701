/** The task queues as GET /v1/queues answers them. */

export interface QueueWorkerView {
  name: string;
  /** Its latest poll on the queue seen by this engine; null for a worker known only by the leases it holds. */
  lastSeen: string | null;
  /** Attempts of the queue's tasks it holds now. */
  holding: number;
}

export interface QueueView {
  queue: string;
  queued: number;
  oldestQueuedAt: string | null;
  /** How long the oldest queued task has waited, ms; null when none waits. */
  oldestQueuedAgeMs: number | null;
  leased: number;
  /** The latest poll on the queue this engine saw, whoever made it. */
  lastPolledAt: string | null;
  /** Workers that polled it within the recent window, and workers holding its tasks. */
  workers: QueueWorkerView[];
}
