/**
 * Amazon States Language documents on the engine: recognised (JSON or YAML), compiled to the
 * plan, registered like any definition, their Tasks run by in-process handlers under the task
 * type their Resource maps to, and their data flow, variables, Retry, Catch, Map and Parallel
 * as Step Functions runs them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { taskTypeOf } from '../../definitions/asl/task-resource.js';
import { aslWorkflowName, loadPlan } from '../../definitions/load.js';
import { END } from '../../definitions/model.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

const ORDER = {
  Comment: 'charges an order, retrying a flaky payment service',
  StartAt: 'Price',
  States: {
    Charge: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'amount.$': '$.total' },
      ResultSelector: { 'receipt.$': '$.Payload.receipt' },
      ResultPath: '$.payment',
      Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Declined' }],
      End: true,
    },
    Price: { Type: 'Pass', Parameters: { 'total.$': 'States.MathAdd($.price, $.shipping)' }, Assign: { 'customer.$': '$$.Execution.Input.customer' }, Next: 'Charge' },
    Declined: { Type: 'Fail', Error: 'Declined', CausePath: "States.Format('order of {} declined', $customer)" },
  },
};

describe('ASL documents as definitions', () => {
  it('are recognised by StartAt and States, in JSON or YAML, named by their file, StartAt first in the plan', () => {
    const json = loadPlan(JSON.stringify(ORDER), 'flows/order.asl.json');
    expect(json.problems).toEqual([]);
    expect(json.plan!.name).toBe('order');
    const top = json.plan!.scopes.get('')!;
    expect(top.steps.map((s) => [s.name, s.type, s.next])).toEqual([
      ['Price', 'set', 'Charge'],
      ['Charge', 'task', END],
      ['Declined', 'fail', END],
    ]);
    const yaml = loadPlan('StartAt: A\nStates:\n  A:\n    Type: Succeed\n', 'b.yaml');
    expect(yaml.plan!.name).toBe('b');
    expect(aslWorkflowName('dir/my flow.asl.yaml')).toBe('my-flow');
  });

  it('report ASL problems at their line and column', () => {
    const { plan, problems } = loadPlan('{\n  "StartAt": "A",\n  "States": {\n    "A": { "Type": "Pass", "Next": "B" }\n  }\n}', 'bad.asl.json');
    expect(plan).toBeUndefined();
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([expect.stringMatching(/^4:\d+ state "A": "Next" points to "B", which is not a state/)]);
  });

  it('map a Task Resource to a task type by the documented rule', () => {
    expect(taskTypeOf('arn:aws:states:::lambda:invoke')).toBe('lambda:invoke');
    expect(taskTypeOf('arn:aws:states:::aws-sdk:s3:listBuckets.waitForTaskToken')).toBe('aws-sdk:s3:listBuckets');
    expect(taskTypeOf('arn:aws:states:::glue:startJobRun.sync:2')).toBe('glue:startJobRun');
    expect(taskTypeOf('arn:aws:lambda:us-east-1:123456789012:function:Charge:live')).toBe('lambda:Charge');
    expect(taskTypeOf('arn:aws:states:us-east-1:123456789012:activity:Approve')).toBe('activity:Approve');
    expect(taskTypeOf('segue:payments.charge')).toBe('payments.charge');
    expect(taskTypeOf('arn:aws:sqs:eu-west-1:1:q')).toBe('arn:aws:sqs:eu-west-1:1:q');
  });
});

describe('ASL runs on the engine', () => {
  it('gives the Task its effective input, shapes its result, and retries by its Retry rule', async () => {
    let calls = 0;
    t = await testEngine({
      'lambda:invoke': (input) => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('try again'), { name: 'Flaky' });
        return { Payload: { receipt: `R-${(input as { amount: number }).amount}` } };
      },
    });
    await t.engine.register(JSON.stringify(ORDER), 'order.asl.json');
    const view = await t.engine.startInstance('order', { input: { price: 10, shipping: 2, customer: 'ann' } });
    await t.engine.runUntilIdle();
    await t.advance(1_000);
    const done = await t.engine.getInstance(view.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.output).toEqual({ total: 12, payment: { receipt: 'R-12' } });
    expect(t.calls.map((c) => c.input)).toEqual([{ amount: 12 }, { amount: 12 }]);
  });

  it('catches a failure with its Catch rule and fails with the cause made from a variable', async () => {
    t = await testEngine({ 'lambda:invoke': () => Promise.reject(Object.assign(new Error('card refused'), { name: 'CardError' })) });
    await t.engine.register(JSON.stringify(ORDER), 'order.asl.json');
    const id = await t.run('order', { price: 1, shipping: 1, customer: 'bob' });
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('FAILED');
    expect(view.error).toMatchObject({ error: 'Declined', message: 'order of bob declined' });
  });

  it('runs a JSONata Map over items and a Parallel, each branch and iteration reading the outer variables', async () => {
    t = await testEngine();
    const machine = {
      QueryLanguage: 'JSONata',
      StartAt: 'Init',
      States: {
        Init: { Type: 'Pass', Assign: { bias: 10 }, Next: 'Both' },
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  Items: '{% $states.input.xs %}',
                  ItemProcessor: { StartAt: 'Add', States: { Add: { Type: 'Pass', Output: '{% $states.input + $bias %}', End: true } } },
                  End: true,
                },
              },
            },
            { StartAt: 'Count', States: { Count: { Type: 'Pass', Output: '{% $count($states.input.xs) %}', End: true } } },
          ],
          Output: '{% {"sums": $states.result[0], "count": $states.result[1]} %}',
          End: true,
        },
      },
    };
    await t.engine.register(JSON.stringify(machine), 'both.asl.json');
    const id = await t.run('both', { xs: [1, 2, 3] });
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toEqual({ sums: [11, 12, 13], count: 3 });
  });

  it("keeps an ASL Map to the engine's limit on items", async () => {
    t = await testEngine({}, { engine: { decide: { maxMapItems: 2 } } });
    const machine = { StartAt: 'Each', States: { Each: { Type: 'Map', ItemProcessor: { StartAt: 'Id', States: { Id: { Type: 'Pass', End: true } } }, End: true } } };
    await t.engine.register(JSON.stringify(machine), 'each.asl.json');
    const ok = await t.run('each', [1, 2]);
    expect((await t.engine.getInstance(ok)).output).toEqual([1, 2]);
    const over = await t.engine.getInstance(await t.run('each', [1, 2, 3]));
    expect(over.status).toBe('FAILED');
    expect(over.error).toMatchObject({ error: 'LimitExceeded', message: expect.stringContaining('more than the limit of 2') });
  });

  it('waits on the clock as a Wait state says, then chooses by its Choice rules', async () => {
    t = await testEngine();
    const machine = {
      StartAt: 'Nap',
      States: {
        Nap: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Pick' },
        Pick: { Type: 'Choice', Choices: [{ Variable: '$.seconds', NumericGreaterThan: 60, Next: 'Long' }], Default: 'Short' },
        Long: { Type: 'Pass', Result: 'long', End: true },
        Short: { Type: 'Pass', Result: 'short', End: true },
      },
    };
    await t.engine.register(JSON.stringify(machine), 'nap.asl.json');
    const id = await t.run('nap', { seconds: 90 });
    expect((await t.engine.getInstance(id)).status).toBe('RUNNING');
    await t.advance(89_000);
    expect((await t.engine.getInstance(id)).status).toBe('RUNNING');
    await t.advance(1_000);
    const view = await t.engine.getInstance(id);
    expect(view.status).toBe('COMPLETED');
    expect(view.output).toBe('long');
  });

  it('fails a Task whose worker misses a heartbeat with States.HeartbeatTimeout, and one out of time with States.Timeout', async () => {
    t = await testEngine();
    const machine = {
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: 'segue:long',
          TimeoutSecondsPath: '$.timeout',
          HeartbeatSeconds: 30,
          Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.late', Next: 'Late' }],
          End: true,
        },
        Late: { Type: 'Pass', End: true },
      },
    };
    await t.engine.register(JSON.stringify(machine), 'long.asl.json');
    const missed = await t.engine.startInstance('long', { input: { timeout: 3600 } });
    await t.engine.tasks.poll({ queues: ['long'] });
    await t.advance(30_000);
    const caught = await t.engine.getInstance(missed.id);
    expect(caught.status).toBe('COMPLETED');
    expect(caught.output).toMatchObject({ late: { Error: 'States.HeartbeatTimeout', Cause: expect.stringContaining('no heartbeat in time') } });
    // Heartbeats keep it alive until its TimeoutSeconds, which no Catch rule here names.
    const slow = await t.engine.startInstance('long', { input: { timeout: 50 } });
    const [task] = await t.engine.tasks.poll({ queues: ['long'] });
    await t.advance(25_000);
    await t.engine.tasks.heartbeat(task!.token);
    await t.advance(25_000);
    const failed = await t.engine.getInstance(slow.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ error: 'States.Timeout' });
  });
});
