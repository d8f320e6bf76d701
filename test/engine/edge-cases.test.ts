/** Corners of the interpreter found while documenting it: each once misbehaved. */
import { afterEach, expect, it } from 'vitest';
import { echo, named, testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

const undoable = `
  - name: book
    type: task
    task: book
    compensate: { task: undo }
`;

it('cancel during a compensate step ends the instance CANCELLED once compensations ran', async () => {
  t = await testEngine({ book: echo() });
  await t.register(`
name: cancel-mid-compensation
steps:${undoable}
  - { name: rollback, type: compensate }
  - { name: after, type: set, values: { after: true } }
`);
  const id = await t.run('cancel-mid-compensation');
  expect((await t.engine.getInstance(id)).compensating).toEqual({ reason: 'step', step: 'book' });
  await t.engine.lifecycle(id, 'cancel');
  const [undo] = await t.engine.tasks.poll({ queues: ['undo'] });
  await t.engine.tasks.complete(undo!.token, {});
  const view = await t.engine.getInstance(id);
  expect(view.status).toBe('CANCELLED');
  expect(view.data).not.toHaveProperty('after');
});

it('gives children of different runs different ids', async () => {
  t = await testEngine({ work: echo() });
  await t.register(
    `
name: kid
steps:
  - { name: w, type: task, task: work }
`,
    `
name: looping-parent
steps:
  - { name: call, type: workflow, workflow: kid }
  - name: again
    type: choice
    choices: [{ when: "$not($exists(round))", next: next-run }]
  - { name: done, type: succeed }
  - { name: next-run, type: continue, input: { round: 2 } }
`,
  );
  const id = await t.run('looping-parent');
  const view = await t.engine.getInstance(id);
  expect(view.status).toBe('COMPLETED');
  const children = (await t.engine.listInstances({ parentId: id })).items;
  expect(children.map((c) => c.status)).toEqual(['COMPLETED', 'COMPLETED']);
  expect(new Set(children.map((c) => c.id)).size).toBe(2);
});

it('resumes both branches when two compensate steps run at once in parallel branches', async () => {
  t = await testEngine({ book: echo(), undo: echo() });
  await t.register(`
name: twin-rollback
steps:${undoable}
  - name: both
    type: parallel
    branches:
      - { name: a, steps: [{ name: ra, type: compensate }, { name: sa, type: set, values: { a: true } }] }
      - { name: b, steps: [{ name: rb, type: compensate }, { name: sb, type: set, values: { b: true } }] }
`);
  const view = await t.engine.getInstance(await t.run('twin-rollback'));
  expect(view.status).toBe('COMPLETED');
  expect(view.output).toMatchObject({ both: { a: { a: true }, b: { b: true } } });
  expect(t.calls.filter((c) => c.type === 'undo')).toHaveLength(1);
});

it('a failure while a compensate step runs takes the run over and finishes it before failing', async () => {
  t = await testEngine({ book: echo() });
  await t.register(`
name: fail-mid-compensation
steps:${undoable}
  - name: both
    type: parallel
    branches:
      - { name: a, steps: [{ name: ra, type: compensate }] }
      - { name: b, steps: [{ name: late, type: task, task: late }] }
`);
  const id = await t.run('fail-mid-compensation');
  const [undo] = await t.engine.tasks.poll({ queues: ['undo'] });
  const [late] = await t.engine.tasks.poll({ queues: ['late'] });
  await t.engine.tasks.fail(late!.token, { error: 'LateFailed', message: 'gave up' });
  // The undo handed out before the failure is withdrawn and runs again in the failure's run.
  await expect(t.engine.tasks.complete(undo!.token, {})).rejects.toMatchObject({ code: 'STALE_TOKEN' });
  const [again] = await t.engine.tasks.poll({ queues: ['undo'] });
  await t.engine.tasks.complete(again!.token, {});
  const view = await t.engine.getInstance(id);
  expect(view.status).toBe('FAILED');
  expect(view.error).toMatchObject({ error: 'LateFailed', branch: 'b' });
});

it('retry after a failed compensate step goes on from it, and re-arms the workflow timeout', async () => {
  let undoWorks = false;
  t = await testEngine({ book: echo(), undo: () => (undoWorks ? {} : Promise.reject(named('UndoFailed'))) });
  await t.register(`
name: retry-compensation
timeout: 1h
steps:${undoable}
  - { name: rollback, type: compensate }
  - { name: after, type: wait, event: never }
`);
  const id = await t.run('retry-compensation');
  const failed = await t.engine.getInstance(id);
  expect(failed.status).toBe('FAILED');
  expect(failed.error?.errors).toEqual([{ error: 'UndoFailed', message: 'UndoFailed', step: 'book' }]);
  undoWorks = true;
  t.clock.advance(2 * 3_600_000); // long past the original timeout
  await t.engine.lifecycle(id, 'retry');
  await t.engine.runUntilIdle();
  expect((await t.engine.getInstance(id)).current).toMatchObject([{ step: 'after', waiting: 'event' }]);
  await t.advance(3_600_000);
  expect((await t.engine.getInstance(id)).status).toBe('TIMED_OUT');
});

it('runs a map over 1,500 items with unlimited concurrency (the step budget is per frame)', async () => {
  t = await testEngine();
  await t.register(`
name: wide
steps:
  - name: each
    type: map
    items: items
    steps: [{ name: s, type: set, values: { double: "\${ item * 2 }" } }]
    result: "\${ $sum($result.double) }"
`);
  const view = await t.engine.getInstance(await t.run('wide', { items: Array.from({ length: 1500 }, (_, i) => i) }));
  expect(view.status).toBe('COMPLETED');
  expect(view.output).toMatchObject({ each: 1499 * 1500 });
});

it('says a heartbeat was missed when the lease ran out between heartbeats', async () => {
  t = await testEngine();
  await t.register(`
name: hb
steps:
  - { name: long, type: task, task: long, timeout: 1h, heartbeat: 30s }
`);
  const view = await t.engine.startInstance('hb');
  await t.engine.tasks.poll({ queues: ['long'] });
  await t.advance(30_000);
  expect((await t.engine.getInstance(view.id)).error).toMatchObject({ error: 'Timeout', message: expect.stringContaining('no heartbeat within 30s') });
});

it('chooses time-ordered ids (UUIDv7): an instance started later sorts after an earlier one', async () => {
  t = await testEngine({ work: echo() });
  await t.register(`
name: ordered
steps:
  - { name: w, type: task, task: work }
`);
  const ids: string[] = [];
  for (let i = 0; i < 20; i += 1) ids.push((await t.engine.startInstance('ordered')).id);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect([...ids].sort()).toEqual(ids);
  // A caller's own id is kept as given.
  expect((await t.engine.startInstance('ordered', { id: 'order-42' })).id).toBe('order-42');
});
