/** What a workload is, and what one run of it measures. */
import { join } from 'node:path';

export type StoreKind = 'sqlite' | 'memory';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'memory'];

/** One row of the results: a closed loop's outcome on one store in one run. */
export interface Measurement {
  /** The table row, e.g. "W1" or "W5 drain". */
  label: string;
  instances: number;
  /** Wall time of the measured part, seconds. */
  seconds: number;
  /** Task attempts per instance, for steps/s; null where steps/s means nothing. */
  stepsPerInstance: number | null;
  /** Latency of each measured call, ms. */
  latencies: number[];
  peakRssMb: number | null;
  /** CPU time the engine's process used in the measured part, ms (W4: the server's); null if unknown. */
  cpuMs: number | null;
}

export interface RunContext {
  store: StoreKind;
  /** A temporary folder for database files, removed after the whole benchmark. */
  dir: string;
  /** Unique among the runs of one benchmark, for file names. */
  tag: string;
}

export interface Workload {
  id: string;
  shape: string;
  /** Instances measured at scale 1. */
  n: number;
  /** Calls in flight at once; null where the workload is not one closed loop. */
  inFlight: number | null;
  /** Stores it runs on unless --store says otherwise. */
  stores: readonly StoreKind[];
  run(ctx: RunContext, n: number): Promise<Measurement[]>;
}

/** The store URL of one run: a fresh file for sqlite (synchronous=FULL, the default). */
export function storeUrl(ctx: RunContext): string {
  return ctx.store === 'memory' ? 'memory' : `sqlite:${join(ctx.dir, `${ctx.tag}.db`)}`;
}

/** Instances run before measuring, so JIT, caches and the database file are warm. */
export function warmupCount(n: number): number {
  return Math.min(1_000, Math.ceil(n / 10));
}

/** How long one instance may take before the run is declared broken, ms. */
export const INSTANCE_TIMEOUT_MS = 120_000;
