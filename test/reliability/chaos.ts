/**
 * A chaos run: real `segue serve` processes on one store (a SQLite file, or a MongoDB database)
 * and real worker processes over HTTP, a mixed workload (retries, parallel, map, timers, events, a
 * saga), and servers killed with SIGKILL at seeded random moments and restarted on the same store.
 * At the end every instance is checked against what its input says it must come to.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { MongoClient } from 'mongodb';
import { parseMongoUrl } from '../../engine/store/mongodb/mongodb-url.js';
import type { Execution } from './chaos-tasks.js';
import { checkExecutions, checkInstance, emptyTally, type Tally } from './checks.js';
import { freePort } from '../../scripts/free-port.js';
import { Cluster, pause, type Slot } from './cluster.js';
import { Driver } from './drive.js';
import { drawWorkload, seededRandom, WORKFLOW_FILES, type InstanceSpec } from './workload.js';
import { checkTerminalEvents, subscribeToEnds } from './lifecycle-events.js';
import type { Subscriber } from '../helpers/subscriber.js';

export interface ChaosOptions {
  seed: number;
  instances: number;
  /** How long instances keep starting and servers keep dying, ms. */
  periodMs: number;
  /** SIGKILLs during the period (a second server's last one included). */
  kills: number;
  /** When a second server runs on the same file, as fractions of the period; none when absent. */
  secondServer?: { from: number; to: number };
  /** One entry per worker process: the servers ('A', 'B') it takes tasks from. */
  workers: string[][];
  /** Longest wait, after the period, for every instance to finish, ms. */
  drainMs: number;
  /**
   * A MongoDB server (`mongodb://host[:port][,host…][/ignored][?options]`) to run on, in a database
   * of the run's own, dropped after a passing run; a SQLite file in the run's folder when absent.
   */
  mongodb?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

/**
 * The run `npm test` includes: one server, 3 kills, 15 to 40 s. The drain allows for the timer
 * lease (30 s): timers a killed server had claimed but not yet fired stay hidden until it ends.
 */
export const SHORT_RUN: ChaosOptions = { seed: 7, instances: 36, periodMs: 9_000, kills: 3, workers: [['A'], ['A']], drainMs: 40_000 };

/** `npm run chaos`: 14 kills, two servers at once for the middle half, about two minutes. */
export const FULL_RUN: ChaosOptions = {
  seed: 42,
  instances: 320,
  periodMs: 110_000,
  kills: 14,
  secondServer: { from: 0.25, to: 0.8 },
  workers: [['A'], ['A'], ['B'], ['A', 'B']],
  drainMs: 60_000,
};

export interface ChaosReport extends Tally {
  seed: number;
  kills: Record<string, number>;
  restarts: number;
  /** Unexpected errors (answered 500) in the servers' logs. */
  serverErrors: number;
  wallMs: number;
}

type Action = { atMs: number; kind: 'kill'; downMs: number; pick: number } | { atMs: number; kind: 'startB' } | { atMs: number; kind: 'retireB' };

