/**
 * The isolate against real child processes: what an evaluation that runs out of heap, outruns its
 * time or finds the isolate full reports, that the process is replaced, and that no process
 * outlives its engine, stopped or killed. And an engine whose every evaluation goes to the
 * isolate (no slice at all) reaches the outcomes the engine's thread reaches.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessIsolate, type IsolateOptions } from '../../engine/expression-isolate.js';
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits, type IsolatedEvaluation } from '../../definitions/expression-budget.js';
import { echo, testEngine, type TestEngine } from '../helpers/engine.js';
import { REPO } from '../helpers/server.js';

const HOLDER = join(REPO, 'test/fixtures/expression-isolate-holder.ts');

/** A match that takes 2^40 steps and cannot be interrupted: only killing its process ends it. */
const ENDLESS = '$contains($pad("", 40, "a") & "b", /^(a|a)*$/)';

const request = (source: string, limits: Partial<ExpressionLimits> = {}): IsolatedEvaluation => ({
  source, data: {}, bindings: {}, now: 0, limits: { ...DEFAULT_EXPRESSION_LIMITS, ...limits },
});

const failureOf = (p: Promise<unknown>): Promise<unknown> => p.then((v) => ({ value: v }), (failure: unknown) => failure);

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ids of the isolate's processes whose parent is `parent`, read from /proc. */
function evaluatorsOf(parent: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('expression-child');
    } catch {
      return false;
    }
  });
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not so after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the isolate', () => {
  let isolate: ProcessIsolate | undefined;
  const open = (options: Partial<IsolateOptions> = {}): ProcessIsolate => (isolate = new ProcessIsolate(options));
  afterEach(async () => {
    await isolate?.close();
  });

  it('fails an evaluation that runs out of heap, naming the limit, and evaluates the next in a fresh process', { timeout: 60_000 }, async () => {
    const iso = open({ memoryMb: 40 });
    expect(await iso.evaluate(request('1 + 1'))).toBe(2);
    const [first] = iso.pids();
    expect(await failureOf(iso.evaluate(request('$count([1..20].[1..9000000])', { timeoutMs: 30_000 })))).toEqual({
      code: 'OutOfMemory',
      message: 'it ran out of the 40 MiB of memory an expression may use',
    });
    expect(running(first!)).toBe(false);
    expect(await iso.evaluate(request('"next"'))).toBe('next');
    expect(iso.pids()).toHaveLength(1);
    expect(iso.pids()).not.toContain(first);
  });

  it('kills the process of an evaluation that does not return in time, and evaluates the next in a fresh one', { timeout: 60_000 }, async () => {
    const iso = open();
    expect(await iso.evaluate(request('1'))).toBe(1);
    const [first] = iso.pids();
    expect(await failureOf(iso.evaluate(request(ENDLESS, { timeoutMs: 300 })))).toEqual({ code: 'D1012', message: 'it ran longer than the 300 ms an expression may take' });
    await until('the killed process is gone', () => !running(first!));
    expect(await iso.evaluate(request('"next"'))).toBe('next');
  });

  it('kills and replaces a process from a thread of its own, while the engine\'s thread is held', { timeout: 60_000 }, async () => {
    const iso = open();
    expect(await iso.evaluate(request('1'))).toBe(1);
    const [first] = iso.pids();
    const killed = failureOf(iso.evaluate(request(ENDLESS, { timeoutMs: 300 })));
    // Held without a turn of the event loop: a timer or a spawn on this thread could not run
    // until it is released, so a replacement seen meanwhile was started elsewhere.
    const held = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + 30_000;
    let replacement: number | undefined;
    while (replacement === undefined && Date.now() < deadline) {
      Atomics.wait(held, 0, 0, 50);
      if (!running(first!)) replacement = evaluatorsOf(process.pid).find((pid) => pid !== first);
    }
    expect(replacement).toBeDefined();
    expect(await killed).toEqual({ code: 'D1012', message: 'it ran longer than the 300 ms an expression may take' });
    expect(await iso.evaluate(request('"next"'))).toBe('next');
    expect(iso.pids()).toEqual([replacement]);
  });

  it('lets evaluations wait their turn, and fails at once one more than may wait', { timeout: 60_000 }, async () => {
    const iso = open({ processes: 1, maxWaiting: 1 });
    const slow = failureOf(iso.evaluate(request(ENDLESS, { timeoutMs: 300 })));
    const waiting = iso.evaluate(request('2 * 3'));
    expect(await failureOf(iso.evaluate(request('1')))).toEqual({
      code: 'IsolateBusy',
      message: 'it needed the isolate, where 1 other evaluations were already waiting (too many heavy expressions at once)',
    });
    expect(await slow).toMatchObject({ code: 'D1012' });
    expect(await waiting).toBe(6);
  });

  it('ends every process when closed, failing what was running or waiting', { timeout: 60_000 }, async () => {
    const iso = open();
    const running_ = failureOf(iso.evaluate(request(ENDLESS, { timeoutMs: 60_000 })));
    const waiting = failureOf(iso.evaluate(request('1')));
    await until('its process has started', () => iso.pids().length === 1);
    const [pid] = iso.pids();
    await iso.close();
    expect(running(pid!)).toBe(false);
    expect(await running_).toEqual({ message: 'the engine stopped before it was evaluated' });
    expect(await waiting).toEqual({ message: 'the engine stopped before it was evaluated' });
    expect(await failureOf(iso.evaluate(request('1')))).toEqual({ message: 'the engine stopped before it was evaluated' });
  });

  it('keeps its process alive while an evaluation waits for a replacement, though nothing else does', { timeout: 60_000 }, async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', HOLDER, 'alone'], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    holder.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise((resolve) => holder.once('exit', resolve));
    expect({ code, out: out.trim() }).toEqual({ code: 0, out: '["D1012","next"]' });
  });

  it('does not outlive its engine killed with SIGKILL, even in a match that cannot be interrupted', { timeout: 60_000 }, async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', HOLDER, 'hold'], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      holder.stdout!.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
      holder.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
    });
    expect(running(pid)).toBe(true);
    holder.kill('SIGKILL');
    await until(`the isolate's process ${pid} has exited`, () => !running(pid));
  });
});

