import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { named, testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

describe('parallel', () => {
  it('runs branches on their own copy of data and joins their results by branch name', async () => {
    t = await testEngine({ a: () => ({ from: 'a' }), b: () => ({ from: 'b' }) });
    await t.register(`
name: par
steps:
  - name: both
    type: parallel
    branches:
      - name: left
        steps:
          - { name: work, type: task, task: a }
          - { name: mark, type: set, values: { side: left } }
      - name: right
        steps:
          - { name: work, type: task, task: b }
  - name: after
    type: set
    values: { sides: "\${ both.left.side }" }
`);
    const view = await t.engine.getInstance(await t.run('par', { shared: 1 }));
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toEqual({
      shared: 1,
      both: {
        left: { shared: 1, work: { from: 'a' }, side: 'left' },
        right: { shared: 1, work: { from: 'b' } },
      },
      sides: 'left',
    });
  });

  it('lists branch results in the order the branches are declared, whatever order they finish in', async () => {
    t = await testEngine();
    await t.register(`
name: parorder
steps:
  - name: all
    type: parallel
    branches:
      - { name: first, steps: [{ name: work, type: task, task: w }] }
      - { name: second, steps: [{ name: work, type: task, task: w }] }
      - { name: third, steps: [{ name: work, type: task, task: w }] }
`);
    const view = await t.engine.startInstance('parorder');
    const tasks = await t.engine.tasks.poll({ queues: ['w'], max: 3 });
    expect(tasks).toHaveLength(3);
    for (const task of [...tasks].reverse()) await t.engine.tasks.complete(task.token, { n: 1 });
    await t.engine.runUntilIdle();
    const done = await t.engine.getInstance(view.id);
    expect(done.status).toBe('COMPLETED');
    expect(JSON.stringify(Object.keys((done.output as { all: Record<string, Json> }).all))).toBe('["first","second","third"]');
  });

  it('a failing branch cancels its siblings and the step fails with that error and $error.branch', async () => {
    t = await testEngine({ boom: () => Promise.reject(named('Broken', 'it broke')) });
    await t.register(`
name: parfail
steps:
  - name: both
    type: parallel
    branches:
      - name: slow
        steps: [{ name: wait, type: task, task: slow }]
      - name: failing
        steps: [{ name: explode, type: task, task: boom }]
    catch: [{ errors: ["*"], next: handled }]
  - name: done
    type: succeed
  - name: handled
    type: succeed
    output: "\${ error }"
`);
    const view = await t.engine.startInstance('parfail');
    const [slowTask] = await t.engine.tasks.poll({ queues: ['slow'] });
    await t.engine.runUntilIdle();
    const done = await t.engine.getInstance(view.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.output).toEqual({ error: 'Broken', message: 'it broke', step: 'explode', branch: 'failing' });
    // The sibling's task was withdrawn: its worker's result is refused.
    await expect(t.engine.tasks.complete(slowTask!.token, {})).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    expect((await t.engine.history(view.id)).some((e) => e.type === 'StepCancelled' && e.step === 'wait')).toBe(true);
  });
});

describe('map', () => {
  it('runs steps per item with $item and $index, results in item order', async () => {
    t = await testEngine({ square: (input) => ({ sq: ((input as { item: number }).item) ** 2 }) });
    await t.register(`
name: squares
steps:
  - name: each
    type: map
    items: numbers
    steps:
      - { name: calc, type: task, task: square }
      - { name: tag, type: set, values: { pos: "\${ $index }", orig: "\${ $item }" } }
    result: "\${ $result.calc.sq }"
`);
    const view = await t.engine.getInstance(await t.run('squares', { numbers: [3, 1, 2] }));
    expect(view.output).toEqual({ numbers: [3, 1, 2], each: [9, 1, 4] });
  });

  it('uses object items as the iteration data and completes at once on an empty list', async () => {
    t = await testEngine({ greet: (input) => ({ hello: (input as { name: string }).name }) });
    await t.register(`
name: objects
steps:
  - name: each
    type: map
    items: people
    steps: [{ name: hi, type: task, task: greet }]
`);
    const one = await t.engine.getInstance(await t.run('objects', { people: [{ name: 'Ada' }, { name: 'Bo' }] }));
    expect(one.output).toMatchObject({ each: [{ name: 'Ada', hi: { hello: 'Ada' } }, { name: 'Bo', hi: { hello: 'Bo' } }] });
    const none = await t.engine.getInstance(await t.run('objects', { people: [] }));
    expect(none.output).toEqual({ people: [], each: [] });
  });

  it('never has more than `concurrency` iterations in flight', async () => {
    t = await testEngine();
    await t.register(`
name: bounded
steps:
  - name: each
    type: map
    items: items
    concurrency: 3
    steps: [{ name: work, type: task, task: unit }]
`);
    const view = await t.engine.startInstance('bounded', { input: { items: Array.from({ length: 10 }, (_, i) => i) } });
    let peak = 0;
    let processed = 0;
    for (;;) {
      const queued = (await t.engine.store.countQueued()).unit ?? 0;
      peak = Math.max(peak, queued);
      const tasks = await t.engine.tasks.poll({ queues: ['unit'], max: 100 });
      if (tasks.length === 0) break;
      // Complete one at a time: each completion may launch exactly one more iteration.
      for (const task of tasks) {
        await t.engine.tasks.complete(task.token, { done: task.input as Json });
        processed += 1;
        const nowQueued = (await t.engine.store.countQueued()).unit ?? 0;
        peak = Math.max(peak, nowQueued + tasks.length - tasks.indexOf(task) - 1);
      }
    }
    expect(processed).toBe(10);
    expect(peak).toBe(3);
    expect((await t.engine.getInstance(view.id)).status).toBe('COMPLETED');
  });

  it('tolerates failures up to toleratedFailures, then fails with $error.index', async () => {
    const failOn = (bad: number[]) => (input: Json) => {
      const item = (input as { item: number }).item;
      if (bad.includes(item)) throw named('BadItem', `item ${item}`);
      return { ok: item };
    };
    t = await testEngine({ check: failOn([2, 4]) });
    await t.register(`
name: tolerant
steps:
  - name: each
    type: map
    items: items
    toleratedFailures: 2
    steps: [{ name: c, type: task, task: check }]
    result: "\${ $result.($exists(error) ? error : c.ok) }"
`, `
name: strict
steps:
  - name: each
    type: map
    items: items
    concurrency: 1
    toleratedFailures: 20%
    steps: [{ name: c, type: task, task: check }]
`);
    const ok = await t.engine.getInstance(await t.run('tolerant', { items: [1, 2, 3, 4] }));
    expect(ok.status).toBe('COMPLETED');
    expect(ok.output).toMatchObject({ each: [1, 'BadItem', 3, 'BadItem'] });
    const failed = await t.engine.getInstance(await t.run('strict', { items: [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 4] }));
    // 2 failures of 11 items is 18%: tolerated; a third would not be, but there is none.
    expect(failed.status).toBe('COMPLETED');
    const tooMany = await t.engine.getInstance(await t.run('strict', { items: [2, 4, 1] }));
    expect(tooMany.status).toBe('FAILED');
    expect(tooMany.error).toMatchObject({ error: 'BadItem', index: 0, step: 'c' });
  });
});

describe('nesting', () => {
  it('runs a map inside a parallel branch and a parallel inside map iterations', async () => {
    t = await testEngine({ up: (input) => ({ v: String((input as { item: string }).item).toUpperCase() }), len: (input) => ({ n: String((input as { item: string }).item).length }) });
    await t.register(`
name: nested
steps:
  - name: outer
    type: parallel
    branches:
      - name: mapped
        steps:
          - name: words
            type: map
            items: words
            steps:
              - name: inner
                type: parallel
                branches:
                  - { name: upper, steps: [{ name: u, type: task, task: up }] }
                  - { name: length, steps: [{ name: l, type: task, task: len }] }
            result: "\${ $result.(inner.upper.u.v & ':' & $string(inner.length.l.n)) }"
      - name: plain
        steps: [{ name: p, type: set, values: { plain: true } }]
`);
    const view = await t.engine.getInstance(await t.run('nested', { words: ['ab', 'cde'] }));
    expect(view.status).toBe('COMPLETED');
    expect((view.output as { outer: { mapped: { words: string[] } } }).outer.mapped.words).toEqual(['AB:2', 'CDE:3']);
    expect((view.output as { outer: { plain: { plain: boolean } } }).outer.plain.plain).toBe(true);
  });
});