/** When servers die and come back, drawn from the seed: kills spread evenly, each at a random point of its share. */
export function killPlan(options: ChaosOptions): Action[] {
  const random = seededRandom(options.seed ^ 0x5eed);
  const { periodMs, kills, secondServer } = options;
  const share = (0.84 * periodMs) / kills;
  const actions: Action[] = [];
  // The second server's retirement is a kill too.
  const plain = secondServer ? kills - 1 : kills;
  for (let i = 0; i < plain; i += 1) {
    actions.push({ atMs: Math.round(0.08 * periodMs + share * (i + 0.2 + 0.6 * random())), kind: 'kill', downMs: Math.round(100 + random() * 1400), pick: random() });
  }
  if (secondServer) {
    actions.push({ atMs: Math.round(secondServer.from * periodMs), kind: 'startB' }, { atMs: Math.round(secondServer.to * periodMs), kind: 'retireB' });
  }
  return actions.sort((a, b) => a.atMs - b.atMs);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const began = Date.now();
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'segue-chaos-'));
  const store = options.mongodb ? mongoDatabase(options.mongodb, `segue_chaos_${basename(dir).slice('segue-chaos-'.length)}`) : sqliteFile(join(dir, 'chaos.db'));
  const cluster = new Cluster(store.url);
  const specs = drawWorkload(options.seed, options.instances, 0.9 * options.periodMs);
  const driver = new Driver(cluster, specs);
  const tally = emptyTally();
  let hooks: Subscriber | undefined;
  try {
    const [a, b] = await prepare(cluster, options, dir);
    hooks = await subscribeToEnds(cluster);
    log(`${specs.length} instances, ${options.workers.length} workers, store ${store.shown}`);
    const period = Date.now();
    const delivering = driver.deliverAll().catch((err: Error) => void tally.failures.push(`delivering events: ${err.message}`));
    await Promise.all([driver.startAll(period), runKills(cluster, killPlan(options), period, a, b, log)]);
    log('all started; waiting for them to finish');
    const unfinished = await driver.drain(options.drainMs);
    driver.stop();
    await delivering;
    tally.failures.push(...driver.failures);
    if (unfinished.length > 0) log(`${unfinished.length} instances still unfinished after ${options.drainMs} ms`);
    await verify(cluster, specs, driver, tally);
    // A server killed holding the subscription leaves its lease to run out first.
    await checkTerminalEvents(tally, specs, cluster, hooks, 30_000);
    await cluster.shutdown();
    checkExecutions(tally, specs, readExecutions(dir));
    return report(options, cluster, tally, began);
  } finally {
    driver.stop();
    await cluster.shutdown();
    await hooks?.close();
    // A failed run keeps its store and worker logs for a look (the report shares this failure list).
    if (tally.failures.length === 0) {
      rmSync(dir, { recursive: true, force: true });
      await store.drop();
    } else tally.failures.push(`the worker logs are kept in ${dir}, the store in ${store.shown}`);
  }
}

interface ChaosStore {
  url: string;
  /** Where it is, for messages. */
  shown: string;
  /** Removes it, after a passing run. */
  drop(): Promise<void>;
}

/** A SQLite file in the run's folder, which goes with the folder. */
function sqliteFile(path: string): ChaosStore {
  return { url: `sqlite:${path}`, shown: path, drop: async () => undefined };
}

/** The run's database on the MongoDB server of `base` (its own path replaced). */
function mongoDatabase(base: string, database: string): ChaosStore {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?[^?]*(\?.*)?$/.exec(base);
  if (!match) throw new Error(`--store must be a MongoDB URL like mongodb://127.0.0.1:27017, got "${base}"`);
  const url = `${match[1]}/${database}${match[2] ?? ''}`;
  return {
    url,
    shown: `database ${database} on ${parseMongoUrl(url).hosts}`,
    drop: async () => {
      const client = await new MongoClient(url).connect();
      await client.db(database).dropDatabase();
      await client.close();
    },
  };
}

/** Server A up, server B's port chosen, the workflows registered, the workers polling. */
async function prepare(cluster: Cluster, options: ChaosOptions, dir: string): Promise<[Slot, Slot | undefined]> {
  const a = cluster.slot('A');
  await cluster.start(a);
  const b = options.secondServer ? cluster.slot('B', await freePort()) : undefined;
  for (const file of WORKFLOW_FILES) {
    const source = readFileSync(new URL(`./workflows/${file}`, import.meta.url), 'utf8');
    await cluster.call((c) => c.registerWorkflow(source), `registering ${file}`);
  }
  await Promise.all(options.workers.map((names, i) => cluster.startWorker(`w${i}`, slotsNamed(cluster, names), join(dir, `w${i}.log`))));
  return [a, b];
}

function slotsNamed(cluster: Cluster, names: string[]): Slot[] {
  return names.map((name) => {
    const slot = cluster.slots.find((s) => s.name === name);
    if (!slot) throw new Error(`a worker is to serve server ${name}, but the run has no such server`);
    return slot;
  });
}

