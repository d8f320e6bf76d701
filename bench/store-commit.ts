/**
 * Commit throughput of the SQLite store: realistic transitions (a ~2 KB instance state, 3 history
 * events, one task created and one removed) from 1, 10 and 50 concurrent committers, each on its
 * own instance, on a temporary file with synchronous=FULL. Prints the median of 3 runs, then the
 * CPU cost of the row mapping (records to rows on commit, rows to records on read).
 *
 *   node --import tsx bench/store-commit.ts [--seconds 2] [--committers 1,10,50]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { InstanceState } from '../core/model.js';
import type { HistoryEvent, InstanceRecord, TaskRecord, Transition } from '../engine/store/port.js';
import { rowToInstance, transitionRows } from '../engine/store/sqlite/rows.js';
import { SqliteStore } from '../engine/store/sqlite/sqlite-store.js';
import { PLAIN_JSON, StoredJson } from '../engine/store/stored-json.js';

const RUNS = 3;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    committers: { type: 'string', default: '1,10,50' },
  },
});
const seconds = Number(values.seconds);
const levels = values.committers.split(',').map(Number);
if (!(seconds > 0) || levels.some((n) => !Number.isInteger(n) || n < 1)) {
  throw new Error('--seconds must be a positive number and --committers a list of positive whole numbers');
}

/** An engine state document of about 2 KB: one frame waiting for its task, one compensation registered. */
function stateOf(id: string, step: number): InstanceState {
  const items = Array.from({ length: 36 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: (i % 3) + 1, price: 9.99 + i }));
  const data = { orderId: id, customer: { id: 'c-42', name: 'Ada Lovelace', email: 'ada@example.com' }, items };
  const retry = { maxAttempts: 3, initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 60_000, jitter: 0, nonRetryable: [] };
  return {
    input: { orderId: id },
    frames: { root: { id: 'root', scope: '', step: `step-${step % 10}`, data, attempt: 1, wait: { kind: 'task', taskId: `${id}:t${step}` } } },
    seq: step * 3,
    ids: step,
    inbox: [],
    compensations: [{ step: 'reserve', kind: 'task', type: 'inventory.release', queue: 'inventory.release', input: { id: `res-${id}` }, retry }],
    deferred: [],
    startedAt: 1_700_000_000_000 + step,
  };
}

function record(id: string): InstanceRecord {
  const now = 1_700_000_000_000;
  return {
    id, run: 1, workflow: 'orders', version: 1, status: 'RUNNING', rev: 1, parentId: null,
    createdAt: now, updatedAt: now, waits: [], state: stateOf(id, 0),
  };
}

function taskOf(instanceId: string, n: number): TaskRecord {
  return {
    id: `${instanceId}:t${n}`, instanceId, run: 1, step: `step-${n % 10}`, type: 'inventory.reserve',
    queue: 'inventory.reserve', input: { orderId: instanceId, n }, attempt: 1, status: 'QUEUED',
    timeoutMs: 60_000, heartbeatMs: null, createdAt: 1_700_000_000_000 + n,
    token: null, worker: null, leasedAt: null, leaseExpiresAt: null,
  };
}

function historyOf(instanceId: string, n: number): HistoryEvent[] {
  return [0, 1, 2].map((k) => ({
    instanceId, run: 1, seq: n * 3 + k + 1, type: ['TaskCompleted', 'StepCompleted', 'TaskScheduled'][k]!,
    at: 1_700_000_000_000 + n, step: `step-${n % 10}`, details: { task: `${instanceId}:t${n}`, attempt: 1 },
  }));
}

/** The n-th transition of an instance: completes task n-1, schedules task n. */
function transitionOf(current: InstanceRecord, n: number): Transition {
  return {
    record: { ...current, rev: current.rev + 1, updatedAt: current.updatedAt + 1, state: stateOf(current.id, n) },
    expectedRev: current.rev,
    history: historyOf(current.id, n),
    createTasks: [taskOf(current.id, n)],
    removeTasks: [`${current.id}:t${n - 1}`],
    createTimers: [],
    removeTimers: [],
    createInstances: [],
  };
}

/** Commits transitions of one instance one after another until `until`; returns how many. */
async function committer(store: SqliteStore, created: InstanceRecord, until: number): Promise<number> {
  let current = created;
  let n = 0;
  while (performance.now() < until) {
    const transition = transitionOf(current, n + 1);
    if (!(await store.commitTransition(transition))) throw new Error(`commit ${n + 1} of ${current.id} lost its compare-and-swap`);
    current = transition.record;
    n += 1;
  }
  return n;
}

/** One run: commits per second with `count` committers on a fresh file. */
async function run(dir: string, count: number, index: number): Promise<number> {
  const store = new SqliteStore({ path: join(dir, `bench-${count}-${index}.db`), synchronous: 'full' });
  await store.init();
  try {
    const records = Array.from({ length: count }, (_, i) => record(`i-${i}`));
    const creation = (r: InstanceRecord): Omit<Transition, 'expectedRev'> => ({
      record: r, history: [], createTasks: [taskOf(r.id, 0)], removeTasks: [], createTimers: [], removeTimers: [], createInstances: [],
    });
    await Promise.all(records.map((r) => store.createInstance(creation(r))));
    const started = performance.now();
    const until = started + seconds * 1_000;
    const done = await Promise.all(records.map((r) => committer(store, r, until)));
    const elapsed = (performance.now() - started) / 1_000;
    return done.reduce((a, b) => a + b, 0) / elapsed;
  } finally {
    await store.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Microseconds per call of `work`, median of 3 rounds after a warm-up. */
function microseconds(work: () => unknown): number {
  const calls = 50_000;
  const round = (): number => {
    const started = performance.now();
    for (let i = 0; i < calls; i += 1) work();
    return ((performance.now() - started) * 1_000) / calls;
  };
  round();
  return median([round(), round(), round()]);
}

function measureMapping(): void {
  const transition = transitionOf(record('i-1'), 1);
  const sealed = new StoredJson({ current: { id: 'bench', key: randomBytes(32) }, old: [] });
  for (const [name, json] of [['as text', PLAIN_JSON], ['sealed', sealed]] as const) {
    const row = transitionRows(transition, json, transition.expectedRev).instance.row;
    const write = microseconds(() => transitionRows(transition, json, transition.expectedRev));
    const read = microseconds(() => rowToInstance(row, json));
    console.log(`row mapping, ${name}: ${write.toFixed(1)} µs per transition to rows, ${read.toFixed(1)} µs per instance row read back`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'segue-bench-'));
try {
  console.log(`SQLite store commits/s, synchronous=FULL, ${seconds}s per run, median of ${RUNS} runs`);
  for (const count of levels) {
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i += 1) rates.push(await run(dir, count, i));
    const all = rates.map((r) => r.toFixed(0)).join(', ');
    console.log(`${String(count).padStart(3)} committer(s): ${median(rates).toFixed(0).padStart(7)} commits/s  (runs: ${all})`);
  }
  measureMapping();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
