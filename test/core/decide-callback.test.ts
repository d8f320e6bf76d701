/**
 * decide() tables for task steps that wait for a callback (ASL's `.waitForTaskToken`): the worker
 * gets the effective input with the task token in it, its result does not end the step, its
 * failure does; the token sent back ends the step with a result or a failure (through Catch and
 * Retry); heartbeats move the heartbeat deadline on; the timer times the step out; a token no step
 * waits for is stale and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Json, Plan } from '../../definitions/model.js';
import { instanceOfCallbackToken } from '../../core/callback-token.js';
import { decide, type DecideResult } from '../../core/decide.js';
import type { Command, EngineInput } from '../../core/model.js';
import { events, fresh, options, plan, T0 } from './harness.js';

const approval = plan(`
StartAt: Approve
States:
  Approve:
    Type: Task
    Resource: arn:aws:states:::sqs:sendMessage.waitForTaskToken
    Parameters: { MessageBody: { order.$: $.order, token.$: $$.Task.Token } }
    TimeoutSeconds: 60
    HeartbeatSeconds: 10
    ResultPath: $.approval
    Retry:
      - { ErrorEquals: [Busy], IntervalSeconds: 5, MaxAttempts: 1 }
    Catch:
      - { ErrorEquals: [States.HeartbeatTimeout], ResultPath: $.late, Next: Late }
      - { ErrorEquals: [States.ALL], ResultPath: $.failure, Next: Rejected }
    End: true
  Late: { Type: Pass, End: true }
  Rejected: { Type: Pass, End: true }
`);

const noHeartbeat = plan(`
QueryLanguage: JSONata
StartAt: Approve
States:
  Approve:
    Type: Task
    Resource: arn:aws:states:::lambda:invoke.waitForTaskToken
    Arguments: { token: "{% $states.context.Task.Token %}" }
    TimeoutSeconds: 30
    Catch:
      - { ErrorEquals: [States.Timeout], Output: "{% $states.errorOutput %}", Next: Late }
    End: true
  Late: { Type: Pass, End: true }
`);

/** The token of the first wait of instance i1 (wait id i1:1:cb1) with the harness's random source (always 0). */
const TOKEN = `${Buffer.from('i1:1:cb1').toString('base64url')}.${'0'.repeat(32)}`;
const TASK = 'i1:1:t3';
const TIMER = 'i1:1:ct2';

const succeeded = (output: Json, token = TOKEN): EngineInput => ({ type: 'callbackSucceeded', token, output });
const failed = (error: string, message: string, token = TOKEN): EngineInput => ({ type: 'callbackFailed', token, error: { error, message } });
const heartbeat = (token = TOKEN): EngineInput => ({ type: 'callbackHeartbeat', token });
const dispatched: EngineInput = { type: 'taskCompleted', taskId: TASK, output: { MessageId: 'M-1' } };
const fired = (timerId: string): EngineInput => ({ type: 'timerFired', timerId });
const timer = (timerId: string, dueAt: number): Command => ({ type: 'startTimer', timerId, dueAt, input: { type: 'timerFired', timerId } });

/** A run of `p` on `input` started at T0, then each input at its time (ms after T0). */
async function runAt(p: Plan, input: Json, ...inputs: [number, EngineInput][]): Promise<DecideResult> {
  let result = await decide(p, fresh(p, input), { type: 'start' }, options(T0));
  for (const [at, next] of inputs) result = await decide(p, result.record, next, options(T0 + at));
  return result;
}

interface Row {
  name: string;
  plan?: Plan;
  inputs: [number, EngineInput][];
  commands: Command[];
  record: object;
  history?: string[];
  stale?: RegExp;
}

