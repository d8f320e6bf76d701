/** decide() for a retry with edits: from another step, with a merge patch, on another version's plan. */
import { describe, expect, it } from 'vitest';
import { decide } from '../../core/decide.js';
import { mergePatch } from '../../core/data.js';
import { events, options, plan, run, T0 } from './harness.js';

const V1 = plan(`name: order
steps:
  - { name: price, type: set, values: { total: "\${ amount * 2 }" } }
  - { name: charge, type: task, task: pay, input: { total: "\${ total }" } }
`);
// Version 2: another first step, the same charge.
const V2 = { ...plan(`name: order
steps:
  - { name: price, type: set, values: { total: "\${ amount * 3 }" } }
  - { name: charge, type: task, task: pay, input: { total: "\${ total }" } }
  - { name: thanks, type: set, values: { thanked: true } }
`), version: 2 };

async function failed() {
  const started = await run(V1, { amount: 1 });
  const task = started.commands.find((c) => c.type === 'scheduleTask')!;
  const taskId = task.type === 'scheduleTask' ? task.task.id : '';
  const result = await decide(V1, started.record, { type: 'taskFailed', taskId, error: { error: 'Declined', message: 'no' } }, options(T0 + 1_000));
  expect(result.record.status).toBe('FAILED');
  return result.record;
}

describe('retry with edits', () => {
  it('goes on from the step asked for, with the patched data, and records what was asked', async () => {
    const result = await decide(V1, await failed(), { type: 'retry', from: 'price', patch: { amount: 5, gone: null }, by: 'ops' }, options(T0 + 2_000));
    expect(result.record.status).toBe('RUNNING');
    expect(events(result)).toEqual(['InstanceRetried price', 'StepStarted price', 'StepCompleted price', 'StepStarted charge', 'TaskScheduled charge']);
    expect(result.history[0]!.details).toEqual({ from: 'price', failedAt: 'charge', patch: { amount: 5, gone: null }, by: 'ops' });
    const task = result.commands.find((c) => c.type === 'scheduleTask');
    expect(task?.type === 'scheduleTask' && task.task.input).toEqual({ total: 10 });
  });

  it('moves the instance to the plan it is given when the retry names that version', async () => {
    const result = await decide(V2, await failed(), { type: 'retry', from: 'price', version: 2 }, options(T0 + 2_000));
    expect(result.record.version).toBe(2);
    const task = result.commands.find((c) => c.type === 'scheduleTask');
    expect(task?.type === 'scheduleTask' && task.task.input).toEqual({ total: 3 });
  });

  it('refuses a step the plan does not have at its top level, changing nothing', async () => {
    const record = await failed();
    const result = await decide(V1, record, { type: 'retry', from: 'thanks', version: 2 }, options(T0 + 2_000));
    expect(result.outcome).toEqual({ kind: 'stale', reason: 'workflow order version 1 has no step "thanks" at the top level to retry from' });
    expect(result.record).toMatchObject({ status: 'FAILED', version: 1 });
  });

  it('merges a patch as RFC 7396 says: null removes, objects merge, the rest replaces', () => {
    const data = { a: 1, b: { c: 2, d: [1] }, e: 'x' };
    expect(mergePatch(data, { a: null, b: { c: 3, d: [2] }, f: { g: 1 } })).toEqual({ b: { c: 3, d: [2] }, e: 'x', f: { g: 1 } });
    expect(data).toEqual({ a: 1, b: { c: 2, d: [1] }, e: 'x' });
    // A "__proto__" key is data: the merged object keeps its prototype.
    const merged = mergePatch({ a: 1 }, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(merged.polluted).toBeUndefined();
  });
});
