/**
 * The runtime's fast path: inputs posted together share a commit, and the in-process handlers of
 * tasks a transition schedules run before it is committed, their results folded in, so a chain
 * of quick local steps costs one commit. Limits, slow handlers and crashes keep their meaning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import type { EngineOptions } from '../../engine/engine.js';
import type { TaskHandler } from '../../engine/local-workers.js';
import { openStore } from '../../engine/store/open-store.js';
import { TRANSITION_FAULT_VARIABLE } from '../../engine/transition-faults.js';
import type { Store, Transition } from '../../engine/store/port.js';
import { echo, named, testEngine, type TestEngine } from '../helpers/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'segue-inline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KIB = 1024;
/** Long enough that quick handlers never meet the deadline, even on a loaded machine. */
const PATIENT = { inlineMs: 10_000 };

interface Rig extends TestEngine {
  store: Store;
  /** Committed writes (creation included) of instance `id`. */
  commits(id: string): number;
}

const rigs: Rig[] = [];
const gates: (() => void)[] = [];
afterEach(async () => {
  gates.splice(0).forEach((open) => open());
  for (const r of rigs.splice(0)) {
    await r.engine.stop();
    await r.store.close().catch(() => undefined); // an engine that "crashed" closed it already
  }
});

/** Counts the writes that succeed, by instance; each creation waits for `beforeCreate` first. */
function counted(store: Store, commits: Map<string, number>, beforeCreate?: () => Promise<void>): Store {
  const count = (id: string, written: boolean): boolean => {
    if (written) commits.set(id, (commits.get(id) ?? 0) + 1);
    return written;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'commitTransition') return async (t: Transition) => count(t.record.id, await target.commitTransition(t));
      if (prop === 'createInstance') {
        return async (t: Omit<Transition, 'expectedRev'>) => {
          await beforeCreate?.();
          return count(t.record.id, await target.createInstance(t));
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A test engine with its in-process workers started (they take leases only then), on a counted store. */
async function rig(handlers: Record<string, TaskHandler>, engine: Partial<EngineOptions> = {}, url = 'memory', beforeCreate?: () => Promise<void>): Promise<Rig> {
  const commits = new Map<string, number>();
  const store = counted(await openStore(url), commits, beforeCreate);
  const t = await testEngine(handlers, { store, engine });
  t.engine.workers.start();
  const r: Rig = { ...t, store, commits: (id) => commits.get(id) ?? 0 };
  rigs.push(r);
  return r;
}

const sqlite = (name: string): string => `sqlite:${join(dir, `${name}.db`)}`;

/** A promise the test resolves; released after each test at the latest. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  gates.push(open);
  return { wait, open };
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Steps s1..sn, each a task of its own type whose input is the previous step's `n` plus one. */
function chain(name: string, n: number, extra: (i: number) => string = () => ''): string {
  const steps = Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    const input = i === 1 ? '1' : `"\${ s${i - 1}.n + 1 }"`;
    return `  - { name: s${i}, type: task, task: s${i}, input: { n: ${input} }${extra(i)} }`;
  });
  return `name: ${name}\nsteps:\n${steps.join('\n')}\n`;
}

function handlersFor(n: number, make: (i: number) => TaskHandler = () => echo()): Record<string, TaskHandler> {
  return Object.fromEntries(Array.from({ length: n }, (_, k) => [`s${k + 1}`, make(k + 1)]));
}

const stepsRun = (r: Rig, type: string): number => r.calls.filter((c) => c.type === type).length;

describe('a chain of quick local steps', () => {
  /** Runs the 10-step chain; notes, per handler call, whether its step was already committed. */
  async function runTen(workers: EngineOptions['workers'], url: string) {
    const committedFirst: boolean[] = [];
    const r: Rig = await rig(
      handlersFor(10, () => async (input, ctx) => {
        const stored = await r.engine.getInstance(ctx.instanceId);
        committedFirst.push(stored.current.some((c) => c.step === ctx.step));
        return input;
      }),
      { workers },
      url,
    );
    await r.register(chain('ten', 10));
    const { id } = await r.engine.startInstance('ten', { id: 'ten-1' });
    const view = await r.engine.waitForInstance(id, 10_000);
    const history = (await r.engine.history(id)).map(({ seq, type, step, details }) => ({ seq, type, step, details }));
    return { r, id, view, history, committedFirst };
  }

  it('commits once after the creation, with the same history as one commit per step', async () => {
    const fast = await runTen(PATIENT, sqlite('ten-fast'));
    const slow = await runTen({ inlineMs: 0 }, sqlite('ten-slow'));
    for (const run of [fast, slow]) {
      expect(run.view.status).toBe('COMPLETED');
      expect(run.view.data).toMatchObject({ s1: { n: 1 }, s5: { n: 5 }, s10: { n: 10 } });
      expect(run.r.calls.map((c) => c.type)).toEqual(Array.from({ length: 10 }, (_, k) => `s${k + 1}`));
    }
    expect(fast.r.commits(fast.id)).toBe(2);
    expect(slow.r.commits(slow.id)).toBe(11);
    expect(fast.history).toEqual(slow.history);
    expect(fast.history.map((e) => e.seq)).toEqual(Array.from({ length: fast.history.length }, (_, i) => i + 1));
    expect(fast.history.filter((e) => e.type === 'TaskCompleted')).toHaveLength(10);
    // Without inline chains every handler starts after its task is durable; with them only the first does.
    expect(slow.committedFirst).toEqual(Array(10).fill(true));
    expect(fast.committedFirst).toEqual([true, ...Array(9).fill(false)]);
  });

  it('folds retries with no backoff into the same commit, counting every attempt', async () => {
    const r = await rig({ flaky: (_input, ctx) => (ctx.attempt < 3 ? Promise.reject(named('Flaky')) : { ok: ctx.attempt }) }, { workers: PATIENT });
    await r.register(`
name: flaky
steps:
  - { name: call, type: task, task: flaky, retry: { maxAttempts: 3, initialInterval: 0s } }
`);
    const { id } = await r.engine.startInstance('flaky');
    const view = await r.engine.waitForInstance(id, 10_000);
    expect(view.status).toBe('COMPLETED');
    expect(view.data).toMatchObject({ call: { ok: 3 } });
    expect(r.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    // Started without an id of its own: the attempts ran before the creation, and share its commit.
    expect(r.commits(id)).toBe(1);
    const types = (await r.engine.history(id)).map((e) => e.type);
    expect(types.filter((t) => t === 'TaskFailed')).toHaveLength(2);
    // The retry timers were created and fired inside the draft: none was ever written.
    expect(await r.store.nextTimerDue()).toBeNull();
  });

  it('commits a slow handler as leased and lets it report on its own when it finishes', async () => {
    const slow = gate();
    const r = await rig({ a: echo(), b: async () => (await slow.wait, { late: true }), c: echo() }, { workers: { inlineMs: 200 } });
    await r.register(`
name: detach
steps:
  - { name: a, type: task, task: a }
  - { name: b, type: task, task: b, timeout: 1m }
  - { name: c, type: task, task: c }
`);
    const { id } = await r.engine.startInstance('detach');
    // a ran before the creation; b, still running at the deadline, is written leased with it.
    await until(() => r.commits(id) === 1, 'the creation, after the deadline');
    const view = await r.engine.getInstance(id);
    expect(view.status).toBe('RUNNING');
    expect(view.current).toEqual([expect.objectContaining({ step: 'b', waiting: 'task', attempt: 1 })]);
    expect((await r.store.countQueued()).b ?? 0).toBe(0);
    expect(await r.store.claimExpiredLeases(r.clock.now(), 10, 1)).toEqual([]);
    const leased = await r.store.claimExpiredLeases(r.clock.now() + 60_000, 10, 1);
    expect(leased).toEqual([expect.objectContaining({ step: 'b', status: 'LEASED', worker: 'in-process' })]);
    slow.open();
    const done = await r.engine.waitForInstance(id, 10_000);
    expect(done.status).toBe('COMPLETED');
    expect(done.data).toMatchObject({ b: { late: true } });
    expect(r.calls.map((c) => c.type)).toEqual(['a', 'b', 'c']);
    expect(r.commits(id)).toBe(2);
  });
});

describe('the first steps of a new instance', () => {
  /** Workflow `look`: two steps whose handler notes the status its instance has in the store. */
  async function looking(workers: EngineOptions['workers']): Promise<{ r: Rig; seen: string[] }> {
    const seen: string[] = [];
    const r: Rig = await rig({
      look: async (input, ctx) => {
        seen.push(await r.engine.getInstance(ctx.instanceId).then((v) => v.status, () => 'not written'));
        return input;
      },
    }, { workers });
    await r.register('name: look\nsteps:\n  - { name: a, type: task, task: look }\n  - { name: b, type: task, task: look }\n');
    return { r, seen };
  }

  it('run before it is written when its id is new, and after when the caller chose the id', async () => {
    const { r, seen } = await looking(PATIENT);
    const fresh = await r.engine.startInstance('look');
    expect(fresh.status).toBe('COMPLETED');
    const named = await r.engine.startInstance('look', { id: 'look-1' });
    await r.engine.waitForInstance(named.id, 10_000);
    // A start repeated with the caller's id finds the instance and runs nothing again.
    expect((await r.engine.startInstance('look', { id: 'look-1' })).status).toBe('COMPLETED');
    expect(seen).toEqual(['not written', 'not written', 'RUNNING', 'RUNNING']);
    expect([r.commits(fresh.id), r.commits(named.id)]).toEqual([1, 2]);
  });

  it('run after it is written when workers.inlineStart is false', async () => {
    const { r, seen } = await looking({ ...PATIENT, inlineStart: false });
    const started = await r.engine.startInstance('look');
    expect(started.status).toBe('RUNNING');
    await r.engine.waitForInstance(started.id, 10_000);
    expect(seen).toEqual(['RUNNING', 'RUNNING']);
    expect(r.commits(started.id)).toBe(2);
  });

  it('are written without their chain when a result of it cannot be decided, which then fails as any input does', async () => {
    // The fault seam throws in every transition that starts step "poison", as a bug in decide would.
    process.env[TRANSITION_FAULT_VARIABLE] = 'throw:poison';
    let r: Rig;
    try {
      r = await rig({ a: echo(), poison: echo() }, { workers: PATIENT });
    } finally {
      delete process.env[TRANSITION_FAULT_VARIABLE];
    }
    await r.register('name: poisoned\nsteps:\n  - { name: a, type: task, task: a }\n  - { name: poison, type: task, task: poison }\n');
    const started = await r.engine.startInstance('poisoned');
    expect(started.status).toBe('RUNNING');
    expect(r.commits(started.id)).toBe(1);
    // a ran in the chain and, written without it, once more: its result is the input that throws,
    // and its try is counted on the instance (set aside after its tries, as any input would be).
    await until(async () => (await r.store.getInstance(started.id))?.redelivery?.tries === 1, 'the try to be counted');
    expect(r.calls.map((c) => c.type)).toEqual(['a', 'a']);
  });

  it('apply the result of a handler that outran the chain once the instance is written', async () => {
    const handlerDone = gate();
    const creation = gate();
    let writing = false;
    let written = false;
    let finishedUnwritten = false;
    const r = await rig(
      { a: echo(), b: async () => (await handlerDone.wait, (finishedUnwritten = !written), { late: true }), c: echo() },
      { workers: { inlineMs: 20 } },
      'memory',
      () => ((writing = true), creation.wait),
    );
    await r.register('name: outrun\nsteps:\n  - { name: a, type: task, task: a }\n  - { name: b, type: task, task: b, timeout: 1m }\n  - { name: c, type: task, task: c }\n');
    const started = r.engine.startInstance('outrun');
    // b is past the chain's deadline and detached; its result comes while the creation is not yet written.
    await until(() => writing, 'the creation to be written');
    handlerDone.open();
    await new Promise((resolve) => setTimeout(resolve, 50));
    written = true;
    creation.open();
    const { id } = await started;
    const done = await r.engine.waitForInstance(id, 10_000);
    expect(finishedUnwritten).toBe(true);
    expect(done.status).toBe('COMPLETED');
    expect(done.data).toMatchObject({ b: { late: true } });
    expect(r.calls.map((c) => c.type)).toEqual(['a', 'b', 'c']);
  });
});

describe('maps', () => {
  it('runs a bounded map of quick tasks in a handful of commits, results in item order', async () => {
    const n = 30;
    const r = await rig({ double: (input) => ({ d: (input as { item: number }).item * 2 }) }, { workers: PATIENT });
    await r.register(`
name: fan
steps:
  - name: each
    type: map
    items: items
    concurrency: 3
    steps: [{ name: double, type: task, task: double }]
    result: "\${ $result.double.d }"
`);
    const items = Array.from({ length: n }, (_, i) => i);
    const { id } = await r.engine.startInstance('fan', { input: { items } });
    const view = await r.engine.waitForInstance(id, 10_000);
    expect(view.status).toBe('COMPLETED');
    expect(view.data).toMatchObject({ each: items.map((i) => i * 2) });
    expect(r.calls).toHaveLength(n);
    // The start leases 3 iterations and runs them before the creation; each that ends lets the
    // next start, so every iteration runs in the creation's chain, and the run is one commit.
    expect(r.commits(id)).toBe(1);
  });
});

describe('inputs posted together', () => {
  const waits = `
name: listen
steps:
  - { name: a, type: wait, event: a }
  - { name: b, type: wait, event: b }
  - { name: c, type: wait, event: c }
`;

  it('applies every event raised at once, sharing commits', async () => {
    const r = await rig({});
    await r.register(waits);
    const { id } = await r.engine.startInstance('listen');
    await Promise.all(['a', 'b', 'c'].map((e) => r.engine.raiseEvent(id, e, { from: e })));
    const view = await r.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.data).toMatchObject({ a: { from: 'a' }, b: { from: 'b' }, c: { from: 'c' } });
    // The first event starts a commit on its own; the two posted while it is in flight share one.
    expect(r.commits(id)).toBe(3);
  });

  it('refuses only the input that breaks a limit, not the one posted with it', async () => {
    const r = await rig({}, { limits: { maxInstanceDataBytes: 4 * KIB, maxPayloadBytes: 3 * KIB } });
    await r.register(waits);
    const { id } = await r.engine.startInstance('listen', { input: { pad: 'p'.repeat(KIB) } });
    const [a, big, b] = await Promise.allSettled([
      r.engine.raiseEvent(id, 'a', 1),
      r.engine.raiseEvent(id, 'nobody-waits', 'x'.repeat(3 * KIB - 10)), // buffered: the data would pass 4 KiB
      r.engine.raiseEvent(id, 'b', 2),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(big).toMatchObject({ status: 'rejected', reason: { code: 'LIMIT_EXCEEDED' } });
    expect(b.status).toBe('fulfilled');
    await r.engine.raiseEvent(id, 'c', 3);
    const view = await r.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.data).toMatchObject({ a: 1, b: 2, c: 3 });
  });

  it('never applies a batch twice when a listener fails after its commit', async () => {
    const r = await rig({});
    await r.register(`
name: tally
steps:
  - { name: first, type: wait, event: tick }
  - { name: second, type: wait, event: tick }
  - { name: third, type: wait, event: tick }
  - { name: fourth, type: wait, event: tick }
  - { name: fifth, type: wait, event: tick }
`);
    const { id } = await r.engine.startInstance('tally');
    let failures = 0;
    const faulty = (): void => {
      failures += 1;
      if (failures === 2) throw new Error('a listener failed');
    };
    r.engine.runtime.notifier.on('instance', faulty);
    // The first tick commits alone; the next two share a commit, whose listener call fails.
    const results = await Promise.allSettled([1, 2, 3].map((n) => r.engine.raiseEvent(id, 'tick', n)));
    r.engine.runtime.notifier.off('instance', faulty);
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    // Applied again one by one, the two ticks would move the run on to the fifth wait.
    const ticks = (await r.engine.history(id)).filter((e) => e.type === 'EventReceived');
    expect(ticks).toHaveLength(3);
    expect((await r.engine.getInstance(id)).current).toEqual([expect.objectContaining({ step: 'fourth' })]);
  });
});

describe('limits inside a chain', () => {
  const blob = (): Json => ({ blob: 'x'.repeat(1_500) });
  const catchLimit = ', input: {}, catch: [{ errors: [LimitExceeded], next: handled }]';
  const definition = `
name: grows
steps:
  - { name: p1, type: task, task: p1${catchLimit} }
  - { name: p2, type: task, task: p2${catchLimit} }
  - { name: p3, type: task, task: p3${catchLimit} }
  - { name: p4, type: task, task: p4${catchLimit} }
  - { name: finish, type: succeed, output: fits }
  - { name: handled, type: succeed, output: "\${ error.step }" }
`;
  const limits = { maxInstanceDataBytes: 4 * KIB, maxPayloadBytes: 3 * KIB };

  async function runGrows(): Promise<{ r: Rig; id: string }> {
    const r = await rig({ p1: blob, p2: blob, p3: blob, p4: blob }, { workers: PATIENT, limits });
    await r.register(definition);
    const { id } = await r.engine.startInstance('grows');
    await r.engine.waitForInstance(id, 10_000);
    return { r, id };
  }

  it('fails the step whose result breaks the limit, keeping earlier results, each handler run once', async () => {
    const { r, id } = await runGrows();
    const view = await r.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toBe('p3');
    expect(Object.keys(view.data as object).sort()).toEqual(['error', 'p1', 'p2']);
    expect(view.data).toMatchObject({ error: { error: 'LimitExceeded', step: 'p3' } });
    for (const step of ['p1', 'p2', 'p3']) expect(stepsRun(r, step)).toBe(1);
    const failed = (await r.engine.history(id)).filter((e) => e.type === 'TaskFailed');
    expect(failed).toEqual([expect.objectContaining({ step: 'p3' })]);
  });

  it('never runs a step that follows the breach, since the committed run never reaches it', async () => {
    const { r } = await runGrows();
    expect(stepsRun(r, 'p4')).toBe(0);
  });
});

describe('a crash in the middle of a chain', () => {
  it('loses only what was not committed: the new engine completes the run', async () => {
    const url = sqlite('crash');
    const hang = gate();
    // s3 has a heartbeat, so it is never run inline: the chain commits before it, and again after.
    const heartbeat = (i: number): string => (i === 3 ? ', timeout: 1m, heartbeat: 10s, retry: { maxAttempts: 2, initialInterval: 0s }' : '');
    const a = await rig(handlersFor(10, (i) => (i === 5 ? async () => (await hang.wait, null) : echo())), { workers: PATIENT }, url);
    await a.register(chain('crashy', 10, heartbeat));
    const { id } = await a.engine.startInstance('crashy');
    await until(() => stepsRun(a, 's5') === 1, 'the hanging handler');
    // Engine A goes away mid-chain: its connection closes; nothing of the running fold is written.
    await a.store.close();
    void a.engine.workers.stop(); // takes no more leases; it ends once the hanging handler is released

    const b = await rig(handlersFor(10), { workers: PATIENT, clock: a.clock }, url);
    const atCrash = await b.engine.getInstance(id);
    expect(atCrash.status).toBe('RUNNING');
    expect(atCrash.data).toMatchObject({ s1: { n: 1 }, s2: { n: 2 } });
    expect(atCrash.current).toEqual([expect.objectContaining({ step: 's3', waiting: 'task' })]);
    a.clock.advance(10_001); // past s3's lease, which engine A held
    expect(await b.engine.tasks.expireLeases()).toBe(1);
    const view = await b.engine.waitForInstance(id, 10_000);
    expect(view.status).toBe('COMPLETED');
    expect(view.data).toMatchObject({ s1: { n: 1 }, s2: { n: 2 }, s10: { n: 10 } });
    const history = await b.engine.history(id);
    expect(history.map((e) => e.seq)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
    const completed = history.filter((e) => e.type === 'TaskCompleted').map((e) => e.step);
    expect(completed).toEqual(Array.from({ length: 10 }, (_, k) => `s${k + 1}`));
    // Committed steps ran once; the lost chain (s3 to s5) ran again on B; every step ran at least once.
    for (const s of ['s1', 's2']) expect(stepsRun(a, s) + stepsRun(b, s)).toBe(1);
    for (const s of ['s3', 's4', 's5']) expect(stepsRun(a, s) + stepsRun(b, s)).toBe(2);
    for (let i = 6; i <= 10; i += 1) expect(stepsRun(a, `s${i}`) + stepsRun(b, `s${i}`)).toBe(1);
  });
});
