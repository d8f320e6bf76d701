/**
 * kill -9 of a server whose in-process handlers run chains of steps before committing them. The
 * first server is killed from outside while slow steps are in flight; the second kills itself
 * (SIGKILL, from a handler) in the middle of a chain of quick steps, before the chain's commit.
 * The next server on the same SQLite file redoes only what was not committed, once the dead
 * server's leases (the steps' timeout) run out. Every instance must complete with every step's
 * result counted exactly once, whatever ran twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryView, InstanceView } from '../../client/http-client.js';
import type { Execution } from '../fixtures/crash-inline-worker.js';
import { eventually, startServer, tempDir, type TestServer } from '../helpers/server.js';

const WORKER = 'test/fixtures/crash-inline-worker.ts';
const INSTANCES = 40;
const STEPS = 10;
/** The one step whose handler takes a while (400 ms): kills land while it, and chains, are in flight. */
const SLOW_STEP = 's5';
/**
 * Each step's lease: how long the next server waits before it redoes a task the dead one held.
 * Leases are looked at every second at least (the timer loop's idle beat), so a cut chain goes on
 * within 4 s of the kill.
 */
const TIMEOUT = '3s';
/** Slow steps started, and instances started late, on the first server before it is killed from outside. */
const KILL_AFTER_SLOW = 8;
const LATE_BEFORE_KILL = 5;
/** The second server kills itself as it starts this quick step, after the slow one, for the n-th time. */
const KILL_STEP = 's7';
const KILL_AT = 3;
const STEP_NAMES = Array.from({ length: STEPS }, (_, k) => `s${k + 1}`);

/** Each step adds its index to the sum it is given, so the output counts every step's result once. */
function definition(): string {
  const steps = STEP_NAMES.map((name, k) => {
    const sum = k === 0 ? '${ base }' : `\${ s${k}.sum }`;
    const task = name === SLOW_STEP ? 'crash.slow' : 'crash.add';
    return `  - { name: ${name}, type: task, task: ${task}, input: { sum: "${sum}", add: ${k + 1} } }`;
  });
  const done = `  - { name: done, type: succeed, output: { sum: "\${ s${STEPS}.sum }" } }`;
  const retry = '  retry: { maxAttempts: 5, initialInterval: 0s }';
  return ['name: crash-inline', 'defaults:', `  timeout: ${TIMEOUT}`, retry, 'steps:', ...steps, done, ''].join('\n');
}

/** The sum after step `i` (from 1) of the instance started with `base`. */
const sumAfter = (base: number, i: number): number => base + (i * (i + 1)) / 2;

let tmp: ReturnType<typeof tempDir>;
let db: string;
let logFile: string;
const servers: TestServer[] = [];

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'crash-inline.db');
  logFile = join(tmp.dir, 'executions.log');
});

afterAll(async () => {
  for (const server of servers) if (server.process.exitCode === null && server.process.signalCode === null) await server.kill();
  tmp?.cleanup();
});

async function serverOn(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer(db, { args: ['--worker', WORKER], env: { CRASH_LOG: logFile, ...env } });
  servers.push(server);
  return server;
}

/** Every execution logged so far (a line still being written is left for the next look). */
function executions(): Execution[] {
  if (!existsSync(logFile)) return [];
  const lines = readFileSync(logFile, 'utf8').split('\n');
  return lines.slice(0, -1).map((line) => JSON.parse(line) as Execution);
}

/** kill -9 of `server` as soon as `slow` slow steps have started on it and `ready` says so. */
async function killWhileSlow(server: TestServer, slow: number, ready: () => boolean): Promise<void> {
  const pid = server.process.pid!;
  const slowStarted = (): number => executions().filter((e) => e.pid === pid && e.step === SLOW_STEP).length;
  await eventually(() => (slowStarted() >= slow && ready() ? true : undefined), {
    timeoutMs: 20_000,
    what: `${slow} slow steps to start on the server, with instances started after them`,
  });
  await server.kill();
}

