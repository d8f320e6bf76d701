/**
 * A workflow's concurrency limit on one engine: at most `limit` instances run at once, the rest
 * wait PENDING and start in start order as others end; the sweep repairs a slot left by a crash;
 * the engine's own cap refuses new work with OVERLOADED.
 */
import { describe, expect, it } from 'vitest';
import { testEngine, type TestEngine } from '../helpers/engine.js';

const LIMITED = `name: limited
concurrency: { limit: 2 }
steps:
  - { name: work, type: task, task: limited.work, input: { n: "\${ n }" } }
  - { name: done, type: succeed }
`;

async function statuses(t: TestEngine, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await t.engine.getInstance(id)).status));
}

/** Completes the first queued task; answers the `n` of its input. */
async function completeOne(t: TestEngine): Promise<number> {
  const [task] = await t.engine.tasks.poll({ queues: ['limited.work'], worker: 'w', max: 1 });
  await t.engine.tasks.complete(task!.token, {});
  await t.engine.runUntilIdle();
  return (task!.input as { n: number }).n;
}

describe('concurrency: { limit: 2 }', () => {
  it('runs two at once; the rest wait PENDING and start in start order as others end', async () => {
    const t = await testEngine();
    await t.register(LIMITED);
    const ids: string[] = [];
    for (let n = 0; n < 5; n += 1) {
      ids.push(await t.run('limited', { n }));
      t.clock.advance(1);
    }
    expect(await statuses(t, ids)).toEqual(['RUNNING', 'RUNNING', 'PENDING', 'PENDING', 'PENDING']);
    expect(await t.engine.store.countQueued()).toEqual({ 'limited.work': 2 });
    const order = [await completeOne(t), await completeOne(t)];
    expect(await statuses(t, ids)).toEqual(['COMPLETED', 'COMPLETED', 'RUNNING', 'RUNNING', 'PENDING']);
    while ((await t.engine.store.countQueued())['limited.work']) order.push(await completeOne(t));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(await t.engine.store.listRunSlots()).toEqual([]);
  });

  it('retries a failed instance only with a slot free: it cannot wait PENDING, so the retry is refused meanwhile', async () => {
    const t = await testEngine();
    await t.register(LIMITED);
    const failed = await t.run('limited', { n: 0 });
    const [task] = await t.engine.tasks.poll({ queues: ['limited.work'], worker: 'w', max: 1 });
    await t.engine.tasks.fail(task!.token, { error: 'Broken', retryable: false });
    expect((await t.engine.getInstance(failed)).status).toBe('FAILED');
    const running = [await t.run('limited', { n: 1 }), await t.run('limited', { n: 2 })];
    await expect(t.engine.retry(failed)).rejects.toMatchObject({ code: 'OVERLOADED', message: expect.stringContaining('runs 2 instances already') });
    expect(await statuses(t, [failed, ...running])).toEqual(['FAILED', 'RUNNING', 'RUNNING']);
    await completeOne(t);
    expect(await t.engine.retry(failed)).toMatchObject({ status: 'RUNNING' });
    expect((await t.engine.store.listRunSlots())[0]!.holders.sort()).toEqual([failed, running[1]!].sort());
  });

  it('gives a cancelled waiting instance its place back, and a cancelled running one its slot', async () => {
    const t = await testEngine();
    await t.register(LIMITED);
    const ids = [await t.run('limited', { n: 0 }), await t.run('limited', { n: 1 }), await t.run('limited', { n: 2 }), await t.run('limited', { n: 3 })];
    await t.engine.lifecycle(ids[2]!, 'cancel');
    await t.engine.lifecycle(ids[0]!, 'cancel');
    await t.engine.runUntilIdle();
    expect(await statuses(t, ids)).toEqual(['CANCELLED', 'RUNNING', 'CANCELLED', 'RUNNING']);
  });

  it('repairs a slot whose holder ended without giving it back (a crash), at the second sweep', async () => {
    const t = await testEngine();
    await t.register(LIMITED);
    // As if an engine died between an instance's end and its give-back: "gone" holds a slot it no longer needs.
    await t.engine.store.takeRunSlot('limited', 'gone', { limit: 2, at: 0, maxWaiting: 10 });
    await t.run('limited', { n: 0 });
    const waiting = await t.run('limited', { n: 1 });
    expect((await t.engine.getInstance(waiting)).status).toBe('PENDING');
    expect(await t.engine.slots.sweep()).toBe(0);
    t.clock.advance(5_000);
    await t.engine.slots.sweep();
    await t.engine.runUntilIdle();
    expect((await t.engine.store.listRunSlots())[0]!.holders).not.toContain('gone');
    expect((await t.engine.getInstance(waiting)).status).toBe('RUNNING');
  });

  it('refuses a start past the longest queue with OVERLOADED, storing nothing', async () => {
    const t = await testEngine({}, { engine: { concurrency: { maxQueuedStarts: 1 } } });
    await t.register(LIMITED);
    await t.run('limited', { n: 0 });
    await t.run('limited', { n: 1 });
    await t.run('limited', { n: 2 });
    await expect(t.engine.startInstance('limited', { input: { n: 3 }, id: 'refused' })).rejects.toMatchObject({
      code: 'OVERLOADED',
      message: 'workflow "limited" has 1 instances waiting to start (its concurrency limit is 2); try again in 1 s',
    });
    await expect(t.engine.getInstance('refused')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('maxActiveInstances', () => {
  it('refuses new starts and events while the engine works on as many instances as it takes', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const t = await testEngine({ slow: () => held.then(() => ({})) }, { engine: { concurrency: { maxActiveInstances: 1 }, workers: { inlineMs: 60_000 } } });
    await t.register(`name: slow
steps:
  - { name: work, type: task, task: slow }
  - { name: done, type: succeed }
`);
    const first = t.engine.startInstance('slow');
    await new Promise((resolve) => setImmediate(resolve));
    await expect(t.engine.startInstance('slow')).rejects.toMatchObject({
      code: 'OVERLOADED',
      message: 'this engine is working on 1 instances, as many as it takes at once (maxActiveInstances 1); try again in 1 s',
    });
    release();
    const { id } = await first;
    await t.engine.runUntilIdle();
    expect((await t.engine.getInstance(id)).status).toBe('COMPLETED');
    await expect(t.engine.startInstance('slow')).resolves.toMatchObject({ workflow: 'slow' });
  });
});
