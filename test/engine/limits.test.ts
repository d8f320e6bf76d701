/** Every size limit, configured small, enforced with an error that names it. */
import { afterEach, describe, expect, it } from 'vitest';
import { echo, testEngine, type TestEngine } from '../helpers/engine.js';
import type { Limits } from '../../engine/limits.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

const KIB = 1024;

describe('payloads', () => {
  it('refuses a start input or an event payload over the limit', async () => {
    t = await testEngine({}, { engine: { limits: { maxPayloadBytes: KIB } } });
    await t.register(`
name: w
steps:
  - { name: hold, type: wait, event: go }
`);
    await expect(t.engine.startInstance('w', { input: { blob: 'x'.repeat(2 * KIB) } })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringMatching(/the start input is 2\.\d KiB, more than the 1 KiB limit/),
    });
    const { id } = await t.engine.startInstance('w');
    await expect(t.engine.raiseEvent(id, 'go', 'x'.repeat(2 * KIB))).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect((await t.engine.getInstance(id)).status).toBe('RUNNING');
  });

  it('fails the step with LimitExceeded when a task output is over the limit, and tells the worker', async () => {
    t = await testEngine({}, { engine: { limits: { maxPayloadBytes: KIB } } });
    await t.register(`
name: big-output
steps:
  - name: make
    type: task
    task: make
    catch: [{ errors: [LimitExceeded], next: handled }]
  - { name: handled, type: succeed, output: "\${ error.error }" }
`);
    const { id } = await t.engine.startInstance('big-output');
    const [task] = await t.engine.tasks.poll({ queues: ['make'] });
    await expect(t.engine.tasks.complete(task!.token, { blob: 'x'.repeat(2 * KIB) })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect((await t.engine.getInstance(id)).output).toBe('LimitExceeded');
  });
});

describe('instance data and history', () => {
  it('refuses a retry whose patch would make the data too large, leaving the instance FAILED', async () => {
    t = await testEngine({}, { engine: { limits: { maxInstanceDataBytes: 4 * KIB } } });
    await t.register(`
name: patched
steps:
  - { name: pay, type: task, task: pay }
`);
    const { id } = await t.engine.startInstance('patched');
    const [task] = await t.engine.tasks.poll({ queues: ['pay'] });
    await t.engine.tasks.fail(task!.token, { error: 'Declined', retryable: false });
    await expect(t.engine.retry(id, { patch: { blob: 'x'.repeat(6 * KIB) } })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringMatching(/^the retry was refused: .*4 KiB/),
    });
    expect((await t.engine.getInstance(id)).status).toBe('FAILED');
  });


  it('fails the step whose result would make the data too large', async () => {
    t = await testEngine({ grow: () => ({ blob: 'x'.repeat(6 * KIB) }) }, { engine: { limits: { maxInstanceDataBytes: 4 * KIB } } });
    await t.register(`
name: grows
steps:
  - { name: grow, type: task, task: grow }
`);
    const view = await t.engine.getInstance(await t.run('grows'));
    expect(view.status).toBe('FAILED');
    expect(view.error).toMatchObject({ error: 'LimitExceeded', step: 'grow' });
    expect(view.error?.message).toMatch(/the instance data would grow to [\d.]+ KiB, more than the 4 KiB limit/);
  });

  it('ends a run whose history passes the limit, suggesting continue', async () => {
    t = await testEngine({}, { engine: { limits: { maxHistoryPerRun: 60 } } });
    await t.register(`
name: forever
steps:
  - { name: tick, type: wait, event: tick }
  - { name: again, type: set, values: { n: "\${ $exists(n) ? n + 1 : 1 }" }, next: tick }
`);
    const id = await t.run('forever');
    for (let i = 0; i < 20; i += 1) await t.engine.raiseEvent(id, 'tick', null).catch(() => undefined);
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('FAILED');
    expect(view.error?.error).toBe('LimitExceeded');
    expect(view.error?.message).toContain('use a continue step');
    expect((await t.engine.history(id)).length).toBeLessThanOrEqual(60 + 5);
  });
});

describe('definitions and maps', () => {
  /** An engine with those limits and workflow `many`: a task of handler `w` per item of `items`. */
  async function mapEngine(limits: Partial<Limits>): Promise<void> {
    t = await testEngine({ w: echo() }, { engine: { limits } });
    await t.register(`
name: many
steps:
  - name: each
    type: map
    items: items
    steps: [{ name: s, type: task, task: w }]
`);
  }

  it('ends a run whose map logs past the history limit, suggesting batches run by child workflows', async () => {
    await mapEngine({ maxHistoryPerRun: 60 });
    const view = await t.engine.getInstance(await t.run('many', { items: Array.from({ length: 20 }, (_, i) => i) }));
    expect(view.status).toBe('FAILED');
    expect(view.error).toMatchObject({ error: 'LimitExceeded' });
    expect(view.error?.message).toContain('would pass 60 events');
    expect(view.error?.message).toContain('map over batches of them, each run by a child workflow');
  });

  it('fails a map step over more items than the limit', async () => {
    await mapEngine({ maxMapItems: 5 });
    const view = await t.engine.getInstance(await t.run('many', { items: [1, 2, 3, 4, 5, 6] }));
    expect(view.error).toMatchObject({ error: 'LimitExceeded', step: 'each' });
    expect(view.error?.message).toContain('6 items, more than the limit of 5');
    expect(t.calls).toHaveLength(0);
  });

  it.each([
    ['size', { maxDefinitionBytes: 100 }, 'more than the 100 B limit'],
    ['steps', { maxSteps: 2 }, 'the definition has 4 steps, more than the limit of 2'],
    ['nesting', { maxNestingDepth: 1 }, 'nests parallel and map steps 2 deep'],
    ['branches', { maxBranches: 1 }, 'has 2 branches, more than the limit of 1'],
  ])('refuses a definition over the %s limit', async (_, limits, message) => {
    t = await testEngine({}, { engine: { limits } });
    const text = `
name: nested
steps:
  - name: outer
    type: parallel
    branches:
      - name: a
        steps:
          - { name: inner, type: map, items: "[1]", steps: [{ name: s, type: set, values: { x: 1 } }] }
      - name: b
        steps: [{ name: t, type: set, values: { y: 1 } }]
`;
    await expect(t.engine.register(text)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining(message) });
  });
});
