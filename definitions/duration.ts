/**
 * Durations as people write them: `250ms`, `30s`, `5m`, `2h`, `3d` (and sums like `1h30m`),
 * or ISO-8601 (`PT30S`, `P3D`, `P1DT12H`). Months and years are refused: their length varies.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SHORT = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/;
const ISO = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * The longest duration a definition or a schedule may give: 36500d, about 100 years. Far inside
 * the date range, so a timer or a lease that long from any time now is still a date.
 */
export const MAX_DURATION_MS = 36_500 * UNIT_MS.d!;

/** Times are epoch milliseconds within ECMAScript's date range: ±8.64e15 (years -271821 to 275760). */
export const MAX_TIME_MS = 8.64e15;

/** True when `ms` is a time a Date can hold. */
export function isTime(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME_MS;
}

/** Milliseconds in `text`, or null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s.startsWith('P')) return parseIso(s);
  let rest = s;
  let total = 0;
  while (rest.length > 0) {
    const m = SHORT.exec(rest);
    if (!m) return null;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length).trimStart();
  }
  return s.length > 0 ? Math.round(total) : null;
}

function parseIso(s: string): number | null {
  const m = ISO.exec(s);
  if (!m || s === 'P' || s.endsWith('T')) return null;
  const [w, d, h, min, sec] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  return Math.round(w! * UNIT_MS.w! + d! * UNIT_MS.d! + h! * UNIT_MS.h! + min! * UNIT_MS.m! + sec! * UNIT_MS.s!);
}

/** A short human form of a duration in milliseconds, for messages: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}
