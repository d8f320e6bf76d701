/**
 * The console's trace (paths of execution rebuilt from a history) against the engine's own state:
 * real instances on an in-memory engine, whose tasks the test completes or fails in a shuffled
 * order. At every point, the attempts the trace holds open must be the steps the instance says it
 * is at (`current`, with their item index or branch), and once a map is done, its items' outcomes
 * must be those its result records.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildGraph, type Graph } from '../../definitions/graph.js';
import { loadPlan } from '../../definitions/load.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';
import { attemptLabel, traceRun, type RunTrace } from '../../ui/src/trace.js';
import type { InstanceView } from '../../protocol/instances.js';
import type { ClaimedTask } from '../../protocol/tasks.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

const MAP = `
name: trace-map
steps:
  - name: prepare
    type: set
    values: { started: true }
  - name: items
    type: map
    items: list
    concurrency: 4
    toleratedFailures: 100%
    steps:
      - name: mark
        type: set
        values: { seen: true }
      - name: work
        type: task
        task: trace.work
        retry: { maxAttempts: 3, initialInterval: 1s, nonRetryable: [Bad] }
      - name: route
        type: choice
        choices:
          - when: work.twice = true
            next: again
        otherwise: end
      - name: again
        type: task
        task: trace.again
  - name: done
    type: succeed
`;

const PARALLEL = `
name: trace-parallel
steps:
  - name: fan
    type: parallel
    branches:
      - name: left
        steps:
          - { name: fetch, type: task, task: trace.fetch }
          - { name: check, type: task, task: trace.check }
      - name: right
        steps:
          - { name: fetch, type: task, task: trace.fetch }
      - name: middle
        steps:
          - name: inner
            type: map
            items: "[1, 2, 3]"
            concurrency: 2
            steps:
              - { name: fetch, type: task, task: trace.fetch }
  - name: done
    type: succeed
`;

function graphOf(yaml: string): Graph {
  const { plan, problems } = loadPlan(yaml, 'test.yaml');
  if (!plan) throw new Error(problems.map((p) => p.message).join('\n'));
  return buildGraph(plan);
}

/** A small seeded generator, so a failing order can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

async function traced(id: string, graph: Graph): Promise<{ view: InstanceView; trace: RunTrace }> {
  const [view, history] = await Promise.all([t.engine.getInstance(id), t.engine.history(id)]);
  return { view, trace: traceRun(history, graph) };
}

/** Where the instance says it is, as "step · where" (joins left out: the trace holds those open too). */
function currentOf(view: InstanceView): string[] {
  return view.current.filter((c) => c.waiting !== 'join').map((c) => [c.step, c.index !== undefined ? `item ${c.index}` : c.branch].filter((x) => x !== undefined).join(' · ')).sort();
}

/** The trace's open attempts and retries due, with the innermost item or branch only (as `current` names them). */
function openOf(trace: RunTrace): string[] {
  return trace.attempts
    .filter((a) => (a.outcome === 'running' && a.waiting !== 'join') || (a.path.retrying && a === a.path.attempts.at(-1)))
    .map((a) => [a.step, a.path.index !== undefined ? `item ${a.path.index}` : a.path.branch].filter((x) => x !== undefined).join(' · '))
    .sort();
}

const claim = (types: string[]): Promise<ClaimedTask[]> => t.engine.tasks.poll({ queues: types, worker: 'trace-test', max: 100 });

/**
 * Runs instance `id` round by round until it is no longer RUNNING: each round, the trace must
 * hold open what the instance says it is at, then `work` does some of the tasks claimed so far
 * (`held`: it takes out those it finishes).
 */
async function follow(id: string, graph: Graph, types: string[], work: (held: ClaimedTask[]) => Promise<ClaimedTask[]>): Promise<void> {
  let held: ClaimedTask[] = [];
  for (let round = 0; round < 500; round += 1) {
    const { view, trace } = await traced(id, graph);
    expect(openOf(trace), `round ${round}`).toEqual(currentOf(view));
    if (view.status !== 'RUNNING') return;
    held.push(...(await claim(types)));
    if (held.length === 0) await t.advance(5_000); // retry timers
    else held = await work(held);
    await t.engine.runUntilIdle();
  }
}

