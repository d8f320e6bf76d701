/**
 * `npm run bench:mongodb`: what the MongoDB store costs, on a MongoDB-protocol server (FerretDB,
 * built and started here, unless --uri names a server).
 *   node --import tsx bench/mongodb/run.ts [--uri mongodb://…] [--only commands,scaling] [--scale 1] [--runs 3]
 * commands: the commands the driver sends per step (a task attempt): W1, W2 and W3 in this
 *   process, and W1 with worker processes over HTTP at 1, 10 and 50 instances in flight. The
 *   figure is the same on any server: it counts what the adapter asks for, not how fast it is.
 * scaling: W1 with worker processes on 1, 2 and 3 engine processes sharing one database:
 *   instances/s, and the compare-and-swaps another engine won.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { SegueClient } from '../../client/http-client.js';
import { NetworkError } from '../../client/transport.js';
import { nodeTransport } from '../../client/node-transport.js';
import { createEngine } from '../../engine/engine.js';
import { installFerretDb, startFerretDb } from '../../scripts/ferretdb/server.js';
import { BENCH_HANDLERS, FLAKY_FAILURES } from '../handlers.js';
import { expectCompleted, HANDLER_CONCURRENCY, WORKLOAD_DIR, type Scenario } from '../in-process.js';
import { closedLoop, median } from '../measure.js';
import { startMongoEngine, startWorker, type Child } from '../processes.js';
import { WORKER_CONCURRENCY, WORKER_PROCESSES } from '../remote.js';
import { INSTANCE_TIMEOUT_MS, warmupCount } from '../workload.js';
import { addCounts, countsSince, emptyCounts, openCountingStore, snapshot, totalCommands, type Counts } from './counting-store.js';

const SEQUENTIAL: Scenario = { workflow: 'bench-sequential', stepsPerInstance: 10, input: (i) => ({ id: `i${i}` }) };
const FANOUT: Scenario = { workflow: 'bench-fanout', stepsPerInstance: 100, input: () => ({ items: Array.from({ length: 100 }, (_, i) => i) }) };
const RETRY: Scenario = { workflow: 'bench-retry', stepsPerInstance: FLAKY_FAILURES + 1, input: (i) => ({ id: `i${i}` }) };

interface Row {
  label: string;
  inFlight: number;
  engines: number;
  instances: number;
  steps: number;
  seconds: number;
  counts: Counts;
}

const freshDatabase = (): string => `segue_bench_${randomUUID().slice(0, 8)}`;

async function dropDatabase(uri: string, database: string): Promise<void> {
  const client = await new MongoClient(uri).connect();
  await client.db(database).dropDatabase();
  await client.close();
}

/** `n` instances of `scenario` on an engine in this process, with `inFlight` at a time. */
async function inProcess(uri: string, label: string, scenario: Scenario, n: number, inFlight: number): Promise<Row> {
  const database = freshDatabase();
  const { store, counts } = await openCountingStore(uri, database);
  const engine = await createEngine({ store, handlers: BENCH_HANDLERS, workers: { concurrency: HANDLER_CONCURRENCY } });
  try {
    await engine.register(await readFile(new URL(`${scenario.workflow}.yaml`, WORKLOAD_DIR), 'utf8'));
    engine.start();
    const one = async (i: number): Promise<void> => {
      const { id } = await engine.startInstance(scenario.workflow, { input: scenario.input(i) });
      expectCompleted(await engine.waitForInstance(id, INSTANCE_TIMEOUT_MS));
    };
    await closedLoop(warmupCount(n), inFlight, one);
    const before = snapshot(counts);
    const { seconds } = await closedLoop(n, inFlight, one);
    const used = countsSince(before, counts);
    return { label, inFlight, engines: 1, instances: n, steps: n * scenario.stepsPerInstance, seconds, counts: used };
  } finally {
    await engine.stop();
    await store.close();
    await dropDatabase(uri, database);
  }
}

async function countsOf(urls: string[]): Promise<Counts> {
  const all = await Promise.all(urls.map(async (url) => (await (await fetch(`${url}/bench/counts`)).json()) as Counts));
  return all.reduce(addCounts, emptyCounts());
}

/** W1 on `engines` engine processes sharing one database, the tasks run by worker processes over HTTP. */
async function remote(uri: string, label: string, engines: number, n: number, inFlight: number): Promise<Row> {
  const database = freshDatabase();
  const children: Child[] = [];
  let finishes: Finishes | undefined;
  try {
    const servers = await Promise.all(Array.from({ length: engines }, () => startMongoEngine(uri, database)));
    children.push(...servers);
    // The same workers whatever the number of engines, spread over them.
    const workers = await Promise.all(Array.from({ length: WORKER_PROCESSES }, (_, i) => startWorker(servers[i % engines]!.url, WORKER_CONCURRENCY)));
    children.push(...workers);
    const clients = servers.map((s) => new SegueClient({ url: s.url, transport: nodeTransport() }));
    finishes = new Finishes(servers.map((s) => s.url));
    const known = finishes;
    const run = randomUUID().slice(0, 8);
    const one = async (i: number): Promise<void> => {
      // An id of its own, so that a start whose answer was lost can be sent again.
      const start = { id: `${run}-${i}`, input: SEQUENTIAL.input(i) };
      const client = clients[i % engines]!;
      const { id } = await client.startInstance(SEQUENTIAL.workflow, start).catch((err: unknown) => {
        if (err instanceof NetworkError) return client.startInstance(SEQUENTIAL.workflow, start);
        throw err;
      });
      expectCompleted({ id, status: await known.of(id) });
    };
    const urls = servers.map((s) => s.url);
    await closedLoop(warmupCount(n), inFlight, one);
    const before = await countsOf(urls);
    const { seconds } = await closedLoop(n, inFlight, one);
    const used = countsSince(before, await countsOf(urls));
    return { label, inFlight, engines, instances: n, steps: n * SEQUENTIAL.stepsPerInstance, seconds, counts: used };
  } finally {
    finishes?.stop();
    // Workers first, so none is left polling an engine that is gone.
    await Promise.all(children.slice(children.length - WORKER_PROCESSES).map((c) => c.stop()));
    await Promise.all(children.slice(0, children.length - WORKER_PROCESSES).map((c) => c.stop()));
    await dropDatabase(uri, database);
  }
}

