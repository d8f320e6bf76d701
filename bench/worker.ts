/**
 * A benchmark worker process: serves the benchmark's task types from a `segue serve` over HTTP.
 *   SEGUE_URL=http://127.0.0.1:8080 node --import tsx bench/worker.ts
 * Prints "bench worker ready" once polling; stops on SIGTERM once the handlers in flight finished.
 */
import { createWorker } from '../client/worker-client.js';
import { BENCH_HANDLERS } from './handlers.js';

const url = process.env.SEGUE_URL;
if (!url) throw new Error('set SEGUE_URL to the server to poll');
const concurrency = Number(process.env.BENCH_WORKER_CONCURRENCY ?? '16');

const worker = createWorker({
  url,
  handlers: BENCH_HANDLERS,
  concurrency,
  onError: (err) => process.stderr.write(`bench worker: ${(err as Error).message}\n`),
});
worker.start();
process.stdout.write(`bench worker ready (${url}, concurrency ${concurrency})\n`);
process.once('SIGTERM', () => void worker.stop());
