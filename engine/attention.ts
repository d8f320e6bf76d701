/**
 * Instances that need an operator: each reason is found by one named check, and the checks are
 * one list (ATTENTION_CHECKS), so a new kind of trouble is one more entry there.
 */
import { formatDuration } from '../definitions/duration.js';
import type { Store, TaskRecord } from './store/port.js';
import type { WorkerSightings } from './worker-sightings.js';
import type { AttentionReason } from '../protocol/instances.js';

export interface AttentionOptions {
  /**
   * A queue no worker has polled for this long, with no attempt in flight, leaves the instances
   * whose tasks have waited on it as long in need of attention. Also the window in which a
   * worker counts as having polled recently in the queue view. Default 1 minute.
   */
  unpolledMs: number;
  /** An attempt this far past the end of its lease and not timed out yet needs attention. Default 30 s. */
  overdueMs: number;
}

export const DEFAULT_ATTENTION: AttentionOptions = { unpolledMs: 60_000, overdueMs: 30_000 };

export interface AttentionContext {
  store: Store;
  sightings: WorkerSightings;
  now: number;
  options: AttentionOptions;
  /** Most instances one check reports. */
  limit: number;
}

export interface Flagged {
  instanceId: string;
  reason: AttentionReason;
}

export interface AttentionCheck {
  name: string;
  find(ctx: AttentionContext): Promise<Flagged[]>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Tasks waiting on a queue nobody serves: no poll seen within the window and nothing in flight. */
const unpolledQueue: AttentionCheck = {
  name: 'queue-unpolled',
  async find({ store, sightings, now, options, limit }) {
    const stale = now - options.unpolledMs;
    const unpolled = (await store.summarizeQueues()).filter(
      (q) => q.queued > 0 && q.leased === 0 && q.oldestQueuedAt! <= stale && (sightings.lastPoll(q.queue) ?? -Infinity) < stale,
    );
    if (unpolled.length === 0) return [];
    const tasks = await store.findQueuedTasks(unpolled.map((q) => q.queue), stale, limit);
    return tasks.map((task) => {
      const last = sightings.lastPoll(task.queue);
      const polled = last === null ? 'no worker has polled it since this engine started' : `its last poll was at ${iso(last)}`;
      return flag(this.name, task, task.createdAt, `waits on queue "${task.queue}" since ${iso(task.createdAt)}, and no worker has polled that queue for ${formatDuration(options.unpolledMs)} (${polled}) or holds any of its tasks`);
    });
  },
};

/** Attempts past the end of their lease that nothing has timed out: no engine is sweeping leases. */
const overdueTask: AttentionCheck = {
  name: 'task-overdue',
  async find({ store, now, options, limit }) {
    const tasks = await store.findExpiredLeases(now - options.overdueMs, limit);
    return tasks.map((task) =>
      flag(this.name, task, task.leaseExpiresAt!, `attempt ${task.attempt} of task "${task.type}", held by worker "${task.worker ?? 'unknown'}", passed its deadline at ${iso(task.leaseExpiresAt!)} and has not been timed out (is an engine running?)`),
    );
  },
};

/** Instances set aside after their input failed too many tries: nothing moves them but an operator. */
const setAsideInstance: AttentionCheck = {
  name: 'set-aside',
  async find({ store, limit }) {
    if (limit === 0) return [];
    const page = await store.listInstances({ setAside: true }, limit);
    return page.items.map(({ id, setAside: mark }) => ({
      instanceId: id,
      reason: { check: this.name, step: mark!.step ?? null, since: iso(mark!.at), message: `set aside: ${mark!.reason}; retry it once the cause is fixed, or terminate it` },
    }));
  },
};

export const ATTENTION_CHECKS: readonly AttentionCheck[] = [unpolledQueue, overdueTask, setAsideInstance];

function flag(check: string, task: TaskRecord, since: number, what: string): Flagged {
  return { instanceId: task.instanceId, reason: { check, step: task.step, since: iso(since), message: `step "${task.step}" ${what}` } };
}

/** The reasons each instance needs attention for, by instance id, in the order the checks found them. */
export async function findAttention(ctx: AttentionContext, checks: readonly AttentionCheck[] = ATTENTION_CHECKS): Promise<Map<string, AttentionReason[]>> {
  const found = await Promise.all(checks.map((check) => check.find(ctx)));
  const reasons = new Map<string, AttentionReason[]>();
  for (const { instanceId, reason } of found.flat()) {
    const list = reasons.get(instanceId) ?? [];
    list.push(reason);
    reasons.set(instanceId, list);
  }
  return reasons;
}
