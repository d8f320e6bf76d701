/** Measuring tools: a closed-loop driver, percentiles, a peak-RSS sampler and CPU meters. */
import { readFileSync } from 'node:fs';

export interface LoopResult {
  /** Wall time of the whole loop, seconds. */
  seconds: number;
  /** Per-call latency, ms, in completion order. */
  latencies: number[];
}

/**
 * Runs `one(i)` for i = 0 … total-1 with `inFlight` calls at a time: a new call starts as soon as
 * one finishes (a closed loop), so the rate measured is what the system sustains.
 */
export async function closedLoop(total: number, inFlight: number, one: (i: number) => Promise<void>): Promise<LoopResult> {
  const latencies: number[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const i = next;
      next += 1;
      const started = performance.now();
      await one(i);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  return { seconds: (performance.now() - started) / 1_000, latencies };
}

/** The p-th percentile (0–100) by nearest rank; NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

const MB = 1024 * 1024;
const SAMPLE_MS = 100;

/** Resident set size of this process, bytes. */
export function ownRss(): number {
  return process.memoryUsage.rss();
}

/** Resident set size of another process from /proc (Linux), bytes; null where unreadable. */
export function processRss(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples `read` every 100 ms until stopped; `stop` gives the peak seen, MB (null if never read). */
export function sampleRss(read: () => number | null): { stop(): number | null } {
  let peak: number | null = null;
  const take = (): void => {
    const value = read();
    if (value !== null) peak = Math.max(peak ?? 0, value);
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return peak === null ? null : peak / MB;
    },
  };
}

/** CPU time (user and system, all threads) this process has used so far, ms. */
export function ownCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1_000;
}

/** Linux's USER_HZ, the unit of /proc's CPU times: 100 on every architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user and system) another process has used so far, from /proc (Linux), ms; null where unreadable. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: count fields after it. utime and stime
    // are fields 14 and 15 of the line, so the 12th and 13th after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU time a process uses from now until `stop`, ms (null if unreadable). On a shared machine it
 * varies less between runs than throughput does: a slow moment stretches wall time, not work.
 */
export function cpuMeter(read: () => number | null): { stop(): number | null } {
  const start = read();
  return {
    stop: () => {
      const end = read();
      return start === null || end === null ? null : end - start;
    },
  };
}
