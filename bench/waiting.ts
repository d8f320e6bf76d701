/**
 * Many waiting instances: start `n` instances that each wait for an event (start rate, and the
 * engine's memory while they wait), then raise every event (drain rate).
 */
import { benchEngine } from './in-process.js';
import { closedLoop, cpuMeter, ownCpuMs, ownRss, sampleRss } from './measure.js';
import { warmupCount, type Measurement, type RunContext } from './workload.js';

const WORKFLOW = 'bench-wait';
const EVENT = 'go';
/** Starts (and then events) in flight at once. */
export const WAITING_IN_FLIGHT = 50;

export async function runWaiting(ctx: RunContext, n: number): Promise<Measurement[]> {
  const engine = await benchEngine(ctx, WORKFLOW);
  try {
    const start = (ids: string[]) => async (i: number): Promise<void> => {
      ids[i] = (await engine.startInstance(WORKFLOW)).id;
    };
    const raise = (ids: string[]) => (i: number): Promise<void> => engine.raiseEvent(ids[i]!, EVENT, { i });
    const warm: string[] = [];
    await closedLoop(warmupCount(n), WAITING_IN_FLIGHT, start(warm));
    await closedLoop(warm.length, WAITING_IN_FLIGHT, raise(warm));

    const ids: string[] = new Array(n);
    const rss = sampleRss(ownRss);
    const startCpu = cpuMeter(ownCpuMs);
    const started = await closedLoop(n, WAITING_IN_FLIGHT, start(ids));
    const startCpuMs = startCpu.stop();
    const startRss = rss.stop();
    const drainRss = sampleRss(ownRss);
    const drainCpu = cpuMeter(ownCpuMs);
    const drained = await closedLoop(n, WAITING_IN_FLIGHT, raise(ids));
    const drainCpuMs = drainCpu.stop();
    const drainPeak = drainRss.stop();
    const left = await engine.listInstances({ workflow: WORKFLOW, status: ['RUNNING'] }, 1);
    if (left.items.length > 0) throw new Error(`instance ${left.items[0]!.id} still waits after every event was raised`);
    return [
      { label: 'W5 start', instances: n, seconds: started.seconds, stepsPerInstance: null, latencies: started.latencies, peakRssMb: startRss, cpuMs: startCpuMs },
      { label: 'W5 drain', instances: n, seconds: drained.seconds, stepsPerInstance: null, latencies: drained.latencies, peakRssMb: drainPeak, cpuMs: drainCpuMs },
    ];
  } finally {
    await engine.stop();
  }
}