describe('the trace of an instance', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`follows every map item through retries, choices and tolerated failures (order ${seed})`, async () => {
      const graph = graphOf(MAP);
      const next = random(seed);
      t = await testEngine();
      await t.register(MAP);
      const list = Array.from({ length: 14 }, (_, i) => ({ n: i }));
      const id = await t.run('trace-map', { list });
      const attemptsOf = new Map<number, number>();
      await follow(id, graph, ['trace.work', 'trace.again'], async (held) => {
        // Finish some of the claimed tasks, in a shuffled order; the others wait for a later round.
        held.sort(() => next() - 0.5);
        const finishing = held.slice(0, 1 + Math.floor(next() * held.length));
        for (const task of finishing) {
          const n = (task.input as { n: number }).n;
          if (task.type === 'trace.again') await t.engine.tasks.complete(task.token, { again: true });
          else {
            attemptsOf.set(n, (attemptsOf.get(n) ?? 0) + 1);
            const roll = next();
            if (roll < 0.2) await t.engine.tasks.fail(task.token, { error: 'Flaky', message: `item ${n} flaked` });
            else if (roll < 0.3) await t.engine.tasks.fail(task.token, { error: 'Bad', message: `item ${n} is bad` });
            else await t.engine.tasks.complete(task.token, { twice: roll > 0.8 });
          }
        }
        return held.slice(finishing.length);
      });
      const { view, trace } = await traced(id, graph);
      expect(view.status).toBe('COMPLETED');
      const map = trace.attempts.find((a) => a.step === 'items')!;
      expect(map.children.map((c) => c.index)).toEqual(list.map((_, i) => i));
      // The map's result keeps {error, message} for a failed item, the item's data otherwise.
      const results = (view.data as { items: { error?: string }[] }).items;
      expect(map.children.map((c) => c.outcome)).toEqual(results.map((r) => (r.error !== undefined ? 'failed' : 'completed')));
      for (const item of map.children) {
        const works = item.attempts.filter((a) => a.step === 'work');
        expect(works.length, `item ${item.index}`).toBe(attemptsOf.get(item.index!) ?? 0);
        expect(works.map((a) => a.attempt)).toEqual(works.map((_, i) => i + 1));
      }
    });
  }

  it('tells branches apart when they start with steps of the same name, and items of a map inside a branch', async () => {
    const graph = graphOf(PARALLEL);
    t = await testEngine();
    await t.register(PARALLEL);
    const id = await t.run('trace-parallel', {});
    await follow(id, graph, ['trace.fetch', 'trace.check'], async (held) => {
      // The last claimed first: branches finish in another order than they started.
      held.reverse();
      for (const task of held.splice(0, 2)) await t.engine.tasks.complete(task.token, {});
      return held;
    });
    const { view, trace } = await traced(id, graph);
    expect(view.status).toBe('COMPLETED');
    const labels = trace.attempts.map(attemptLabel);
    expect(labels).toEqual(expect.arrayContaining(['fetch · left', 'check · left', 'fetch · right', 'inner · middle', 'fetch · item 0 · middle', 'fetch · item 2 · middle']));
    expect(trace.attempts.find((a) => a.step === 'fan')!.children.map((c) => c.branch)).toEqual(['left', 'right', 'middle']);
  });

  it('puts the items of maps nested in a map, all started in one transition, in their own outer item', async () => {
    const NESTED = `
name: trace-nested
steps:
  - name: outer
    type: map
    items: groups
    steps:
      - name: inner
        type: map
        items: members
        steps:
          - { name: work, type: task, task: trace.work }
`;
    const graph = graphOf(NESTED);
    t = await testEngine();
    await t.register(NESTED);
    const groups = [0, 1, 2].map((o) => ({ members: Array.from({ length: 2 + o }, (_, i) => ({ o, i })) }));
    const id = await t.run('trace-nested', { groups });
    for (const task of (await claim(['trace.work'])).reverse()) await t.engine.tasks.complete(task.token, { done: task.input });
    await t.engine.runUntilIdle();
    const { view, trace } = await traced(id, graph);
    expect(view.status).toBe('COMPLETED');
    const works = trace.attempts.filter((a) => a.step === 'work');
    expect(works).toHaveLength(9);
    // Each attempt's recorded input names the member it was for: its item and its outer item must say the same.
    for (const a of works) {
      const { o, i } = a.input as { o: number; i: number };
      expect([a.path.parent?.path.index, a.path.index], attemptLabel(a)).toEqual([o, i]);
      expect(a.outcome).toBe('completed');
    }
  });

  it('cancels the open attempts of a cancelled instance, and only those', async () => {
    const graph = graphOf(MAP);
    t = await testEngine();
    await t.register(MAP);
    const id = await t.run('trace-map', { list: [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }] });
    const [first] = await claim(['trace.work']);
    await t.engine.tasks.complete(first!.token, {});
    await t.engine.runUntilIdle();
    await t.engine.lifecycle(id, 'cancel', 'enough');
    const { trace } = await traced(id, graph);
    expect(trace.attempts.filter((a) => a.outcome === 'running')).toEqual([]);
    const map = trace.attempts.find((a) => a.step === 'items')!;
    expect(map.outcome).toBe('cancelled');
    expect(map.children.map((c) => c.outcome)).toEqual(['completed', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
  });
});
