/**
 * Fires schedules. Each fire is first claimed by a compare-and-swap on the schedule (advancing
 * nextFireAt and recording the fires to start as `pending`), then started with an instance id
 * derived from the schedule id and fire time, then cleared from `pending`. A crash in between
 * leaves the fire pending, and whichever engine looks next starts it: never twice, since the id
 * is taken.
 */
import type { Json } from '../../definitions/model.js';
import type { ScheduleRecord, ScheduleStore } from '../store/port.js';
import { StoreError } from '../store/errors.js';
import { parseCron } from '../../definitions/cron.js';
import { fireInstanceId, isIdlePlan, planFires, RECENT_FIRES_KEPT } from './fires.js';
import type { ScheduleFire } from '../../protocol/schedules.js';

/** What the scheduler needs of the engine. */
export interface ScheduleActions {
  now(): number;
  /** Starts (or finds, when the id exists) the instance of a fire; throws a SegueError when it cannot. */
  start(spec: { id: string; workflow: string; version: number | null; input: Json; schedule: { id: string; fireTime: string } }): Promise<void>;
  /** Cancels or terminates an instance; a finished one is left alone. */
  stop(id: string, mode: 'cancel' | 'terminate', reason: string): Promise<void>;
  /** When the instance started, if it exists and has not ended; null otherwise. */
  runningSince(id: string): Promise<number | null>;
}

const MAX_CAS_RETRIES = 20;

export class Scheduler {
  constructor(
    private readonly store: ScheduleStore,
    private readonly actions: ScheduleActions,
  ) {}

  /** Fires what is due; returns how many fires were started. */
  async tick(limit = 100): Promise<number> {
    let started = 0;
    for (const schedule of await this.store.findDueSchedules(this.actions.now(), limit)) started += await this.fire(schedule.id);
    return started;
  }

  /** Claims and starts the due fires of one schedule. */
  async fire(id: string): Promise<number> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt += 1) {
      const schedule = await this.store.getSchedule(id);
      if (!schedule || schedule.paused) return 0;
      if (schedule.pending.length > 0) return this.startPending(schedule);
      const claimed = await this.claim(schedule);
      if (claimed === 'nothing') return 0;
      if (claimed !== 'conflict') return this.startPending(claimed);
    }
    return 0;
  }

  /** Adds a fire "now" to a schedule (the trigger operation) and starts it, whatever runs already. */
  async trigger(id: string): Promise<ScheduleRecord | null> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt += 1) {
      const schedule = await this.store.getSchedule(id);
      if (!schedule) return null;
      const fireTime = new Date(this.actions.now()).toISOString();
      const next = { ...schedule, pending: [...schedule.pending, { fireTime, action: 'trigger' as const }], rev: schedule.rev + 1, updatedAt: this.actions.now() };
      if (await this.store.putSchedule(next, schedule.rev)) {
        await this.startPending(next);
        return this.store.getSchedule(id);
      }
    }
    return null;
  }

  private async claim(schedule: ScheduleRecord): Promise<ScheduleRecord | 'nothing' | 'conflict'> {
    const now = this.actions.now();
    const dueFire = schedule.nextFireAt !== null && schedule.nextFireAt <= now;
    if (!dueFire && !schedule.buffered) return 'nothing';
    const runningSince = schedule.lastInstanceId ? await this.actions.runningSince(schedule.lastInstanceId) : null;
    if (!dueFire && runningSince !== null) return 'nothing'; // the buffered fire waits on
    const plan = planFires(schedule, parseCron(schedule.cron, schedule.timezone), now, runningSince);
    if (isIdlePlan(schedule, plan)) return 'nothing';
    const next: ScheduleRecord = {
      ...schedule,
      pending: plan.pending,
      buffered: plan.buffered,
      nextFireAt: plan.nextFireAt,
      recent: keepRecent([...plan.recorded, ...schedule.recent]),
      rev: schedule.rev + 1,
      updatedAt: now,
    };
    return (await this.store.putSchedule(next, schedule.rev)) ? next : 'conflict';
  }

  private async startPending(schedule: ScheduleRecord): Promise<number> {
    const outcomes: ScheduleFire[] = [];
    let last = schedule.lastInstanceId;
    for (const fire of schedule.pending) {
      if ((fire.action === 'cancel-then-start' || fire.action === 'terminate-then-start') && last) {
        const mode = fire.action === 'cancel-then-start' ? 'cancel' : 'terminate';
        await this.actions.stop(last, mode, `schedule ${schedule.id} fired again at ${fire.fireTime} (overlap: ${mode})`);
      }
      const id = fireInstanceId(schedule.id, fire.fireTime, fire.action === 'trigger');
      try {
        await this.actions.start({ id, workflow: schedule.workflow, version: schedule.version, input: schedule.input, schedule: { id: schedule.id, fireTime: fire.fireTime } });
        outcomes.unshift({ fireTime: fire.fireTime, outcome: 'started', instanceId: id });
        last = id;
      } catch (err) {
        // The store being busy or away is passing: the fire stays pending for the next look.
        if (err instanceof StoreError && err.retryable) throw err;
        outcomes.unshift({ fireTime: fire.fireTime, outcome: 'skipped', instanceId: null, reason: `could not start: ${(err as Error).message}` });
      }
    }
    await this.settle(schedule, outcomes, last);
    return outcomes.filter((o) => o.outcome === 'started').length;
  }

  /** Clears the started fires from `pending` (another engine may have done it already). */
  private async settle(started: ScheduleRecord, outcomes: ScheduleFire[], last: string | null): Promise<void> {
    const key = (p: ScheduleRecord['pending'][number]): string => `${p.fireTime} ${p.action}`;
    const done = new Set(started.pending.map(key));
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt += 1) {
      const current = await this.store.getSchedule(started.id);
      if (!current || !current.pending.some((p) => done.has(key(p)))) return;
      const next: ScheduleRecord = {
        ...current,
        pending: current.pending.filter((p) => !done.has(key(p))),
        lastInstanceId: last,
        recent: keepRecent([...outcomes, ...current.recent]),
        rev: current.rev + 1,
        updatedAt: this.actions.now(),
      };
      if (await this.store.putSchedule(next, current.rev)) return;
    }
  }
}

function keepRecent(fires: ScheduleFire[]): ScheduleFire[] {
  return fires.slice(0, RECENT_FIRES_KEPT);
}