describe('an engine and its isolate', () => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.engine.stop();
    t = undefined;
  });

  it('leaves no process behind when stopped', { timeout: 60_000 }, async () => {
    t = await testEngine({}, { engine: { expressions: { sliceWork: 0 } } });
    await t.register(`name: once\nsteps:\n  - { name: s, type: set, values: { x: "\${ 1 + 1 }" } }\n`);
    expect((await t.engine.getInstance(await t.run('once'))).status).toBe('COMPLETED');
    const evaluators = evaluatorsOf(process.pid);
    expect(evaluators).toHaveLength(1);
    await t.engine.stop();
    t = undefined;
    expect(evaluators.filter(running)).toEqual([]);
    expect(evaluatorsOf(process.pid)).toEqual([]);
  });

  it('reaches, with every evaluation in the isolate, the outcomes the engine thread reaches', { timeout: 60_000 }, async () => {
    t = await testEngine({ work: echo() }, { maxStepsPerInput: 50, engine: { expressions: { sliceWork: 0 } } });
    await t.register(`
name: spin
steps:
  - name: again
    type: set
    values: { n: "\${ $exists(n) ? n + 1 : 1 }" }
    next: again
`, `
name: caught
steps:
  - name: bad
    type: task
    task: work
    input: { x: "\${ $number('not a number') }" }
    catch:
      - errors: [ExpressionError]
        next: handled
  - name: handled
    type: succeed
    output: "\${ error }"
`);
    const spin = await t.engine.getInstance(await t.run('spin'));
    expect(spin.error).toMatchObject({ error: 'StepLimitExceeded', step: 'again' });
    const caught = await t.engine.getInstance(await t.run('caught'));
    expect(caught.status).toBe('COMPLETED');
    expect(caught.output).toMatchObject({ error: 'ExpressionError', message: expect.stringContaining('$number') });
  });
});
