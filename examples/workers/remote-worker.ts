/**
 * The example handlers as a separate process, talking to a server over HTTP:
 *   SEGUE_URL=http://127.0.0.1:8080 node --import tsx examples/workers/remote-worker.ts
 * Stops on SIGTERM or SIGINT once the handlers in flight have finished.
 */
import { createWorker } from '../../client/worker-client.js';
import handlers from './example-worker.js';

const url = process.env.SEGUE_URL ?? 'http://127.0.0.1:8080';
const worker = createWorker({
  url,
  handlers,
  // Connection errors while the server restarts are expected: the worker backs off and polls again.
  onError: (err) => {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    process.stderr.write(`worker: ${(err as Error).message}${cause ? ` (${cause})` : ''}\n`);
  },
});
worker.start();
process.stdout.write(`worker polling ${url} for ${Object.keys(handlers).length} task types\n`);

const stop = (): void => void worker.stop();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