const rows: Row[] = [
  {
    name: 'entering: the worker gets the effective input with $$.Task.Token, leased for TimeoutSeconds; one timer at the heartbeat deadline',
    inputs: [],
    commands: [
      timer(TIMER, T0 + 10_000),
      {
        type: 'scheduleTask',
        task: { id: TASK, step: 'Approve', type: 'sqs:sendMessage', queue: 'sqs:sendMessage', input: { MessageBody: { order: 'A-1', token: TOKEN } }, attempt: 1, timeoutMs: 60_000, heartbeatMs: null },
      },
    ],
    record: {
      status: 'RUNNING',
      state: { frames: { root: { step: 'Approve', wait: { kind: 'callback', token: TOKEN, taskId: TASK, timerId: TIMER, timeoutAt: T0 + 60_000, heartbeatMs: 10_000, heartbeatAt: T0 + 10_000 } } } },
    },
    history: ['InstanceStarted', 'StepStarted Approve', 'TaskScheduled Approve'],
  },
  {
    name: "the worker's result does not end the step: it waits on for the token",
    inputs: [[1_000, dispatched]],
    commands: [{ type: 'removeTask', taskId: TASK }],
    record: { status: 'RUNNING', state: { frames: { root: { step: 'Approve', wait: { kind: 'callback', token: TOKEN, taskId: undefined, timerId: TIMER } } } } },
    history: ['TaskCompleted Approve'],
  },
  {
    name: 'the token sent back with an output: that is the result, placed by ResultPath; the timer goes',
    inputs: [[1_000, dispatched], [2_000, succeeded({ approved: true })]],
    commands: [{ type: 'removeTimer', timerId: TIMER }],
    record: { status: 'COMPLETED', state: { output: { order: 'A-1', approval: { approved: true } } } },
    history: ['CallbackSucceeded Approve', 'StepCompleted Approve', 'InstanceCompleted'],
  },
  {
    name: 'the token sent back before the worker reported: its task goes too',
    inputs: [[1_000, succeeded('yes')]],
    commands: [{ type: 'removeTask', taskId: TASK }, { type: 'removeTimer', timerId: TIMER }],
    record: { status: 'COMPLETED', state: { output: { order: 'A-1', approval: 'yes' } } },
  },
  {
    name: "the worker's failure fails the step, through Catch; the timer goes",
    inputs: [[1_000, { type: 'taskFailed', taskId: TASK, error: { error: 'QueueMissing', message: 'no such queue' } }]],
    commands: [{ type: 'removeTask', taskId: TASK }, { type: 'removeTimer', timerId: TIMER }],
    record: { status: 'COMPLETED', state: { output: { order: 'A-1', failure: { Error: 'QueueMissing', Cause: 'no such queue' } } } },
    history: ['TaskFailed Approve', 'StepFailed Approve', 'ErrorCaught Approve', 'StepStarted Rejected', 'StepCompleted Rejected', 'InstanceCompleted'],
  },
  {
    name: 'the token sent back with a failure: the step fails with its error and cause, through Catch',
    inputs: [[1_000, dispatched], [2_000, failed('Rejected', 'the approver said no')]],
    commands: [{ type: 'removeTimer', timerId: TIMER }],
    record: { status: 'COMPLETED', state: { output: { order: 'A-1', failure: { Error: 'Rejected', Cause: 'the approver said no' } } } },
    history: ['CallbackFailed Approve', 'StepFailed Approve', 'ErrorCaught Approve', 'StepStarted Rejected', 'StepCompleted Rejected', 'InstanceCompleted'],
  },
  {
    name: 'a failure that Retry takes: the next attempt has a token of its own',
    inputs: [[1_000, dispatched], [2_000, failed('Busy', 'later')], [7_000, fired('i1:1:r4')]],
    commands: [
      timer('i1:1:ct6', T0 + 17_000),
      {
        type: 'scheduleTask',
        task: { id: 'i1:1:t7', step: 'Approve', type: 'sqs:sendMessage', queue: 'sqs:sendMessage', input: { MessageBody: { order: 'A-1', token: `${Buffer.from('i1:1:cb5').toString('base64url')}.${'0'.repeat(32)}` } }, attempt: 2, timeoutMs: 60_000, heartbeatMs: null },
      },
    ],
    record: { state: { frames: { root: { attempt: 2, retries: [1], wait: { kind: 'callback', taskId: 'i1:1:t7' } } } } },
  },
  {
    name: 'a heartbeat moves the heartbeat deadline on and writes no timer',
    inputs: [[1_000, dispatched], [8_000, heartbeat()]],
    commands: [],
    record: { status: 'RUNNING', state: { frames: { root: { wait: { kind: 'callback', timerId: TIMER, heartbeatAt: T0 + 18_000 } } } } },
    history: [],
  },
  {
    name: 'the timer due at the old heartbeat deadline, after a heartbeat: the next timer, at the new one',
    inputs: [[1_000, dispatched], [8_000, heartbeat()], [10_000, fired(TIMER)]],
    commands: [timer('i1:1:ct4', T0 + 18_000)],
    record: { status: 'RUNNING', state: { frames: { root: { wait: { kind: 'callback', timerId: 'i1:1:ct4' } } } } },
    history: ['TimerFired Approve'],
  },
  {
    name: 'no heartbeat in time: States.HeartbeatTimeout, which its Catch rule takes',
    inputs: [[1_000, dispatched], [10_000, fired(TIMER)]],
    commands: [],
    record: { status: 'COMPLETED', state: { output: { order: 'A-1', late: { Error: 'States.HeartbeatTimeout', Cause: 'no heartbeat came with the task token within 10s' } } } },
    history: ['TimerFired Approve', 'CallbackTimedOut Approve', 'StepFailed Approve', 'ErrorCaught Approve', 'StepStarted Late', 'StepCompleted Late', 'InstanceCompleted'],
  },
  {
    name: 'no heartbeat in time while the worker still holds the task: its task goes',
    inputs: [[10_000, fired(TIMER)]],
    commands: [{ type: 'removeTask', taskId: TASK }],
    record: { status: 'COMPLETED', state: { output: { late: { Error: 'States.HeartbeatTimeout' } } } },
  },
  {
    name: 'JSONata: $states.context.Task.Token in Arguments; without HeartbeatSeconds the timer is at TimeoutSeconds',
    plan: noHeartbeat,
    inputs: [],
    commands: [
      timer(TIMER, T0 + 30_000),
      { type: 'scheduleTask', task: { id: TASK, step: 'Approve', type: 'lambda:invoke', queue: 'lambda:invoke', input: { token: TOKEN }, attempt: 1, timeoutMs: 30_000, heartbeatMs: null } },
    ],
    record: { state: { frames: { root: { wait: { kind: 'callback', token: TOKEN, timeoutAt: T0 + 30_000 } } } } },
  },
  {
    name: 'the token not sent back by TimeoutSeconds: States.Timeout; heartbeats without HeartbeatSeconds are taken and change nothing',
    plan: noHeartbeat,
    inputs: [[1_000, dispatched], [5_000, heartbeat()], [30_000, fired(TIMER)]],
    commands: [],
    record: { status: 'COMPLETED', state: { output: { Error: 'States.Timeout', Cause: 'the task token was not sent back by 2026-03-01T10:00:30.000Z, when the step timed out' } } },
  },
  {
    name: 'a token sent back twice: the second is stale and changes nothing',
    inputs: [[1_000, succeeded(1)], [2_000, succeeded(2)]],
    commands: [],
    record: { status: 'COMPLETED', state: { output: { approval: 1 } } },
    stale: /instance i1 is COMPLETED/,
  },
  {
    name: 'a token with another nonce is stale: the step waits on',
    inputs: [[1_000, succeeded(1, `${TOKEN.slice(0, -1)}1`)]],
    commands: [],
    record: { status: 'RUNNING', state: { frames: { root: { wait: { kind: 'callback', token: TOKEN } } } } },
    stale: /no step waits for this task token/,
  },
  {
    name: 'a token sent back after its deadline, before the timer fired, is late all the same',
    inputs: [[10_000, succeeded(1)]],
    commands: [],
    record: { status: 'RUNNING' },
    stale: /step "Approve" it was given to has timed out/,
  },
  {
    name: "the worker's result after the token came back is stale",
    inputs: [[1_000, succeeded(1)], [2_000, dispatched]],
    commands: [],
    record: { status: 'COMPLETED' },
    stale: /is COMPLETED/,
  },
  {
    name: 'cancelled while waiting: the task and the timer go',
    inputs: [[1_000, { type: 'cancel', reason: 'no longer needed' }]],
    commands: [{ type: 'removeTask', taskId: TASK }, { type: 'removeTimer', timerId: TIMER }],
    record: { status: 'CANCELLED' },
  },
  {
    name: 'suspended: a token no step waits for is refused at once, not kept for the resume',
    inputs: [[1_000, { type: 'suspend' }], [2_000, succeeded(1, `${TOKEN.slice(0, -1)}1`)]],
    commands: [],
    record: { status: 'SUSPENDED', state: { deferred: [] } },
    stale: /no step waits for this task token/,
  },
  {
    name: 'suspended: the token a step waits for is kept, and applied on resume',
    inputs: [[1_000, { type: 'suspend' }], [2_000, succeeded(1)], [3_000, { type: 'resume' }]],
    commands: [{ type: 'removeTask', taskId: TASK }, { type: 'removeTimer', timerId: TIMER }],
    record: { status: 'COMPLETED', state: { output: { approval: 1 } } },
  },
];

