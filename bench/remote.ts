/** The remote workload: a real `segue serve` process, tasks run by worker processes over HTTP. */
import { fileURLToPath } from 'node:url';
import { SegueClient } from '../client/http-client.js';
import { nodeTransport } from '../client/node-transport.js';
import { expectCompleted, WORKLOAD_DIR, type Scenario } from './in-process.js';
import { closedLoop, cpuMeter, processCpuMs, processRss, sampleRss } from './measure.js';
import { startServe, startWorker, type Child } from './processes.js';
import { storeUrl, warmupCount, type Measurement, type RunContext } from './workload.js';

export const WORKER_PROCESSES = 4;
/** Handlers each worker runs at once: together, more than the instances in flight. */
export const WORKER_CONCURRENCY = 16;
/** The server cuts longer waits to its own maximum (60 s by default); the client asks again. */
const WAIT = '60s';

async function waitCompleted(client: SegueClient, id: string): Promise<void> {
  for (;;) {
    const view = await client.getInstance(id, WAIT);
    if (view.status !== 'RUNNING' && view.status !== 'PENDING') return expectCompleted(view);
  }
}

/**
 * Starts each instance with a POST that waits for it to finish (long-polling GETs after, should the
 * wait run out), as a client of the API would. The peak RSS and the CPU time are the server's.
 */
export async function runRemote(label: string, scenario: Scenario, ctx: RunContext, n: number, inFlight: number): Promise<Measurement[]> {
  const children: Child[] = [];
  try {
    const server = await startServe(storeUrl(ctx), fileURLToPath(WORKLOAD_DIR));
    children.push(server);
    children.push(...(await Promise.all(Array.from({ length: WORKER_PROCESSES }, () => startWorker(server.url, WORKER_CONCURRENCY)))));
    const client = new SegueClient({ url: server.url, transport: nodeTransport() });
    const one = async (i: number): Promise<void> => {
      const view = await client.startInstance(scenario.workflow, { input: scenario.input(i) }, WAIT);
      if (view.status === 'RUNNING' || view.status === 'PENDING') await waitCompleted(client, view.id);
      else expectCompleted(view);
    };
    await closedLoop(warmupCount(n), inFlight, one);
    const rss = sampleRss(() => processRss(server.pid));
    const cpu = cpuMeter(() => processCpuMs(server.pid));
    const { seconds, latencies } = await closedLoop(n, inFlight, one);
    return [{ label, instances: n, seconds, stepsPerInstance: scenario.stepsPerInstance, latencies, peakRssMb: rss.stop(), cpuMs: cpu.stop() }];
  } finally {
    // Workers first, so none is left polling a server that is gone.
    await Promise.all(children.slice(1).map((c) => c.stop()));
    await children[0]?.stop();
  }
}
