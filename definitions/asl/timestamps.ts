/**
 * Timestamps as the Amazon States Language takes them (Wait's `Timestamp`, the `Timestamp*`
 * comparisons, `IsTimestamp`): the ISO 8601 extended offset date-time format, like
 * `2016-08-18T17:33:00Z` or `2016-08-18T19:33:00.250+02:00`: an uppercase `T` between date and
 * time, and a `Z` or an offset after it. A date or time that does not exist is refused.
 */

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2})(?::(\d{2}))?)$/;

/** Nanoseconds since 1970-01-01T00:00:00Z, or null when the text is not such a timestamp. */
export function parseTimestamp(text: string): bigint | null {
  const m = TIMESTAMP.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetSeconds = 0;
  if (m[8] !== 'Z') {
    const [oh, om, os] = [Number(m[10]), Number(m[11]), Number(m[12] ?? 0)];
    if (oh > 18 || om > 59 || os > 59) return null;
    offsetSeconds = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60 + os);
  }
  const epochSeconds = utcSeconds(year, month, day, hour, minute, second) - offsetSeconds;
  const fraction = BigInt((m[7] ?? '').padEnd(9, '0'));
  return BigInt(epochSeconds) * 1_000_000_000n + fraction;
}

export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && parseTimestamp(value) !== null;
}

/** Milliseconds since the epoch of a valid timestamp (fractions of a millisecond dropped). */
export function timestampMs(text: string): number | null {
  const nanos = parseTimestamp(text);
  return nanos === null ? null : Number(nanos / 1_000_000n);
}

// Date.UTC reads the years 0 to 99 as 1900 to 1999; setUTCFullYear takes them as written.
function utcSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime() / 1000;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}
