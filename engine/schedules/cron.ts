/** Cron expressions read in a time zone, via croner (which handles DST transitions). */
import { Cron } from 'croner';

export interface CronSchedule {
  /** The first fire strictly after `after` (epoch ms), or null when there is none. */
  next(after: number): number | null;
}

/** Parses a 5- or 6-field expression; throws an Error with a plain message when it is not valid. */
export function parseCron(expression: string, timezone: string): CronSchedule {
  if (!isTimeZone(timezone)) throw new Error(`"${timezone}" is not a time zone; write it like Europe/Paris or UTC`);
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone, paused: true });
  } catch (err) {
    throw new Error(`"${expression}" is not a cron expression (${(err as Error).message}); write it like "0 9 * * MON-FRI"`);
  }
  return {
    next(after) {
      return cron.nextRun(new Date(after))?.getTime() ?? null;
    },
  };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
