/**
 * The isolate's thread (see expression-isolate.ts): starts, feeds and ends the isolate's
 * processes, so that what blocks a thread there (a spawn waits for its child to start; the data
 * and the result cross the process's channel as JSON) never blocks the engine's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EvaluationFailure } from '../definitions/expression-budget.js';
import type { FromThread, IsolateOptions, ToThread } from './expression-isolate.js';
import { ProcessPool } from './expression-processes.js';

const port = parentPort!;
const post = (message: FromThread): void => port.postMessage(message);
const pool = new ProcessPool(workerData as IsolateOptions, (pids) => post({ kind: 'processes', pids }));

port.on('message', (message: ToThread) => {
  if (message.kind === 'close') {
    void pool.close().then(() => post({ kind: 'closed' }));
    return;
  }
  const { id } = message;
  pool.evaluate(message.request).then(
    (value) => post({ kind: 'done', id, ok: true, value }),
    (failure: EvaluationFailure) => post({ kind: 'done', id, ok: false, failure }),
  );
});
