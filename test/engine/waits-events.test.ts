import { afterEach, describe, expect, it } from 'vitest';
import { echo, testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

const approval = `
name: approval
steps:
  - name: ask
    type: wait
    event: decision
    timeout: 1h
    onTimeout: expired
  - name: approved
    type: succeed
    output: "\${ ask }"
  - name: expired
    type: fail
    error: Expired
    message: nobody answered
`;

describe('wait and events', () => {
  it('completes the wait with the event payload as its result', async () => {
    t = await testEngine();
    await t.register(approval);
    const id = await t.run('approval');
    expect((await t.engine.getInstance(id)).current).toEqual([{ step: 'ask', waiting: 'event', attempt: 1, event: 'decision' }]);
    await t.engine.raiseEvent(id, 'decision', { approved: true, by: 'ana' });
    await t.engine.runUntilIdle();
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toEqual({ approved: true, by: 'ana' });
  });

  it('goes to onTimeout when no event arrives in time, and fails with Timeout without it', async () => {
    t = await testEngine();
    await t.register(approval, `
name: strict-wait
steps:
  - { name: ask, type: wait, event: decision, timeout: 10m }
`);
    const a = await t.run('approval');
    const b = await t.run('strict-wait');
    await t.advance(10 * 60_000);
    expect((await t.engine.getInstance(b)).error).toMatchObject({ error: 'Timeout', step: 'ask' });
    expect((await t.engine.getInstance(a)).status).toBe('RUNNING');
    await t.advance(50 * 60_000);
    const view = await t.engine.getInstance(a);
    expect(view.status).toBe('FAILED');
    expect(view.error).toEqual({ error: 'Expired', message: 'nobody answered', step: 'expired' });
  });

  it('buffers events raised before the wait and consumes each exactly once, FIFO per name', async () => {
    t = await testEngine({ slow: echo() });
    await t.register(`
name: twice
steps:
  - { name: first, type: task, task: slow }
  - { name: one, type: wait, event: ping }
  - { name: two, type: wait, event: ping }
  - { name: three, type: wait, event: ping }
`);
    const view = await t.engine.startInstance('twice');
    await t.engine.raiseEvent(view.id, 'ping', { n: 1 });
    await t.engine.raiseEvent(view.id, 'other', { n: 0 });
    await t.engine.raiseEvent(view.id, 'ping', { n: 2 });
    await t.engine.runUntilIdle();
    const waiting = await t.engine.getInstance(view.id);
    expect(waiting.status).toBe('RUNNING');
    expect(waiting.current).toMatchObject([{ step: 'three', waiting: 'event' }]);
    expect(waiting.data).toMatchObject({ one: { n: 1 }, two: { n: 2 } });
    await t.engine.raiseEvent(view.id, 'ping', { n: 3 });
    const done = await t.engine.getInstance(view.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.output).toMatchObject({ one: { n: 1 }, two: { n: 2 }, three: { n: 3 } });
    const history = await t.engine.history(view.id);
    expect(history.filter((e) => e.type === 'EventBuffered')).toHaveLength(3);
    expect(history.filter((e) => e.type === 'EventConsumed' || e.type === 'EventReceived')).toHaveLength(3);
  });

  it('an event raised twice is consumed once by one wait; the second stays buffered for the next wait', async () => {
    t = await testEngine();
    await t.register(`
name: once
steps:
  - { name: first, type: wait, event: ping }
  - { name: hold, type: wait, event: release }
  - { name: second, type: wait, event: ping }
`);
    const id = await t.run('once');
    await t.engine.raiseEvent(id, 'ping', { n: 1 });
    await t.engine.raiseEvent(id, 'ping', { n: 2 });
    let view = await t.engine.getInstance(id);
    expect(view.data).toMatchObject({ first: { n: 1 } });
    expect(view.current).toMatchObject([{ step: 'hold' }]);
    await t.engine.raiseEvent(id, 'release', null);
    view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toMatchObject({ first: { n: 1 }, second: { n: 2 } });
  });

  it('refuses an event for a finished instance with a clear error', async () => {
    t = await testEngine();
    await t.register(approval);
    const id = await t.run('approval');
    await t.engine.raiseEvent(id, 'decision', {});
    await expect(t.engine.raiseEvent(id, 'decision', {})).rejects.toThrow(/is COMPLETED/);
  });

  it('delivers a correlated event to the instances waiting with that key only', async () => {
    t = await testEngine();
    await t.register(`
name: shipment
steps:
  - name: delivered
    type: wait
    event: parcel.delivered
    correlate: trackingNumber
`);
    const a = await t.run('shipment', { trackingNumber: 'T-1' });
    const b = await t.run('shipment', { trackingNumber: 'T-2' });
    const c = await t.run('shipment', { trackingNumber: 'T-1' });
    const result = await t.engine.deliverEvent('parcel.delivered', 'T-1', { at: 'door' });
    expect(result.delivered).toBe(2);
    expect(new Set(result.instances)).toEqual(new Set([a, c]));
    expect((await t.engine.getInstance(a)).output).toMatchObject({ delivered: { at: 'door' } });
    expect((await t.engine.getInstance(b)).status).toBe('RUNNING');
    expect((await t.engine.deliverEvent('parcel.delivered', 'T-1', {})).delivered).toBe(0);
  });
});

describe('delay', () => {
  it('waits for a duration or until a time on durable timers', async () => {
    t = await testEngine();
    await t.register(`
name: sleepy
steps:
  - { name: nap, type: delay, duration: 2h }
  - { name: until, type: delay, until: wakeAt }
`);
    const start = t.clock.now();
    const id = await t.run('sleepy', { wakeAt: new Date(start + 5 * 3_600_000).toISOString() });
    await t.advance(2 * 3_600_000 - 1);
    expect((await t.engine.getInstance(id)).current).toMatchObject([{ step: 'nap', waiting: 'delay' }]);
    await t.advance(1);
    expect((await t.engine.getInstance(id)).current).toMatchObject([{ step: 'until', waiting: 'delay' }]);
    await t.advance(3 * 3_600_000);
    expect((await t.engine.getInstance(id)).status).toBe('COMPLETED');
  });

  it('fails with ExpressionError when until is not a time', async () => {
    t = await testEngine();
    await t.register(`
name: badtime
steps:
  - { name: until, type: delay, until: wakeAt }
`);
    const view = await t.engine.getInstance(await t.run('badtime', { wakeAt: 'tomorrow-ish' }));
    expect(view.error).toMatchObject({ error: 'ExpressionError', step: 'until' });
    expect(view.error?.message).toContain('ISO time');
  });
});

describe('child workflows', () => {
  const parent = `
name: parent
steps:
  - name: ship
    type: workflow
    workflow: child
    input: { item: "\${ item }" }
    catch: [{ errors: [ChildFailed], next: failed }]
  - name: ok
    type: succeed
  - name: failed
    type: succeed
    output: { failed: "\${ error.message }" }
`;
  const child = `
name: child
steps:
  - { name: pack, type: task, task: pack }
  - { name: check, type: choice, choices: [{ when: "item = 'bad'", next: broken }] }
  - { name: done, type: succeed, output: { packed: "\${ pack.box }" } }
  - { name: broken, type: fail, error: Broken, message: bad item }
`;

  it('starts a child with an id derived from the parent, waits for it and takes its output', async () => {
    t = await testEngine({ pack: (input) => ({ box: `box-${(input as { item: string }).item}` }) });
    await t.register(child, parent);
    const id = await t.run('parent', { item: 'lamp' });
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toMatchObject({ ship: { packed: 'box-lamp' } });
    const children = await t.engine.listInstances({ parentId: id });
    expect(children.items).toHaveLength(1);
    expect(children.items[0]!.id.startsWith(`${id}.ship.`)).toBe(true);
    expect(children.items[0]!.status).toBe('COMPLETED');
  });

  it('fails the step with ChildFailed when the child fails', async () => {
    t = await testEngine({ pack: () => ({ box: 'x' }) });
    await t.register(child, parent);
    const view = await t.engine.getInstance(await t.run('parent', { item: 'bad' }));
    expect(view.output).toMatchObject({ failed: expect.stringContaining('Broken: bad item') });
  });

  it('cancelling the parent cancels a running child', async () => {
    t = await testEngine();
    await t.register(child, parent);
    const id = await t.run('parent', { item: 'lamp' });
    const [childView] = (await t.engine.listInstances({ parentId: id })).items;
    expect(childView!.status).toBe('RUNNING');
    await t.engine.lifecycle(id, 'cancel', 'customer changed mind');
    await t.engine.runUntilIdle();
    expect((await t.engine.getInstance(id)).status).toBe('CANCELLED');
    expect((await t.engine.getInstance(childView!.id)).status).toBe('CANCELLED');
    expect(await t.engine.store.countQueued()).toEqual({});
  });

  it('terminating the parent terminates the child', async () => {
    t = await testEngine();
    await t.register(child, parent);
    const id = await t.run('parent', { item: 'lamp' });
    const [childView] = (await t.engine.listInstances({ parentId: id })).items;
    await t.engine.lifecycle(id, 'terminate');
    await t.engine.runUntilIdle();
    expect((await t.engine.getInstance(childView!.id)).status).toBe('TERMINATED');
  });

  it('fails the step with ChildFailed when the child workflow is not registered', async () => {
    t = await testEngine();
    await t.register(parent.replace('workflow: child', 'workflow: missing'));
    const view = await t.engine.getInstance(await t.run('parent', { item: 'x' }));
    expect(view.output).toMatchObject({ failed: expect.stringContaining('"missing" is not registered') });
  });
});

describe('continue', () => {
  it('ends each run as continued and starts the next with fresh history under the same id', async () => {
    t = await testEngine({ poll: (input) => ({ count: (input as { count: number }).count + 1 }) });
    await t.register(`
name: monitor
steps:
  - { name: check, type: task, task: poll }
  - name: more
    type: choice
    choices: [{ when: "check.count < 3", next: again }]
  - { name: done, type: succeed, output: { final: "\${ check.count }" } }
  - { name: again, type: continue, input: { count: "\${ check.count }" } }
`);
    const id = await t.run('monitor', { count: 0 });
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.run).toBe(3);
    expect(view.output).toEqual({ final: 3 });
    expect(view.previousRun?.run).toBe(2);
    const run3 = await t.engine.history(id);
    expect(run3[0]).toMatchObject({ seq: 1, type: 'InstanceStarted' });
    const run1 = await t.engine.history(id, 1);
    expect(run1.at(-1)!.type).toBe('InstanceContinuedAsNew');
  });
});
