/**
 * An engine process for the MongoDB benchmarks: the engine and REST API `segue serve` runs (no
 * in-process handlers: worker processes take the tasks over HTTP), on a counting MongoDB store.
 *   BENCH_MONGODB_URI=mongodb://… BENCH_DATABASE=segue_bench node --import tsx bench/mongodb/engine-process.ts
 * Prints "bench engine listening on <url>". GET <url>/bench/counts answers the counts so far;
 * GET <url>/bench/finished?from=<n> the instances finished from the n-th on, as [id, status]
 * pairs, waiting up to 30 s for one: how the benchmark learns of finishes without a waiting API
 * call per instance (whose store re-reads each second would be counted as the workload's).
 */
import { readFile } from 'node:fs/promises';
import express from 'express';
import { createServer } from '../../api/app.js';
import { createEngine } from '../../engine/engine.js';
import { WORKLOAD_DIR } from '../in-process.js';
import { openCountingStore } from './counting-store.js';

const uri = process.env.BENCH_MONGODB_URI;
const database = process.env.BENCH_DATABASE;
if (!uri || !database) throw new Error('set BENCH_MONGODB_URI and BENCH_DATABASE');

const finished: [string, string][] = [];
const waiting = new Set<() => void>();
const { store, counts } = await openCountingStore(uri, database, (id, status) => {
  finished.push([id, status]);
  for (const wake of [...waiting]) wake();
});
const engine = await createEngine({ store });
await engine.register(await readFile(new URL('bench-sequential.yaml', WORKLOAD_DIR), 'utf8'));
engine.start();
const stopping = new AbortController();
const app = express();
app.get('/bench/counts', (_req, res) => void res.json(counts));
app.get('/bench/finished', (req, res) => {
  const from = Number(req.query.from ?? 0);
  const answer = (): void => void res.json(finished.slice(from));
  if (finished.length > from) return answer();
  const wake = (): void => {
    clearTimeout(timer);
    waiting.delete(wake);
    answer();
  };
  const timer = setTimeout(wake, 30_000);
  waiting.add(wake);
});
app.use(createServer(engine, { signal: stopping.signal }));
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`bench engine listening on http://127.0.0.1:${port}\n`);
});
// Longer than the benchmark's clients leave a connection idle, so that none is closed as it is reused.
server.keepAliveTimeout = 120_000;
process.once('SIGTERM', () => {
  stopping.abort();
  server.close();
  void engine.stop().then(() => store.close()).then(() => process.exit(0));
});