async function runKills(cluster: Cluster, plan: Action[], period: number, a: Slot, b: Slot | undefined, log: (line: string) => void): Promise<void> {
  for (const action of plan) {
    await pause(period + action.atMs - Date.now());
    const at = `${((Date.now() - period) / 1000).toFixed(1)} s`;
    if (action.kind === 'startB') {
      await cluster.start(b!);
      log(`${at}: server B up on the same file (port ${b!.port})`);
    } else if (action.kind === 'retireB') {
      await cluster.kill(b!);
      log(`${at}: killed server B for good`);
    } else {
      const victim = b?.up && action.pick < 0.5 ? b : a;
      await cluster.kill(victim);
      log(`${at}: killed server ${victim.name}; back in ${action.downMs} ms`);
      await pause(action.downMs);
      await cluster.restart(victim);
    }
  }
}

async function verify(cluster: Cluster, specs: InstanceSpec[], driver: Driver, tally: Tally): Promise<void> {
  const CHUNK = 16;
  for (let i = 0; i < specs.length; i += CHUNK) {
    await Promise.all(
      specs.slice(i, i + CHUNK).map(async (spec) => {
        const view = await cluster.call((c) => c.getInstance(spec.id), `reading ${spec.id}`);
        const history = await cluster.call((c) => c.history(spec.id), `reading the history of ${spec.id}`);
        checkInstance(tally, spec, view, history, driver.raised.get(spec.id)!);
      }),
    );
  }
  const errors = cluster.serverErrors();
  if (errors.length > 0) tally.failures.push(`the servers logged ${errors.length} unexpected errors, the first: ${errors[0]!.slice(0, 500)}`);
}

function readExecutions(dir: string): Execution[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line !== ''))
    .map((line) => JSON.parse(line) as Execution);
}

function report(options: ChaosOptions, cluster: Cluster, tally: Tally, began: number): ChaosReport {
  return {
    ...tally,
    seed: options.seed,
    kills: Object.fromEntries(cluster.slots.map((s) => [s.name, s.kills])),
    restarts: cluster.slots.reduce((n, s) => n + s.restarts, 0),
    serverErrors: cluster.serverErrors().length,
    wallMs: Date.now() - began,
  };
}

/** The run's figures, one per line, then PASS or the failures. */
export function formatReport(r: ChaosReport): string {
  const kills = Object.values(r.kills).reduce((n, k) => n + k, 0);
  const statuses = Object.entries(r.byStatus).map(([status, n]) => `${n} ${status}`).join(', ');
  const lines = [
    `chaos run, seed ${r.seed}`,
    `  instances            ${r.instances} (${statuses})`,
    `  kills                ${kills} (${Object.entries(r.kills).map(([name, n]) => `server ${name}: ${n}`).join(', ')})`,
    `  restarts             ${r.restarts}`,
    `  task executions      ${r.executions} (${r.finalExecutions} to a result, ${r.deliberateFailures} failing on purpose)`,
    `  distinct tasks       ${r.distinctTasks}; executions beyond one per task: ${r.finalExecutions - r.distinctTasks}`,
    `  step completions     ${r.stepCompletions}; duplicates: ${r.duplicateCompletions}`,
    `  events               ${r.eventsRaised} raised (${r.eventsBuffered} buffered before the wait), ${r.eventsConsumed} consumed; lost: ${r.lostEvents}, duplicate: ${r.duplicateEvents}`,
    `  terminal events      ${r.terminalEvents} delivered (${r.terminalDeliveries} requests, repeats included); missing: ${r.missingTerminalEvents}, for no transition: ${r.unexpectedTerminalEvents}`,
    `  slowest instance     ${(r.slowest.ms / 1000).toFixed(1)} s from start to end (${r.slowest.id})`,
    `  server errors (500)  ${r.serverErrors}`,
    `  wall time            ${(r.wallMs / 1000).toFixed(1)} s`,
  ];
  if (r.failures.length === 0) return [...lines, 'PASS'].join('\n');
  const shown = r.failures.slice(0, 30).map((f) => `  - ${f}`);
  const more = r.failures.length > shown.length ? [`  … and ${r.failures.length - shown.length} more`] : [];
  return [...lines, `FAIL: ${r.failures.length} problems`, ...shown, ...more].join('\n');
}
