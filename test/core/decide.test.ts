/** decide on its own: no store, no clock, no handlers — records in, records and commands out. */
import { describe, expect, it } from 'vitest';
import { decide } from '../../core/decide.js';
import { fresh, options, plan, T0 } from './harness.js';

const twoTasks = plan(`
name: pair
steps:
  - { name: a, type: task, task: ta, input: { n: "\${ n }" }, timeout: 30s }
  - { name: b, type: task, task: tb, retry: { maxAttempts: 2, initialInterval: 5s } }
`);

describe('decide', () => {
  it('starts a run: history, a task for the first step, the next rev', async () => {
    const out = await decide(twoTasks, fresh(twoTasks, { n: 7 }), { type: 'start' }, options(T0));
    expect(out.record.status).toBe('RUNNING');
    expect(out.record.rev).toBe(1);
    expect(out.commands).toEqual([
      {
        type: 'scheduleTask',
        task: { id: 'i1:1:t1', step: 'a', type: 'ta', queue: 'ta', input: { n: 7 }, attempt: 1, timeoutMs: 30_000, heartbeatMs: null },
      },
    ]);
    expect(out.history.map((e) => [e.seq, e.type, e.step])).toEqual([
      [1, 'InstanceStarted', undefined],
      [2, 'StepStarted', 'a'],
      [3, 'TaskScheduled', 'a'],
    ]);
  });

  it('moves on when the awaited task completes, and ignores a result nobody waits for', async () => {
    const started = await decide(twoTasks, fresh(twoTasks, { n: 1 }), { type: 'start' }, options(T0));
    const done = await decide(twoTasks, started.record, { type: 'taskCompleted', taskId: 'i1:1:t1', output: { ok: 1 } }, options(T0 + 10));
    expect(done.commands.map((c) => c.type)).toEqual(['removeTask', 'scheduleTask']);
    expect(done.record.state.frames.root!.data).toEqual({ n: 1, a: { ok: 1 } });
    const stale = await decide(twoTasks, done.record, { type: 'taskCompleted', taskId: 'i1:1:t1', output: {} }, options(T0 + 20));
    expect(stale.outcome).toEqual({ kind: 'stale', reason: 'task i1:1:t1 is no longer awaited' });
    expect(stale.commands).toEqual([]);
    expect(stale.history).toEqual([]);
  });

  it('asks for a retry timer at now + interval, then a new attempt when it fires', async () => {
    let r = await decide(twoTasks, fresh(twoTasks, {}), { type: 'start' }, options(T0));
    r = await decide(twoTasks, r.record, { type: 'taskCompleted', taskId: 'i1:1:t1', output: {} }, options(T0));
    r = await decide(twoTasks, r.record, { type: 'taskFailed', taskId: 'i1:1:t2', error: { error: 'E', message: 'm' } }, options(T0 + 100));
    const timer = r.commands.find((c) => c.type === 'startTimer');
    expect(timer).toMatchObject({ type: 'startTimer', dueAt: T0 + 100 + 5_000 });
    const timerId = (timer as { timerId: string }).timerId;
    r = await decide(twoTasks, r.record, { type: 'timerFired', timerId }, options(T0 + 5_100));
    expect(r.commands).toEqual([expect.objectContaining({ type: 'scheduleTask', task: expect.objectContaining({ step: 'b', attempt: 2 }) })]);
  });

  it('is deterministic: the same inputs give the same outputs', async () => {
    const run = async () => {
      let r = await decide(twoTasks, fresh(twoTasks, { n: 2 }), { type: 'start' }, options(T0));
      r = await decide(twoTasks, r.record, { type: 'taskFailed', taskId: 'i1:1:t1', error: { error: 'X', message: '' } }, options(T0 + 1));
      return r;
    };
    expect(await run()).toEqual(await run());
  });

  it('refuses every progress input once the run is terminal', async () => {
    let r = await decide(twoTasks, fresh(twoTasks, {}), { type: 'start' }, options(T0));
    r = await decide(twoTasks, r.record, { type: 'terminate' }, options(T0));
    expect(r.record.status).toBe('TERMINATED');
    expect(r.commands).toEqual([{ type: 'removeTask', taskId: 'i1:1:t1' }]);
    for (const input of [{ type: 'event', event: 'x', payload: null }, { type: 'cancel' }, { type: 'resume' }] as const) {
      const again = await decide(twoTasks, r.record, input, options(T0));
      expect(again.outcome.kind).toBe('stale');
    }
  });

  it('records open event waits with their correlation keys on the record', async () => {
    const p = plan(`
name: w
steps:
  - { name: hold, type: wait, event: paid, correlate: "order.id", timeout: 1d }
`);
    const r = await decide(p, fresh(p, { order: { id: 42 } }), { type: 'start' }, options(T0));
    expect(r.record.waits).toEqual([{ event: 'paid', key: '42' }]);
    expect(r.commands).toEqual([expect.objectContaining({ type: 'startTimer', dueAt: T0 + 86_400_000 })]);
  });
});
