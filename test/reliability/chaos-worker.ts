/**
 * A chaos worker process: serves the chaos task types against one or more servers and appends a
 * line per execution to its log file, so the harness can count executions against tasks.
 *   CHAOS_URLS=http://127.0.0.1:8080,http://127.0.0.1:8081 CHAOS_LOG=<file> CHAOS_WORKER=w1 \
 *     node --import tsx test/reliability/chaos-worker.ts
 * Stops on SIGTERM once the handlers in flight have finished.
 */
import { appendFileSync } from 'node:fs';
import { createWorker, type WorkerContext, type WorkerHandler } from '../../client/worker-client.js';
import { attemptOutcome, ChaosTaskError, taskValue, type ChaosTaskInput, type Execution } from './chaos-tasks.js';

const urls = (process.env.CHAOS_URLS ?? '').split(',').filter((url) => url !== '');
const log = process.env.CHAOS_LOG;
const name = process.env.CHAOS_WORKER ?? `chaos-${process.pid}`;
if (urls.length === 0 || log === undefined) throw new Error('set CHAOS_URLS (comma-separated server URLs) and CHAOS_LOG (a file to append executions to)');

const handler: WorkerHandler<ChaosTaskInput> = async (input, ctx: WorkerContext) => {
  // A little work time, so that crashes also land while tasks are in flight.
  await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 140));
  const outcome = attemptOutcome(input, ctx.attempt);
  const execution: Execution = { worker: name, type: ctx.type, instanceId: ctx.instanceId, stage: input.stage, attempt: ctx.attempt, outcome };
  // Recorded before the result is reported: a result lost to a crash still counts as an execution.
  appendFileSync(log, `${JSON.stringify(execution)}\n`);
  if (outcome === 'failed') throw new ChaosTaskError('Transient', `attempt ${ctx.attempt} of ${input.stage} fails on purpose`, true);
  if (outcome === 'refused') throw new ChaosTaskError('Refused', `${input.stage} is refused for ${input.key}`, false);
  return { value: taskValue(input.stage, input.key) };
};

let lostConnections = 0;
const workers = urls.map((url) =>
  createWorker<ChaosTaskInput>({
    url,
    worker: name,
    handlers: { 'chaos.compute': handler, 'chaos.undo': handler },
    pollWait: '5s',
    // Servers are killed on purpose: lost connections and stale results are part of the run.
    onError: () => void (lostConnections += 1),
  }),
);
for (const worker of workers) worker.start();
process.stdout.write(`worker polling ${urls.join(' ')}\n`);

process.once('SIGTERM', () => {
  void Promise.all(workers.map((worker) => worker.stop())).then(() => {
    process.stdout.write(`worker stopped after ${lostConnections} connection errors\n`);
  });
});
