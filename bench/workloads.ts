/** The benchmark's workloads, W1–W5. */
import { runInProcess, type Scenario } from './in-process.js';
import { runRemote, WORKER_PROCESSES } from './remote.js';
import { runWaiting, WAITING_IN_FLIGHT } from './waiting.js';
import { FLAKY_FAILURES } from './handlers.js';
import { STORE_KINDS, type Workload } from './workload.js';

const FANOUT_ITEMS = Array.from({ length: 100 }, (_, i) => i);

const SEQUENTIAL: Scenario = { workflow: 'bench-sequential', stepsPerInstance: 10, input: (i) => ({ id: `i${i}` }) };
const FANOUT: Scenario = { workflow: 'bench-fanout', stepsPerInstance: FANOUT_ITEMS.length, input: () => ({ items: FANOUT_ITEMS }) };
const RETRY: Scenario = { workflow: 'bench-retry', stepsPerInstance: FLAKY_FAILURES + 1, input: (i) => ({ id: `i${i}` }) };

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'W1', shape: '10 sequential tasks', n: 1_000, inFlight: 50, stores: STORE_KINDS,
    run: (ctx, n) => runInProcess('W1', SEQUENTIAL, ctx, n, 50),
  },
  {
    id: 'W1u', shape: 'W1 one at a time', n: 200, inFlight: 1, stores: STORE_KINDS,
    run: (ctx, n) => runInProcess('W1u', SEQUENTIAL, ctx, n, 1),
  },
  {
    id: 'W2', shape: 'map of 100 tasks, then join', n: 50, inFlight: 10, stores: STORE_KINDS,
    run: (ctx, n) => runInProcess('W2', FANOUT, ctx, n, 10),
  },
  {
    id: 'W3', shape: 'task fails twice, retry 0s', n: 200, inFlight: 50, stores: STORE_KINDS,
    run: (ctx, n) => runInProcess('W3', RETRY, ctx, n, 50),
  },
  {
    id: 'W4', shape: `W1 via serve + ${WORKER_PROCESSES} workers`, n: 1_000, inFlight: 50, stores: STORE_KINDS,
    run: (ctx, n) => runRemote('W4', SEQUENTIAL, ctx, n, 50),
  },
  {
    id: 'W5', shape: 'instances waiting for an event', n: 100_000, inFlight: WAITING_IN_FLIGHT, stores: ['sqlite'],
    run: runWaiting,
  },
];
