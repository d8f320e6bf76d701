/** Summaries of the runs: the printed table and the JSON document. */
import { median, percentile } from './measure.js';
import type { Measurement, StoreKind } from './workload.js';

export interface RunFigures {
  instancesPerSec: number;
  stepsPerSec: number | null;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number | null;
  /** CPU time of the engine's process per step (per instance where there are no steps), µs. */
  cpuUsPerStep: number | null;
  seconds: number;
}

const METRICS = ['instancesPerSec', 'stepsPerSec', 'p50Ms', 'p99Ms', 'peakRssMb', 'cpuUsPerStep'] as const;
type Metric = (typeof METRICS)[number];

export interface Summary {
  median: number;
  min: number;
  max: number;
}

/** One table row: a workload's measurement on one store over all its runs. */
export interface ResultRow {
  label: string;
  store: StoreKind;
  instances: number;
  inFlight: number | null;
  runs: RunFigures[];
  /** Time spent on this workload and store, warm-ups and process starts included, seconds. */
  wallSeconds: number;
  summary: Partial<Record<Metric, Summary>>;
  /** Why the runs stopped, when one failed. */
  error?: string;
}

export function figuresOf(m: Measurement): RunFigures {
  const rate = m.instances / m.seconds;
  return {
    instancesPerSec: rate,
    stepsPerSec: m.stepsPerInstance === null ? null : rate * m.stepsPerInstance,
    p50Ms: percentile(m.latencies, 50),
    p99Ms: percentile(m.latencies, 99),
    peakRssMb: m.peakRssMb,
    cpuUsPerStep: m.cpuMs === null ? null : (m.cpuMs * 1_000) / (m.instances * (m.stepsPerInstance ?? 1)),
    seconds: m.seconds,
  };
}

export function summarise(runs: RunFigures[]): Partial<Record<Metric, Summary>> {
  const summary: Partial<Record<Metric, Summary>> = {};
  for (const metric of METRICS) {
    const values = runs.map((r) => r[metric]).filter((v): v is number => v !== null && !Number.isNaN(v));
    if (values.length > 0) summary[metric] = { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  }
  return summary;
}

function number(value: number): string {
  if (value >= 100) return value.toFixed(0);
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function cell(s: Summary | undefined, runs: number): string {
  if (s === undefined) return '-';
  return runs > 1 ? `${number(s.median)} (${number(s.min)}–${number(s.max)})` : number(s.median);
}

const HEADERS = ['workload', 'store', 'N', 'in flight', 'instances/s', 'steps/s', 'p50 ms', 'p99 ms', 'peak RSS MB', 'CPU µs/step'];

/** A plain-text table: one line per row, medians with the (min–max) range of the runs. */
export function formatTable(rows: ResultRow[]): string {
  const lines = rows.map((r) =>
    r.error !== undefined
      ? [r.label, r.store, String(r.instances), String(r.inFlight ?? '-'), `FAILED: ${r.error.split('\n')[0]}`]
      : [r.label, r.store, String(r.instances), String(r.inFlight ?? '-'), ...METRICS.map((m) => cell(r.summary[m], r.runs.length))],
  );
  // A failure's message spans the figure columns, so it does not widen them.
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...lines.map((l, j) => (rows[j]!.error !== undefined && i >= 4 ? 0 : (l[i] ?? '').length))));
  const format = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [format(HEADERS), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}
