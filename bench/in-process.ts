/** Workloads on an engine embedded in this process, through the library API. */
import { readFile } from 'node:fs/promises';
import type { Json } from '../definitions/model.js';
import { createEngine, type Engine } from '../engine/engine.js';
import { BENCH_HANDLERS } from './handlers.js';
import { closedLoop, cpuMeter, ownCpuMs, ownRss, sampleRss } from './measure.js';
import { INSTANCE_TIMEOUT_MS, storeUrl, warmupCount, type Measurement, type RunContext } from './workload.js';

export const WORKLOAD_DIR = new URL('./workloads/', import.meta.url);

/** Handler calls in flight in the embedded engine: above any workload's ready tasks per poll. */
export const HANDLER_CONCURRENCY = 64;

/** A workflow of bench/workloads and how to start it. */
export interface Scenario {
  workflow: string;
  /** Task attempts one instance runs. */
  stepsPerInstance: number;
  input(i: number): Json;
}

export async function benchEngine(ctx: RunContext, workflow: string): Promise<Engine> {
  const engine = await createEngine({ store: storeUrl(ctx), handlers: BENCH_HANDLERS, workers: { concurrency: HANDLER_CONCURRENCY } });
  await engine.register(await readFile(new URL(`${workflow}.yaml`, WORKLOAD_DIR), 'utf8'));
  return engine.start();
}

/** Throws unless the instance ended COMPLETED: a benchmark of failures measures nothing. */
export function expectCompleted(view: { id: string; status: string; error?: unknown }): void {
  if (view.status !== 'COMPLETED') {
    throw new Error(`instance ${view.id} ended ${view.status}, not COMPLETED: ${JSON.stringify(view.error ?? null)}`);
  }
}

/** Starts `n` instances in a closed loop of `inFlight`, each timed from start to its completion. */
export async function runInProcess(label: string, scenario: Scenario, ctx: RunContext, n: number, inFlight: number): Promise<Measurement[]> {
  const engine = await benchEngine(ctx, scenario.workflow);
  try {
    const one = async (i: number): Promise<void> => {
      const { id } = await engine.startInstance(scenario.workflow, { input: scenario.input(i) });
      expectCompleted(await engine.waitForInstance(id, INSTANCE_TIMEOUT_MS));
    };
    await closedLoop(warmupCount(n), inFlight, one);
    const rss = sampleRss(ownRss);
    const cpu = cpuMeter(ownCpuMs);
    const { seconds, latencies } = await closedLoop(n, inFlight, one);
    return [{ label, instances: n, seconds, stepsPerInstance: scenario.stepsPerInstance, latencies, peakRssMb: rss.stop(), cpuMs: cpu.stop() }];
  } finally {
    await engine.stop();
  }
}
