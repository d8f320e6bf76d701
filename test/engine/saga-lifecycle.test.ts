import { afterEach, describe, expect, it } from 'vitest';
import type { TaskHandler } from '../../engine/local-workers.js';
import { echo, named, testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

const trip = `
name: trip
steps:
  - name: flight
    type: task
    task: book
    input: { what: flight }
    compensate: { task: undo, input: { undo: "\${ flight.ref }" } }
  - name: hotel
    type: task
    task: book
    input: { what: hotel }
    compensate: { task: undo, input: { undo: "\${ hotel.ref }" }, retry: { maxAttempts: 2, initialInterval: 1s } }
  - name: extras
    type: parallel
    branches:
      - name: car
        steps:
          - name: car
            type: task
            task: book
            input: { what: car }
            compensate: { task: undo, input: { undo: "\${ car.ref }" } }
    compensate: { task: undo, input: { undo: extras } }
  - name: pay
    type: task
    task: charge
`;

function booking(): Record<string, TaskHandler> {
  return {
    book: (input) => ({ ref: `${(input as { what: string }).what}-1` }),
    charge: () => Promise.reject(named('CardDeclined', 'declined')),
    undo: echo(),
  };
}

describe('compensation', () => {
  it('runs registered compensations in reverse completion order when the workflow fails', async () => {
    t = await testEngine(booking());
    await t.register(trip);
    const id = await t.run('trip');
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('FAILED');
    expect(view.error).toMatchObject({ error: 'CardDeclined', step: 'pay' });
    const undone = t.calls.filter((c) => c.type === 'undo').map((c) => (c.input as { undo: string }).undo);
    expect(undone).toEqual(['extras', 'car-1', 'hotel-1', 'flight-1']);
    const history = await t.engine.history(id);
    expect(history.filter((e) => e.type === 'CompensationCompleted').map((e) => e.step)).toEqual(['extras', 'car', 'hotel', 'flight']);
  });

  it('retries a failing compensation, still runs the rest, and lists every failure', async () => {
    const handlers = booking();
    handlers.undo = (input) => {
      const what = (input as { undo: string }).undo;
      if (what === 'hotel-1' || what === 'car-1') throw named('UndoFailed', `could not undo ${what}`);
      return {};
    };
    t = await testEngine(handlers);
    await t.register(trip);
    const id = await t.run('trip');
    await t.advance(1_000); // the hotel compensation's retry
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('FAILED');
    expect(view.error?.error).toBe('CardDeclined');
    expect(view.error?.message).toContain('2 compensations failed');
    expect(view.error?.errors).toEqual([
      { error: 'CardDeclined', message: 'declined', step: 'pay' },
      { error: 'UndoFailed', message: 'could not undo car-1', step: 'car' },
      { error: 'UndoFailed', message: 'could not undo hotel-1', step: 'hotel' },
    ]);
    const undone = t.calls.filter((c) => c.type === 'undo').map((c) => `${(c.input as { undo: string }).undo}#${c.attempt}`);
    expect(undone).toEqual(['extras#1', 'car-1#1', 'hotel-1#1', 'hotel-1#2', 'flight-1#1']);
  });

  it('runs compensations at a compensate step and then goes on', async () => {
    t = await testEngine(booking());
    await t.register(`
name: undo-then-go
steps:
  - name: flight
    type: task
    task: book
    input: { what: flight }
    compensate: { task: undo, input: { undo: "\${ flight.ref }" } }
  - { name: rollback, type: compensate }
  - { name: after, type: set, values: { continued: true } }
`);
    const view = await t.engine.getInstance(await t.run('undo-then-go'));
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toMatchObject({ continued: true });
    expect(t.calls.map((c) => c.type)).toEqual(['book', 'undo']);
  });

  it('runs compensations when a running instance is cancelled, then ends CANCELLED', async () => {
    t = await testEngine({ book: booking().book!, undo: echo() });
    await t.register(trip.replace('task: charge', 'task: never.answered'));
    const id = await t.run('trip');
    await t.engine.lifecycle(id, 'cancel', 'changed plans');
    await t.engine.runUntilIdle();
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('CANCELLED');
    expect(view.error).toEqual({ error: 'Cancelled', message: 'changed plans' });
    expect(t.calls.filter((c) => c.type === 'undo')).toHaveLength(4);
    expect(await t.engine.store.countQueued()).toEqual({});
  });
});

describe('lifecycle', () => {
  const two = `
name: two
steps:
  - { name: a, type: task, task: ext }
  - { name: b, type: wait, event: go }
`;

  it('terminate ends at once: no compensation, pending tasks withdrawn', async () => {
    t = await testEngine({ book: booking().book!, undo: echo() });
    await t.register(trip.replace('task: charge', 'task: never.answered'));
    const id = await t.run('trip');
    await t.engine.lifecycle(id, 'terminate', 'stop now');
    await t.engine.runUntilIdle();
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('TERMINATED');
    expect(t.calls.filter((c) => c.type === 'undo')).toHaveLength(0);
    expect(await t.engine.store.countQueued()).toEqual({});
  });

  it('a suspended instance takes no step; results and events that arrive are applied on resume', async () => {
    t = await testEngine();
    await t.register(two);
    const view = await t.engine.startInstance('two');
    const [task] = await t.engine.tasks.poll({ queues: ['ext'] });
    await t.engine.lifecycle(view.id, 'suspend');
    await t.engine.tasks.complete(task!.token, { r: 1 });
    await t.engine.raiseEvent(view.id, 'go', { g: 1 });
    let now = await t.engine.getInstance(view.id);
    expect(now.status).toBe('SUSPENDED');
    expect(now.current).toMatchObject([{ step: 'a', waiting: 'task' }]);
    await t.engine.lifecycle(view.id, 'resume');
    now = await t.engine.getInstance(view.id);
    expect(now.status).toBe('COMPLETED');
    expect(now.output).toEqual({ a: { r: 1 }, b: { g: 1 } });
  });

  it('retry goes on from the failed step with the data as it was', async () => {
    let broken = true;
    t = await testEngine({
      first: () => ({ one: 1 }),
      second: () => (broken ? Promise.reject(named('Down')) : { two: 2 }),
    });
    await t.register(`
name: retryable
steps:
  - { name: s1, type: task, task: first }
  - { name: s2, type: task, task: second }
`);
    const id = await t.run('retryable');
    expect((await t.engine.getInstance(id)).status).toBe('FAILED');
    broken = false;
    await t.engine.lifecycle(id, 'retry');
    await t.engine.runUntilIdle();
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toEqual({ s1: { one: 1 }, s2: { two: 2 } });
    expect(t.calls.map((c) => c.type)).toEqual(['first', 'second', 'second']);
    await expect(t.engine.lifecycle(id, 'retry')).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('ends TIMED_OUT past the workflow timeout', async () => {
    t = await testEngine();
    await t.register(`
name: bounded
timeout: 1h
steps:
  - { name: forever, type: wait, event: never }
`);
    const id = await t.run('bounded');
    await t.advance(3_600_000);
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('TIMED_OUT');
    expect(view.error?.error).toBe('Timeout');
  });

  it('stays PENDING until startAt, and can be cancelled before it starts', async () => {
    t = await testEngine({ ext: echo() });
    await t.register(two);
    const later = await t.engine.startInstance('two', { startAt: t.clock.now() + 60_000 });
    const never = await t.engine.startInstance('two', { startAt: t.clock.now() + 60_000 });
    expect(later.status).toBe('PENDING');
    await t.engine.lifecycle(never.id, 'cancel');
    await t.advance(59_999);
    expect((await t.engine.getInstance(later.id)).status).toBe('PENDING');
    await t.advance(1);
    expect((await t.engine.getInstance(later.id)).current).toMatchObject([{ step: 'b', waiting: 'event' }]);
    expect((await t.engine.getInstance(never.id)).status).toBe('CANCELLED');
    expect(t.calls).toHaveLength(1);
  });

  it('purges only finished instances, with their history', async () => {
    t = await testEngine();
    await t.register(two);
    const id = await t.run('two');
    await expect(t.engine.purge(id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await t.engine.lifecycle(id, 'terminate');
    await t.engine.purge(id);
    await expect(t.engine.getInstance(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.engine.store.readHistory(id, 1)).toEqual([]);
  });

  it('starting twice with one id is idempotent for the same input and a conflict otherwise', async () => {
    t = await testEngine();
    await t.register(two);
    const a = await t.engine.startInstance('two', { id: 'order-7', input: { x: 1 } });
    const b = await t.engine.startInstance('two', { id: 'order-7', input: { x: 1 } });
    expect(b.id).toBe(a.id);
    await expect(t.engine.startInstance('two', { id: 'order-7', input: { x: 2 } })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
