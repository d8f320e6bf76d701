import { afterEach, describe, expect, it } from 'vitest';
import { echo, named, testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

describe('task chaining and data placement', () => {
  it('passes data through tasks, placing results under the step name, an output path, or nowhere', async () => {
    t = await testEngine({
      'inventory.reserve': (input) => ({ reservation: `R-${(input as { orderId: string }).orderId}` }),
      'payments.charge': () => ({ charged: 42 }),
      'audit.log': () => ({ ignored: true }),
    });
    await t.register(`
name: order
steps:
  - name: reserve
    type: task
    task: inventory.reserve
    input: { orderId: "\${ orderId }" }
  - name: charge
    type: task
    task: payments.charge
    output: payment.result
    result: "\${ $result.charged * 2 }"
  - name: audit
    type: task
    task: audit.log
    output: none
`);
    const id = await t.run('order', { orderId: 'A-1' });
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toEqual({ orderId: 'A-1', reserve: { reservation: 'R-A-1' }, payment: { result: 84 } });
    expect(t.calls.map((c) => c.type)).toEqual(['inventory.reserve', 'payments.charge', 'audit.log']);
    expect(t.calls[0]!.input).toEqual({ orderId: 'A-1' });
    // Without an `input` template a task receives the whole data.
    expect(t.calls[2]!.input).toEqual({ orderId: 'A-1', reserve: { reservation: 'R-A-1' }, payment: { result: 84 } });
  });

  it('jumps with next, ends early with next: end, and gives $input and $instance to expressions', async () => {
    t = await testEngine({ work: echo() });
    await t.register(`
name: jumps
steps:
  - name: first
    type: set
    values: { who: "\${ $instance.workflow }", original: "\${ $input.n }" }
    next: third
  - name: back
    type: set
    values: { looped: true }
    next: end
  - name: third
    type: set
    values: { n: "\${ n + 1 }" }
    next: back
`);
    const id = await t.run('jumps', { n: 1 });
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toEqual({ n: 2, who: 'jumps', original: 1, looped: true });
  });
});

describe('choice, succeed and fail', () => {
  const yaml = `
name: route
steps:
  - name: decide
    type: choice
    choices:
      - when: amount > 1000
        next: big
      - when: "\${ amount > 100 }"
        next: medium
    otherwise: small
  - name: big
    type: fail
    error: TooBig
    message: "amount \${ amount } is over the limit"
  - name: medium
    type: succeed
    output: { size: medium, amount: "\${ amount }" }
  - name: small
    type: set
    values: { size: small }
`;
  it.each([
    [5000, 'FAILED', null, { error: 'TooBig', message: 'amount 5000 is over the limit', step: 'big' }],
    [500, 'COMPLETED', { size: 'medium', amount: 500 }, null],
    [5, 'COMPLETED', { amount: 5, size: 'small' }, null],
  ])('amount %s ends %s', async (amount, status, output, error) => {
    t = await testEngine();
    await t.register(yaml);
    const view = await t.engine.getInstance(await t.run('route', { amount }));
    expect(view.status).toBe(status);
    expect(view.output).toEqual(output);
    expect(view.error).toEqual(error);
  });

  it('falls through to the next step when no choice matches and there is no otherwise', async () => {
    t = await testEngine();
    await t.register(`
name: fallthrough
steps:
  - name: pick
    type: choice
    choices: [{ when: "false", next: other }]
  - name: mark
    type: set
    values: { fell: true }
    next: end
  - name: other
    type: set
    values: { other: true }
`);
    const view = await t.engine.getInstance(await t.run('fallthrough'));
    expect(view.output).toEqual({ fell: true });
  });

  it('fails a run whose set/choice loop never waits, naming the limit', async () => {
    t = await testEngine({}, { maxStepsPerInput: 50 });
    await t.register(`
name: spin
steps:
  - name: again
    type: set
    values: { n: "\${ $exists(n) ? n + 1 : 1 }" }
    next: again
`);
    const view = await t.engine.getInstance(await t.run('spin'));
    expect(view.status).toBe('FAILED');
    expect(view.error?.error).toBe('StepLimitExceeded');
    expect(view.error?.message).toContain('more than 50 steps ran one after another without waiting for anything (last step "again")');
  });

  it('turns an expression that fails at run time into a catchable ExpressionError', async () => {
    t = await testEngine({ work: echo() });
    await t.register(`
name: badexpr
steps:
  - name: call
    type: task
    task: work
    input: { x: "\${ $number('not a number') }" }
    catch:
      - errors: [ExpressionError]
        next: handled
  - name: handled
    type: succeed
    output: "\${ error }"
`);
    const view = await t.engine.getInstance(await t.run('badexpr'));
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toMatchObject({ error: 'ExpressionError', step: 'call' });
    expect(t.calls).toHaveLength(0);
  });
});

describe('retry and catch', () => {
  it('retries with exponential backoff on the injected clock, then succeeds', async () => {
    let failures = 2;
    t = await testEngine({
      flaky: () => {
        if (failures-- > 0) throw named('Unavailable', 'try later');
        return { ok: true };
      },
    });
    await t.register(`
name: retrying
steps:
  - name: call
    type: task
    task: flaky
    retry: { maxAttempts: 5, initialInterval: 10s, backoffCoefficient: 3 }
`);
    const id = await t.run('retrying');
    expect((await t.engine.getInstance(id)).current).toEqual([{ step: 'call', waiting: 'retry', attempt: 1 }]);
    await t.advance(9_999);
    expect(t.calls).toHaveLength(1);
    await t.advance(1);
    expect(t.calls.map((c) => c.attempt)).toEqual([1, 2]);
    await t.advance(29_999); // second interval is 10s × 3
    expect(t.calls).toHaveLength(2);
    await t.advance(1);
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(t.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    const history = await t.engine.history(id);
    expect(history.filter((e) => e.type === 'RetryScheduled').map((e) => e.details)).toEqual([
      { attempt: 2, delayMs: 10_000 },
      { attempt: 3, delayMs: 30_000 },
    ]);
  });

  it('caps the interval at maxInterval and applies jitter downwards', async () => {
    t = await testEngine({ fail: () => Promise.reject(named('Boom')) }, { random: () => 0.5 });
    await t.register(`
name: capped
steps:
  - name: call
    type: task
    task: fail
    retry: { maxAttempts: 4, initialInterval: 1s, backoffCoefficient: 10, maxInterval: 15s, jitter: 0.2 }
`);
    const id = await t.run('capped');
    await t.advance(60_000);
    await t.advance(60_000);
    await t.advance(60_000);
    const delays = (await t.engine.history(id)).filter((e) => e.type === 'RetryScheduled').map((e) => (e.details as { delayMs: number }).delayMs);
    expect(delays).toEqual([900, 9_000, 13_500]);
    expect((await t.engine.getInstance(id)).status).toBe('FAILED');
  });

  it('does not retry nonRetryable errors or errors a worker marks retryable: false', async () => {
    t = await testEngine({
      declined: () => Promise.reject(named('CardDeclined')),
      fatal: () => Promise.reject(named('Broken', 'no use retrying', false)),
    });
    await t.register(`
name: nonretry
steps:
  - name: charge
    type: task
    task: declined
    retry: { maxAttempts: 5, initialInterval: 1s, nonRetryable: [CardDeclined] }
    catch: [{ errors: [CardDeclined], next: second, output: failure }]
  - name: second
    type: task
    task: fatal
    retry: { maxAttempts: 5, initialInterval: 1s }
`);
    const id = await t.run('nonretry');
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('FAILED');
    expect(view.error).toEqual({ error: 'Broken', message: 'no use retrying', step: 'second' });
    expect(view.data).toMatchObject({ failure: { error: 'CardDeclined', step: 'charge' } });
    expect(t.calls.map((c) => c.type)).toEqual(['declined', 'fatal']);
  });

  it('retries without limit when maxAttempts is 0', async () => {
    let n = 0;
    t = await testEngine({ eventually: () => (++n < 8 ? Promise.reject(named('NotYet')) : { n }) });
    await t.register(`
name: unlimited
steps:
  - name: call
    type: task
    task: eventually
    retry: { maxAttempts: 0, initialInterval: 1s, backoffCoefficient: 1 }
`);
    const id = await t.run('unlimited');
    for (let i = 0; i < 7; i += 1) await t.advance(1_000);
    expect((await t.engine.getInstance(id)).output).toEqual({ call: { n: 8 } });
  });

  it('catches with "*", stores $error at the catch output and exposes $error to later steps', async () => {
    t = await testEngine({ boom: () => Promise.reject(named('Weird', 'odd thing')) });
    await t.register(`
name: catching
steps:
  - name: call
    type: task
    task: boom
    catch:
      - errors: [Other]
        next: end
      - errors: ["*"]
        next: recover
        output: problem.detail
  - name: recover
    type: set
    values: { recovered: "\${ $error.error & ' at ' & $error.step }" }
`);
    const view = await t.engine.getInstance(await t.run('catching'));
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toEqual({ problem: { detail: { error: 'Weird', message: 'odd thing', step: 'call' } }, recovered: 'Weird at call' });
  });
});

describe('task timeouts and stale results', () => {
  it('times out an attempt whose lease expires, retries it, and refuses the late result', async () => {
    t = await testEngine();
    await t.register(`
name: slow
steps:
  - name: call
    type: task
    task: slow.work
    timeout: 30s
    retry: { maxAttempts: 2, initialInterval: 1s }
`);
    const view = await t.engine.startInstance('slow');
    const [first] = await t.engine.tasks.poll({ queues: ['slow.work'], worker: 'w1' });
    expect(first!.attempt).toBe(1);
    await t.advance(30_000);
    const history = await t.engine.history(view.id);
    expect(history.map((e) => e.type)).toContain('TaskTimedOut');
    await t.advance(1_000);
    const [second] = await t.engine.tasks.poll({ queues: ['slow.work'], worker: 'w2' });
    expect(second!.attempt).toBe(2);
    await expect(t.engine.tasks.complete(first!.token, { late: true })).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    await t.engine.tasks.complete(second!.token, { onTime: true });
    await expect(t.engine.tasks.complete(second!.token, { twice: true })).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    const done = await t.engine.getInstance(view.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.output).toEqual({ call: { onTime: true } });
  });

  it('fails with Timeout when the last attempt times out', async () => {
    t = await testEngine();
    await t.register(`
name: slow2
steps:
  - name: call
    type: task
    task: slow.work
    timeout: 5s
`);
    const view = await t.engine.startInstance('slow2');
    await t.engine.tasks.poll({ queues: ['slow.work'] });
    await t.advance(5_000);
    const done = await t.engine.getInstance(view.id);
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatchObject({ error: 'Timeout', step: 'call' });
    expect(done.error?.message).toContain('5s');
  });

  it('extends a lease by heartbeats, and times out when they stop', async () => {
    t = await testEngine();
    await t.register(`
name: beating
steps:
  - name: call
    type: task
    task: long.work
    timeout: 1h
    heartbeat: 10s
`);
    const view = await t.engine.startInstance('beating');
    const [task] = await t.engine.tasks.poll({ queues: ['long.work'] });
    expect(Date.parse(task!.deadline) - t.clock.now()).toBe(10_000);
    for (let i = 0; i < 5; i += 1) {
      await t.advance(8_000);
      await t.engine.tasks.heartbeat(task!.token);
    }
    expect((await t.engine.getInstance(view.id)).status).toBe('RUNNING');
    await t.advance(10_000);
    const done = await t.engine.getInstance(view.id);
    expect(done.status).toBe('FAILED');
    await expect(t.engine.tasks.heartbeat(task!.token)).rejects.toMatchObject({ code: 'STALE_TOKEN' });
  });
});
