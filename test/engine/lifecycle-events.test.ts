import { afterEach, describe, expect, it } from 'vitest';
import { named, testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

const order = `
name: order
steps:
  - name: charge
    type: task
    task: charge
  - name: wait
    type: wait
    event: shipped
    timeout: 1h
  - name: done
    type: succeed
`;

const quick = `
name: quick
steps:
  - name: charge
    type: task
    task: charge
`;

async function feed(): Promise<{ type: string; instanceId: string; step?: string; data: unknown }[]> {
  return (await t.engine.store.readEvents(0, 1000)).map(({ type, instanceId, step, data }) => ({ type, instanceId, ...(step ? { step } : {}), data }));
}

describe('lifecycle events', () => {
  it('are written with the transitions of an instance: started, suspended, resumed, completed with its output', async () => {
    t = await testEngine({ charge: () => ({ paid: 10 }) });
    await t.register(order);
    const id = await t.run('order', {}, 'o-1');
    await t.engine.lifecycle(id, 'suspend');
    await t.engine.lifecycle(id, 'resume');
    await t.engine.raiseEvent(id, 'shipped', { parcel: 7 });
    await t.engine.runUntilIdle();
    const events = await feed();
    expect(events.map((e) => e.type)).toEqual(['segue.instance.started', 'segue.instance.suspended', 'segue.instance.resumed', 'segue.instance.completed']);
    expect(events.at(-1)!.data).toMatchObject({ instanceId: 'o-1', workflow: 'order', status: 'COMPLETED', output: { charge: { paid: 10 }, wait: { parcel: 7 } } });
    const stored = await t.engine.store.readEvents(0, 10);
    expect(stored.map((e) => e.id)).toEqual(stored.map((e) => `o-1:1:${e.id.split(':')[2]}`));
  });

  it('say how an instance failed, was cancelled, terminated or timed out', async () => {
    t = await testEngine({ charge: () => Promise.reject(named('CardDeclined', 'declined')) });
    await t.register(quick, order.replace('name: order', 'name: slow').replace('task: charge', 'task: slowCharge'));
    await t.engine.registerHandler('slowCharge', () => ({}));
    await t.run('quick', {}, 'q-1');
    await t.run('slow', {}, 's-1');
    await t.run('slow', {}, 's-2');
    await t.run('slow', {}, 's-3');
    await t.engine.lifecycle('s-1', 'cancel');
    await t.engine.lifecycle('s-2', 'terminate');
    await t.advance(3_600_000);
    const ends = (await feed()).filter((e) => e.type !== 'segue.instance.started');
    expect(ends.map((e) => [e.instanceId, e.type])).toEqual([
      ['q-1', 'segue.instance.failed'],
      ['s-1', 'segue.instance.cancelled'],
      ['s-2', 'segue.instance.terminated'],
      ['s-3', 'segue.instance.failed'],
    ]);
    expect(ends[0]!.data).toMatchObject({ status: 'FAILED', error: { error: 'CardDeclined', message: 'declined' } });
  });

  it('include the steps only while asked for', async () => {
    t = await testEngine({ charge: () => ({}) });
    await t.register(quick);
    await t.run('quick', {}, 'q-1');
    t.engine.runtime.stepEvents = true;
    await t.run('quick', {}, 'q-2');
    expect((await feed()).map((e) => [e.instanceId, e.type, e.step ?? ''])).toEqual([
      ['q-1', 'segue.instance.started', ''],
      ['q-1', 'segue.instance.completed', ''],
      ['q-2', 'segue.instance.started', ''],
      ['q-2', 'segue.step.started', 'charge'],
      ['q-2', 'segue.step.completed', 'charge'],
      ['q-2', 'segue.instance.completed', ''],
    ]);
  });
});