describe('decide: task steps waiting for a callback', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_, row) => {
    const result = await runAt(row.plan ?? approval, { order: 'A-1' }, ...row.inputs);
    expect(result.commands).toEqual(row.commands);
    expect(result.record).toMatchObject(row.record);
    if (row.history) expect(events(result)).toEqual(row.history);
    if (row.stale) expect(result.outcome).toEqual({ kind: 'stale', reason: expect.stringMatching(row.stale) });
    else expect(result.outcome).toEqual({ kind: 'applied' });
  });
});

describe('task tokens', () => {
  it('name the instance they were made for, whatever characters its id has, and nothing else is read as one', () => {
    expect(instanceOfCallbackToken(TOKEN)).toBe('i1');
    const odd = `${Buffer.from('ordre/été:7:2:cb41').toString('base64url')}.${'ab'.repeat(16)}`;
    expect(instanceOfCallbackToken(odd)).toBe('ordre/été:7');
    for (const text of ['', 'some-token', TOKEN.slice(0, -1), `${TOKEN}0`, `${Buffer.from('i1').toString('base64url')}.${'0'.repeat(32)}`, `${Buffer.from([0xff, 0xfe]).toString('base64url')}.${'0'.repeat(32)}`]) {
      expect(instanceOfCallbackToken(text), text).toBeNull();
    }
  });
});
