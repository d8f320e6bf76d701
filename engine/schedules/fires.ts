/**
 * Which fires of a schedule are due now and what becomes of each, by the overlap policy and the
 * catch-up window. Pure: the scheduler supplies the time and whether the last instance still runs.
 */
import type { ScheduleRecord } from '../store/port.js';
import type { CronSchedule } from '../../definitions/cron.js';
import type { ScheduleFire } from '../../protocol/schedules.js';

/** Fires enumerated per claim at most; a schedule down for longer records the rest as missed. */
const MAX_FIRES_PER_CLAIM = 1_000;
export const RECENT_FIRES_KEPT = 20;

export interface FirePlan {
  pending: ScheduleRecord['pending'];
  buffered: string | null;
  nextFireAt: number | null;
  /** Fires decided without starting anything (missed, skipped), newest first. */
  recorded: ScheduleFire[];
}

/**
 * Plans the fires due at `now`. `runningSince` is when the instance of the previous fire started,
 * or null when it is not running; each fire started here counts as running since `now` for the
 * fires after it.
 *
 * The overlap policy is about runs that overlap in time: a fire overlaps the running instance
 * only when that instance started before the fire was due. A fire missed during downtime, due
 * before the running instance started (the first fire caught up, say), waits for it to end
 * instead: it stays the next fire, so the fires within the catch-up window start once each, one
 * after another, as Temporal's schedules catch up. Only `allow` starts them all at once.
 */
export function planFires(schedule: ScheduleRecord, cron: CronSchedule, now: number, runningSince: number | null): FirePlan {
  const plan: FirePlan = { pending: [], buffered: schedule.buffered, nextFireAt: schedule.nextFireAt, recorded: [] };
  let since = runningSince;
  if (plan.buffered && since === null) {
    plan.pending.push({ fireTime: plan.buffered, action: 'start' });
    plan.buffered = null;
    since = now;
  }
  let fire = schedule.nextFireAt;
  for (let n = 0; fire !== null && fire <= now; n += 1) {
    const fireTime = new Date(fire).toISOString();
    if (n >= MAX_FIRES_PER_CLAIM || fire < now - schedule.catchupWindowMs) {
      plan.recorded.unshift({ fireTime, outcome: 'missed', instanceId: null, reason: 'the engine was not running then, and it is older than the catch-up window' });
    } else if (since === null || schedule.overlap === 'allow') {
      plan.pending.push({ fireTime, action: 'start' });
      since = now;
    } else if (since >= fire) {
      break; // caught up after the running instance, which started later: it waits for that one to end
    } else {
      overlap(schedule, plan, fireTime);
    }
    fire = cron.next(fire);
  }
  plan.nextFireAt = fire;
  return plan;
}

/** True when the plan changes nothing in the schedule (a caught-up fire still waiting). */
export function isIdlePlan(schedule: ScheduleRecord, plan: FirePlan): boolean {
  return plan.pending.length === 0 && plan.recorded.length === 0 && plan.buffered === schedule.buffered && plan.nextFireAt === schedule.nextFireAt;
}

function overlap(schedule: ScheduleRecord, plan: FirePlan, fireTime: string): void {
  switch (schedule.overlap) {
    case 'skip':
      plan.recorded.unshift({ fireTime, outcome: 'skipped', instanceId: null, reason: 'the previous run was still running (overlap: skip)' });
      return;
    case 'buffer':
      if (plan.buffered) {
        plan.recorded.unshift({ fireTime: plan.buffered, outcome: 'skipped', instanceId: null, reason: 'a later fire took its place in the buffer (overlap: buffer)' });
      }
      plan.buffered = fireTime;
      plan.recorded.unshift({ fireTime, outcome: 'buffered', instanceId: null, reason: 'waits for the running instance to end (overlap: buffer)' });
      return;
    case 'cancel':
      plan.pending.push({ fireTime, action: 'cancel-then-start' });
      return;
    case 'terminate':
      plan.pending.push({ fireTime, action: 'terminate-then-start' });
      return;
    case 'allow':
      plan.pending.push({ fireTime, action: 'start' });
  }
}

/**
 * The instance id of a fire: derived from the schedule and the fire time, so it starts once. A
 * manual trigger is marked, so it never takes the id of a cron fire at the same instant.
 */
export function fireInstanceId(scheduleId: string, fireTime: string, manual = false): string {
  return `${scheduleId}@${fireTime}${manual ? '~manual' : ''}`;
}