/** Waits for `server` to kill itself; its last execution, the one it died in. */
async function selfKilled(server: TestServer): Promise<Execution> {
  await eventually(() => (server.process.signalCode !== null || server.process.exitCode !== null ? true : undefined), {
    timeoutMs: 20_000,
    what: `the server to kill itself at its execution ${KILL_AT} of ${KILL_STEP}`,
  });
  expect(server.process.signalCode).toBe('SIGKILL');
  return executions().filter((e) => e.pid === server.process.pid).at(-1)!;
}

/** Completed, with the sum of every step, each step's completion once in a gapless history. */
function checkInstance(view: InstanceView, base: number, history: HistoryView[]): void {
  expect(view.status).toBe('COMPLETED');
  expect(view.output).toEqual({ sum: sumAfter(base, STEPS) });
  const data = view.data as Record<string, unknown>;
  STEP_NAMES.forEach((name, k) => expect(data[name], `${view.id} ${name}`).toEqual({ sum: sumAfter(base, k + 1) }));
  expect(history.map((e) => e.seq)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
  const named = (type: string): string[] => history.filter((e) => e.type === type).map((e) => e.step!);
  expect(named('StepCompleted')).toEqual([...STEP_NAMES, 'done']);
  expect(named('TaskCompleted')).toEqual(STEP_NAMES);
}

/** Executions by instance and step, in the order they started. */
function byStep(all: Execution[]): Map<string, Execution[]> {
  const by = new Map<string, Execution[]>();
  for (const e of all) {
    const key = `${e.instance} ${e.step}`;
    by.set(key, [...(by.get(key) ?? []), e]);
  }
  return by;
}

/** Steps (as "instance step") that ran on the server `pid` and again on a later one: work the kill cut. */
function cutBy(pid: number, all: Execution[]): string[] {
  const cut: string[] = [];
  for (const [key, runs] of byStep(all)) {
    const i = runs.findIndex((e) => e.pid === pid);
    if (i >= 0 && runs.slice(i + 1).some((e) => e.pid !== pid)) cut.push(key);
  }
  return cut;
}

/**
 * What the kill of the server `pid` made an instance redo is the last of what it ran there, from
 * the task leased in its last commit (whose lease ran out: its next attempt) on through the steps
 * after it (never written: their same attempt again). Nothing committed before is redone.
 */
function expectRedoneLast(pid: number, all: Execution[]): void {
  const runs = byStep(all);
  const again = (e: Execution): Execution | undefined => {
    const list = runs.get(`${e.instance} ${e.step}`)!;
    return list[list.indexOf(e) + 1];
  };
  for (const id of new Set(all.map((e) => e.instance))) {
    const ran = all.filter((e) => e.pid === pid && e.instance === id);
    const first = ran.findIndex((e) => again(e) !== undefined);
    if (first < 0) continue;
    const redone = ran.slice(first);
    const attempts = redone.map((e) => `${e.step}#${again(e)?.attempt}`);
    expect(attempts, `attempts ${id} redid after the kill of ${pid}`).toEqual(redone.map((e, i) => `${e.step}#${i === 0 ? e.attempt + 1 : e.attempt}`));
  }
}

/** How many of `ids` had not started their last step on the server `pid` or before it: RUNNING at its kill. */
function runningAt(pid: number, ids: string[], all: Execution[]): number {
  const upTo = all.slice(0, all.findLastIndex((e) => e.pid === pid) + 1);
  const finished = new Set(upTo.filter((e) => e.step === STEP_NAMES.at(-1)).map((e) => e.instance));
  return ids.filter((id) => !finished.has(id)).length;
}

/** Instance `chain-<i>` starts with base i × 1000. */
const baseOf = (id: string): number => Number(id.slice('chain-'.length)) * 1000;

function start(server: TestServer, i: number): Promise<InstanceView> {
  return server.client.startInstance('crash-inline', { id: `chain-${i}`, input: { base: baseOf(`chain-${i}`) } });
}

/**
 * Starts instances from number `from` on, one every few ms, until one fails (the server is gone)
 * or `most` did; `started` counts those answered.
 */
async function keepStarting(server: TestServer, from: number, most: number, started: { count: number }): Promise<void> {
  for (let i = from; i < from + most; i += 1) {
    if (!(await start(server, i).then(() => true, () => false))) return;
    started.count += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One line on what the kills cost, for whoever watches the run. */
function report(all: Execution[], ids: string[], pids: number[], fatal: Execution, ms: { kills: number; finish: number }): void {
  const steps = ids.length * STEPS;
  const perStep = STEP_NAMES.map((name) => `${name}:${all.filter((e) => e.step === name).length - ids.length}`).join(' ');
  const cuts = pids.map((pid) => new Set(cutBy(pid, all).map((key) => key.split(' ')[0])).size);
  const redone = cutBy(pids.at(-1)!, all).filter((key) => key.startsWith(`${fatal.instance} `)).map((key) => key.split(' ')[1]);
  console.log(
    `crash-inline: ${ids.length} instances, ${all.length} executions for ${steps} steps, ${all.length - steps} re-executions (by step ${perStep}); ` +
      `RUNNING at each kill: ${pids.map((pid) => runningAt(pid, ids, all)).join(', ')}; instances cut by each kill: ${cuts.join(', ')}; ` +
      `${fatal.instance} died in ${fatal.step} and redid ${redone.join(', ')}; ` +
      `kills done after ${ms.kills} ms, all completed ${ms.finish} ms later`,
  );
}

describe('a server killed with kill -9 while chains of in-process steps are in flight', () => {
  it('completes every instance after restarts, each step recorded once, only uncommitted work redone', async () => {
    const t0 = Date.now();
    const first = await serverOn();
    await first.client.registerWorkflow(definition());
    const batch = (await Promise.all(Array.from({ length: INSTANCES }, (_, i) => start(first, i)))).map((view) => view.id);
    // More starts, one after another, until the kill: it may land on one being created.
    const started = { count: 0 };
    const late = keepStarting(first, INSTANCES, INSTANCES, started);
    await killWhileSlow(first, KILL_AFTER_SLOW, () => started.count >= LATE_BEFORE_KILL);
    await late;
    const second = await serverOn({ CRASH_KILL_AT: `${KILL_STEP}:${KILL_AT}` });
    const fatal = await selfKilled(second);
    const last = await serverOn();
    const tKilled = Date.now();
    const ids = (await last.client.listInstances({ workflow: 'crash-inline', limit: 1000 })).items.map((view) => view.id);
    expect(ids).toEqual(expect.arrayContaining(batch));
    const views = await Promise.all(ids.map((id) => last.client.getInstance(id, '30s')));
    const tDone = Date.now();
    for (const view of views) checkInstance(view, baseOf(view.id), await last.client.history(view.id));

    const all = executions();
    const pids = [first, second].map((s) => s.process.pid!);
    report(all, ids, pids, fatal, { kills: tKilled - t0, finish: tDone - tKilled });
    // Every instance a handler ran for exists: an instance is committed before any of its tasks runs.
    expect(ids).toEqual(expect.arrayContaining([...new Set(all.map((e) => e.instance))]));
    const runs = byStep(all);
    expect(runs.size).toBe(ids.length * STEPS); // every step of every instance ran
    // A kill loses at most one uncommitted chain per instance: no step runs more than once per kill, plus once.
    for (const [key, list] of runs) expect(list.length, key).toBeLessThanOrEqual(1 + pids.length);
    for (const pid of pids) {
      expect(runningAt(pid, batch, all), `instances RUNNING at the kill of ${pid}`).toBeGreaterThan(0);
      expect(cutBy(pid, all).length, `work cut by the kill of ${pid}`).toBeGreaterThan(0);
      expectRedoneLast(pid, all);
    }
    // The step the second server died in never reported: it ran again, on the last server.
    expect(fatal.step).toBe(KILL_STEP);
    expect(cutBy(pids[1]!, all)).toContain(`${fatal.instance} ${KILL_STEP}`);
  }, 90_000);
});
