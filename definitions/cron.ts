/** Cron expressions read in a time zone, via croner (which handles DST transitions). */
import { Cron } from 'croner';

export interface CronSchedule {
  /** The first fire strictly after `after` (epoch ms), or null when there is none. */
  next(after: number): number | null;
}

/** Why `expression` is not a 5- or 6-field cron expression, in croner's words; null when it is one. */
export function cronProblem(expression: string): string | null {
  try {
    new Cron(expression, { paused: true });
    return null;
  } catch (err) {
    const detail = (err as Error).message.replace(/^CronPattern: /, '');
    return detail.charAt(0).toLowerCase() + detail.slice(1);
  }
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Parses an expression in a time zone; throws an Error with a plain message when either is not valid. */
export function parseCron(expression: string, timezone: string): CronSchedule {
  if (!isTimeZone(timezone)) throw new Error(`"${timezone}" is not a time zone; write it like Europe/Paris or UTC`);
  const problem = cronProblem(expression);
  if (problem) throw new Error(`"${expression}" is not a cron expression (${problem}); write it like "0 9 * * MON-FRI"`);
  const cron = new Cron(expression, { timezone, paused: true });
  return {
    next(after) {
      return cron.nextRun(new Date(after))?.getTime() ?? null;
    },
  };
}