/**
 * The instances the engine processes finished, as they announce them (one long poll per process),
 * so that no API call waits for each instance: those re-read the instance every second.
 */
class Finishes {
  private readonly seen = new Map<string, string>();
  private readonly waiting = new Map<string, (status: string) => void>();
  private stopped = false;

  constructor(urls: string[]) {
    for (const url of urls) void this.follow(url);
  }

  of(id: string): Promise<string> {
    const status = this.seen.get(id);
    return status !== undefined ? Promise.resolve(status) : new Promise((resolve) => this.waiting.set(id, resolve));
  }

  stop(): void {
    this.stopped = true;
  }

  private async follow(url: string): Promise<void> {
    let from = 0;
    while (!this.stopped) {
      const pairs = await fetch(`${url}/bench/finished?from=${from}`).then(
        (res) => res.json() as Promise<[string, string][]>,
        () => [],
      );
      from += pairs.length;
      for (const [id, status] of pairs) {
        this.seen.set(id, status);
        this.waiting.get(id)?.(status);
        this.waiting.delete(id);
      }
    }
  }
}

/** Median, with the range when there are several. */
function spread(values: number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = median(sorted).toFixed(digits);
  return sorted.length === 1 ? mid : `${mid} (${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)})`;
}

/** One line per workload: medians over its runs; the breakdown is of all its runs together. */
function formatRows(runs: Row[][]): string {
  const header = ['workload', 'engines', 'in flight', 'N', 'instances/s', 'commands/step', 'commits/step', 'refused swaps', 'commands per step, by name'];
  const body = runs.map((rows) => {
    const r = rows[0]!;
    const all = rows.reduce((sum, row) => addCounts(sum, row.counts), emptyCounts());
    const steps = rows.reduce((n, row) => n + row.steps, 0);
    const byName = Object.entries(all.commands)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${(n / steps).toFixed(2)}`)
      .join(', ');
    return [
      r.label,
      String(r.engines),
      String(r.inFlight),
      String(r.instances),
      spread(rows.map((row) => row.instances / row.seconds), 1),
      spread(rows.map((row) => totalCommands(row.counts) / row.steps), 2),
      spread(rows.map((row) => row.counts.commits / row.steps), 2),
      spread(rows.map((row) => row.counts.refusedSwaps), 0),
      byName,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { uri: { type: 'string' }, only: { type: 'string', default: 'commands,scaling' }, scale: { type: 'string', default: '1' }, runs: { type: 'string', default: '3' } },
  });
  const only = values.only.split(',');
  const scale = Number(values.scale);
  if (!(scale > 0)) throw new Error(`--scale must be a number above 0, got "${values.scale}"`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of 1 or more, got "${values.runs}"`);
  const size = (n: number): number => Math.max(1, Math.round(n * scale));
  let uri = values.uri;
  let stop = async (): Promise<void> => undefined;
  if (!uri) {
    const server = await startFerretDb((await installFerretDb()).binary);
    process.stderr.write(`FerretDB at ${server.uri}\n`);
    uri = server.uri;
    stop = server.stop;
  }
  const rows: Row[][] = [];
  const step = async (what: string, run: () => Promise<Row>): Promise<void> => {
    const each: Row[] = [];
    for (let i = 1; i <= runs; i += 1) {
      process.stderr.write(`${what}, run ${i} of ${runs}…\n`);
      each.push(await run());
      const r = each.at(-1)!;
      process.stderr.write(`  ${(r.instances / r.seconds).toFixed(1)} instances/s, ${(totalCommands(r.counts) / r.steps).toFixed(2)} commands/step, ${r.counts.refusedSwaps} refused swaps\n`);
    }
    rows.push(each);
  };
  try {
    if (only.includes('commands')) {
      await step('W1 in-process', () => inProcess(uri, 'W1', SEQUENTIAL, size(300), 50));
      await step('W2 in-process', () => inProcess(uri, 'W2', FANOUT, size(20), 10));
      await step('W3 in-process', () => inProcess(uri, 'W3', RETRY, size(200), 50));
      for (const inFlight of [1, 10, 50]) await step(`W1 remote, ${inFlight} in flight`, () => remote(uri, 'W1 remote', 1, size(inFlight === 1 ? 30 : 200), inFlight));
    }
    if (only.includes('scaling')) {
      for (const engines of [1, 2, 3]) await step(`W1 remote on ${engines} engines`, () => remote(uri, 'W1 scaling', engines, size(300), 50));
    }
  } finally {
    await stop();
  }
  const legend = [
    `Median (min–max) of ${runs} runs, scale ${scale}. A step is a task attempt.`,
    'Commands: those the driver sent while the measured instances ran, background loops included; by command and collection.',
    'W1 remote and scaling: the tasks run in worker processes over HTTP; the engine processes announce finishes to the benchmark, so no API call waits per instance.',
  ];
  process.stdout.write(`\n${formatRows(rows)}\n\n${legend.join('\n')}\n`);
}

await main();
