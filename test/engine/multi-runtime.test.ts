/**
 * Two engines on one store (two connections, as two processes would have) run 200 instances
 * together: every instance completes, and no step is completed twice. On SQLite always, on
 * MongoDB when MONGODB_URI is set, as the test servers set it (each run in a database of its own,
 * dropped after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createMongoStore } from '../../engine/store/mongodb/mongodb-store.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { Json } from '../../definitions/model.js';
import type { TaskContext } from '../../engine/local-workers.js';
import type { Store } from '../../engine/store/port.js';
import { openStore } from '../../engine/store/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'segue-multi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const workflow = `
name: busy
defaults:
  retry: { maxAttempts: 5, initialInterval: 10ms }
steps:
  - { name: a, type: task, task: work }
  - name: fan
    type: parallel
    branches:
      - { name: x, steps: [{ name: bx, type: task, task: work }] }
      - { name: y, steps: [{ name: by, type: task, task: work }, { name: cy, type: set, values: { y: true } }] }
  - name: each
    type: map
    items: "[1, 2, 3]"
    concurrency: 2
    steps: [{ name: m, type: task, task: work }]
  - { name: done, type: succeed, output: { n: "\${ n }", each: "\${ $count(each) }" } }
`;

/** Counts commits refused by compare-and-swap: proof the two engines really raced. */
function countingConflicts(store: Store, counter: { conflicts: number }): Store {
  const commit = store.commitTransition.bind(store);
  store.commitTransition = async (t) => {
    const ok = await commit(t);
    if (!ok) counter.conflicts += 1;
    return ok;
  };
  return store;
}

it('two engines on one SQLite file complete 200 instances with no step completed twice', async () => {
  const url = `sqlite:${join(dir, 'shared.db')}`;
  await twoEngines(() => openStore(url));
});

const mongoUri = process.env.MONGODB_URI;
describe.skipIf(!mongoUri)('on MongoDB (needs MONGODB_URI, or Go to build FerretDB)', () => {
  it('two engines on one database complete 200 instances with no step completed twice', async () => {
    const database = `segue_multi_${randomUUID().slice(0, 8)}`;
    try {
      await twoEngines(async () => {
        const store = createMongoStore(mongoUri!, { database });
        await store.init();
        return store;
      });
    } finally {
      const admin = await new MongoClient(mongoUri!).connect();
      await admin.db(database).dropDatabase();
      await admin.close();
    }
  });
});

async function twoEngines(open: () => Promise<Store>): Promise<void> {
  const counter = { conflicts: 0 };
  let executions = 0;
  let flaky = 0;
  const handlers = {
    work: (input: Json, ctx: TaskContext) => {
      executions += 1;
      // Some first attempts fail, so retries and their timers are shared between engines too; a
      // retry always succeeds, whatever order the engines happen to run tasks in.
      if (ctx.attempt === 1 && ++flaky % 7 === 0) throw Object.assign(new Error('transient'), { name: 'Transient' });
      return { ok: true, seen: typeof input };
    },
  };
  const engines: Engine[] = [];
  for (const name of ['e1', 'e2']) {
    const store = countingConflicts(await open(), counter);
    engines.push(await createEngine({ store, handlers, workers: { concurrency: 8, worker: name }, timers: { idleMs: 20 } }));
  }
  await engines[0]!.register(workflow);
  for (const e of engines) e.start();

  const ids: string[] = [];
  for (let n = 0; n < 200; n += 1) ids.push((await engines[n % 2]!.startInstance('busy', { input: { n } })).id);
  const finals = await Promise.all(ids.map((id, i) => engines[i % 2]!.waitForInstance(id, 60_000)));

  expect(finals.filter((f) => f.status !== 'COMPLETED').map((f) => [f.id, f.status, f.error])).toEqual([]);
  expect(finals.map((f) => (f.output as { n: number }).n)).toEqual(ids.map((_, n) => n));
  let completions = 0;
  for (const id of ids) {
    const history = await engines[0]!.history(id);
    const completed = history.filter((e) => e.type === 'StepCompleted').map((e) => e.step);
    // a, fan, bx, by, cy, each, m×3, done: each once (m once per iteration).
    expect(completed.filter((s) => s !== 'm').sort()).toEqual(['a', 'bx', 'by', 'cy', 'done', 'each', 'fan']);
    expect(completed.filter((s) => s === 'm')).toHaveLength(3);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    completions += completed.length;
  }
  for (const e of engines) await e.stop();
  for (const e of engines) await e.store.close();
  expect(completions).toBe(200 * 10);
  // Every task ran at least once; retries explain any extra execution.
  expect(executions).toBeGreaterThanOrEqual(200 * 6);
  console.log(`two engines: ${ids.length} instances, ${executions} task executions, ${counter.conflicts} CAS conflicts retried`);
}

it('starts the version another engine registered last, though this engine compiled an older one', async () => {
  const url = `sqlite:${join(dir, 'versions.db')}`;
  const [one, two] = [await createEngine({ store: await openStore(url) }), await createEngine({ store: await openStore(url) })];
  const version = (output: string): string => `name: greet\nsteps:\n  - { name: done, type: succeed, output: "${output}" }\n`;
  await one.register(version('first'));
  const before = await one.waitForInstance((await one.startInstance('greet', {})).id, 5_000);
  expect(before).toMatchObject({ version: 1, output: 'first' });
  await two.register(version('second'));
  const after = await one.waitForInstance((await one.startInstance('greet', {})).id, 5_000);
  expect(after).toMatchObject({ version: 2, output: 'second' });
  // A version asked for by number is still the one it was.
  const pinned = await one.waitForInstance((await one.startInstance('greet', { version: 1 })).id, 5_000);
  expect(pinned).toMatchObject({ version: 1, output: 'first' });
  for (const e of [one, two]) await e.store.close();
});
