/**
 * Durations and times at their bounds: whatever a definition, an input or a worker's output gives,
 * every time the engine computes is a date, or the step fails saying why.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, MAX_TIME_MS, isTime } from '../../definitions/duration.js';
import type { Json } from '../../definitions/model.js';
import { retryDelayMs } from '../../core/retry.js';
import { named, settle, testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

const UNTIL = `
name: until
steps:
  - { name: wait, type: delay, until: "\${ t }" }
  - { name: done, type: succeed }
`;

describe('delay until a computed time', () => {
  it.each([
    ['far past the date range', 1e300, '1e+300'],
    ['far before it', -1e300, '-1e+300'],
    ['one past its end', MAX_TIME_MS + 1, '8640000000000001'],
  ])('fails the step with ExpressionError for a time %s, while other instances go on', async (_, time, shown) => {
    t = await testEngine();
    await t.register(UNTIL);
    const bad = await t.engine.startInstance('until', { input: { t: time } });
    const good = await t.engine.startInstance('until', { input: { t: t.clock.now() + 60_000 } });
    await t.advance(60_000);
    const failed = await t.engine.getInstance(bad.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toEqual({
      error: 'ExpressionError',
      step: 'wait',
      message: `expression "t" failed: "until" must give an ISO time like 2026-01-31T09:00:00Z, or epoch milliseconds within ±8.64e15 (the date range), got ${shown}`,
    });
    expect((await t.engine.getInstance(good.id)).status).toBe('COMPLETED');
  });

  it('waits until the last time of the date range', async () => {
    t = await testEngine();
    await t.register(UNTIL);
    const view = await t.engine.getInstance(await t.run('until', { t: MAX_TIME_MS }));
    expect(view.status).toBe('RUNNING');
    expect((await t.engine.history(view.id)).find((e) => e.type === 'TimerStarted')?.details).toEqual({ dueAt: '+275760-09-13T00:00:00.000Z' });
  });

  it('fails the step when the time comes from a worker: the result is taken, and applied', async () => {
    t = await testEngine();
    await t.register(`
name: worked
steps:
  - { name: ask, type: task, task: ask }
  - { name: wait, type: delay, until: "\${ ask.t }" }
`);
    const { id } = await t.engine.startInstance('worked');
    const [task] = await t.engine.tasks.poll({ queues: ['ask'] });
    await t.engine.tasks.complete(task!.token, { t: 1e300 });
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('FAILED');
    expect(view.error).toMatchObject({ error: 'ExpressionError', step: 'wait' });
    expect(view.data).toEqual({ ask: { t: 1e300 } });
  });

  it('does not repeat a huge text it was given in its message', async () => {
    t = await testEngine();
    await t.register(UNTIL);
    const view = await t.engine.getInstance(await t.run('until', { t: 'x'.repeat(100_000) }));
    expect(view.error?.message).toMatch(/got "x{60}… \(100000 chars\)"$/);
  });
});

describe('durations', () => {
  it('bounds them at 36500 days, inside the date range from any time now', () => {
    expect(MAX_DURATION_MS).toBe(36_500 * 86_400_000);
    expect(isTime(Date.parse('2300-01-01T00:00:00Z') + 100 * MAX_DURATION_MS)).toBe(true);
  });

  it('runs a definition registered before durations were bounded as if it held the bound', async () => {
    t = await testEngine();
    const definition: Json = {
      name: 'legacy',
      timeout: '999999999999w',
      steps: [
        { name: 'work', type: 'task', task: 'work', timeout: '999999999999w', heartbeat: '999999999998w' },
        { name: 'nap', type: 'delay', duration: '999999999999w' },
      ],
    };
    // As an older version stored it, without today's validation.
    await t.engine.store.putDefinition({ name: 'legacy', version: 1, hash: 'old', source: JSON.stringify(definition), definition, createdAt: 0 });
    const { id } = await t.engine.startInstance('legacy');
    const [task] = await t.engine.tasks.poll({ queues: ['work'] });
    expect(Date.parse(task!.deadline) - t.clock.now()).toBe(MAX_DURATION_MS);
    expect(Date.parse((await t.engine.tasks.heartbeat(task!.token)).deadline) - t.clock.now()).toBe(MAX_DURATION_MS);
    await t.engine.tasks.complete(task!.token, {});
    const history = await t.engine.history(id);
    expect(history.find((e) => e.type === 'TimerStarted')?.details).toEqual({ dueAt: new Date(t.clock.now() + MAX_DURATION_MS).toISOString() });
    expect((await t.engine.getInstance(id)).current).toEqual([expect.objectContaining({ step: 'nap', waiting: 'delay' })]);
  });

  it('grows a zero retry interval to zero however large the coefficient, not to NaN', () => {
    const policy = { maxAttempts: 0, initialIntervalMs: 0, backoffCoefficient: 1e308, maxIntervalMs: 0, jitter: 0, nonRetryable: [] };
    expect([1, 2, 3, 2000].map((attempt) => retryDelayMs(policy, attempt, 0.5))).toEqual([0, 0, 0, 0]);
    const growing = { ...policy, initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 60_000 };
    expect([1, 2, 7, 2000].map((attempt) => retryDelayMs(growing, attempt, 0))).toEqual([1_000, 2_000, 60_000, 60_000]);
  });

  it('retries at once, attempt after attempt, with a zero interval and a huge coefficient', async () => {
    t = await testEngine({ flaky: () => Promise.reject(named('Flaky')) });
    await t.register(`
name: flaky
steps:
  - { name: call, type: task, task: flaky, retry: { maxAttempts: 5, initialInterval: 0s, backoffCoefficient: 1e308 } }
`);
    const view = await t.engine.getInstance(await t.run('flaky'));
    expect(view.status).toBe('FAILED');
    expect(t.calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a schedule whose catchupWindow is longer than the bound', async () => {
    t = await testEngine();
    await t.register('name: nightly\nsteps:\n  - { name: done, type: succeed }\n');
    await expect(t.engine.schedules.create({ workflow: 'nightly', cron: '0 2 * * *', catchupWindow: '999999999999w' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'catchupWindow "999999999999w" is longer than the 36500d (about 100 years) a duration may be; make it shorter',
    });
  });

  it('refuses a start time outside the date range, creating nothing', async () => {
    t = await testEngine();
    await t.register('name: later\nsteps:\n  - { name: done, type: succeed }\n');
    await expect(t.engine.startInstance('later', { id: 'never', startAt: 1e300 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'startAt 1e+300 is not a time; give epoch milliseconds within the date range (±8.64e15)',
    });
    expect(await t.engine.store.getInstance('never')).toBeNull();
  });
});

describe('an http step with a timeout longer than a Node timer can wait', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('waits for the answer instead of timing out at once', async () => {
    server = createServer((_, res) => void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 50));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
    t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1'] } } });
    await t.register(`
name: patient
steps:
  - { name: call, type: http, url: "${url}", timeout: 30d, result: "\${ $result.body }" }
`);
    const { id } = await t.engine.startInstance('patient');
    await settle(t, id);
    const view = await t.engine.getInstance(id);
    expect(view.error).toBeNull();
    expect(view.output).toEqual({ call: { ok: true } });
  });
});
