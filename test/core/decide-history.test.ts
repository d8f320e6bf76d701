/**
 * What the history records for a step inspector: a task's evaluated input and time limits, a
 * step's result whole up to `historyValueChars` and summarised beyond, and where a nested frame
 * runs (map item, parallel branch).
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../core/decide.js';
import type { HistoryEvent } from '../../core/model.js';
import { T0, fresh, options, plan, run } from './harness.js';

const ship = plan(`
name: ship
steps:
  - name: ship
    type: task
    task: ship
    timeout: 2m
    heartbeat: 30s
    input: { id: "\${ order.id }", total: "\${ order.total * 2 }" }
`);

const nested = plan(`
name: nested
steps:
  - name: each
    type: map
    items: orders
    steps:
      - name: both
        type: parallel
        branches:
          - { name: left, steps: [{ name: pack, type: task, task: pack }] }
          - { name: right, steps: [{ name: label, type: set, values: { labelled: true } }] }
`);

const detailsOf = (history: HistoryEvent[], type: string, step: string): unknown[] =>
  history.filter((e) => e.type === type && e.step === step).map((e) => e.details);

describe('the history a step inspector reads', () => {
  it("records a task's evaluated input and its time limit and heartbeat", async () => {
    const started = await run(ship, { order: { id: 'o-1', total: 21 } });
    expect(detailsOf(started.history, 'TaskScheduled', 'ship')).toEqual([
      { task: 'ship', taskId: 'i1:1:t1', attempt: 1, timeoutMs: 120_000, heartbeatMs: 30_000, input: { id: 'o-1', total: 42 } },
    ]);
  });

  it('records a result whole up to the limit, and a summary marked as such beyond it', async () => {
    const started = await run(ship, { order: { id: 'o-1', total: 1 } });
    const small = { tracking: 'x'.repeat(1_000) };
    // decide takes ownership of the state it is given: each decision gets its own copy.
    const done = await decide(ship, structuredClone(started.record), { type: 'taskCompleted', taskId: 'i1:1:t1', output: small }, options(T0 + 1_000));
    expect(detailsOf(done.history, 'StepCompleted', 'ship')).toEqual([{ result: small }]);

    const large = 'y'.repeat(30);
    const tight = { ...options(T0 + 1_000), historyValueChars: 20 };
    const summarised = await decide(ship, structuredClone(started.record), { type: 'taskCompleted', taskId: 'i1:1:t1', output: large }, tight);
    expect(detailsOf(summarised.history, 'StepCompleted', 'ship')).toEqual([{ result: `${'y'.repeat(20)}… (30 chars)`, summarised: true }]);
    // The data keeps the whole result whatever the history keeps.
    expect(summarised.record.state.data).toMatchObject({ ship: large });
  });

  it('summarises a large task input too', async () => {
    const started = await decide(ship, fresh(ship, { order: { id: 'o'.repeat(50), total: 1 } }), { type: 'start' }, { ...options(T0), historyValueChars: 30 });
    const [details] = detailsOf(started.history, 'TaskScheduled', 'ship') as Record<string, unknown>[];
    expect(details).toMatchObject({ summarised: true, input: '{an object with 2 fields: id, total}' });
  });

  it('names the map item and the branch a nested step runs in, outermost first', async () => {
    const started = await run(nested, { orders: [{ n: 1 }, { n: 2 }] });
    expect(detailsOf(started.history, 'StepStarted', 'each')).toEqual([undefined]);
    expect(detailsOf(started.history, 'StepStarted', 'both')).toEqual([{ path: [{ step: 'each', item: 0 }] }, { path: [{ step: 'each', item: 1 }] }]);
    expect(detailsOf(started.history, 'StepStarted', 'pack')).toEqual([
      { path: [{ step: 'each', item: 0 }, { step: 'both', branch: 'left' }] },
      { path: [{ step: 'each', item: 1 }, { step: 'both', branch: 'left' }] },
    ]);
  });
});
