/** decide() tables for the steps that run in one frame: task, http, set, choice, succeed, fail; retry and catch. */
import { describe, it } from 'vitest';
import { check, plan, T0, type Row } from './harness.js';

const charge = plan(`
name: charge
steps:
  - { name: charge, type: task, task: payments.charge, queue: pay, input: { amount: "\${ total }" }, timeout: 30s, heartbeat: 10s, output: receipt }
`);

const bare = plan(`
name: bare
steps:
  - { name: work, type: task, task: work }
`);

const flaky = plan(`
name: flaky
steps:
  - name: charge
    type: task
    task: payments.charge
    retry: { maxAttempts: 3, initialInterval: 2s, nonRetryable: [Declined] }
    catch:
      - { errors: [Declined], next: notify, output: failure }
  - { name: done, type: succeed }
  - { name: notify, type: task, task: mail.send, input: { why: "\${ failure.message }" } }
`);

const hurried = plan(`
name: hurried
steps:
  - { name: charge, type: task, task: payments.charge, retry: { maxAttempts: 3, initialInterval: 0s } }
`);

const fetch = plan(`
name: fetch
steps:
  - name: fetch
    type: http
    method: POST
    url: "https://api.example/orders/\${ id }"
    headers: { x-order: "order-\${ id }" }
    body: { id: "\${ id }" }
    timeout: 3s
  - { name: plain, type: http, url: "https://api.example/ping" }
`);

const shape = plan(`
name: shape
steps:
  - { name: count, type: set, values: { n: "\${ n + 1 }", totals.sum: "\${ n * 10 }", note: plain } }
`);

const route = plan(`
name: route
steps:
  - name: route
    type: choice
    choices:
      - { when: "amount > 100", next: big }
      - { when: "amount > 10", next: medium }
    otherwise: small
  - { name: big, type: succeed, output: { size: big } }
  - { name: medium, type: succeed, output: { size: medium, amount: "\${ amount }" } }
  - { name: small, type: succeed }
`);

const fallThrough = plan(`
name: fall
steps:
  - name: route
    type: choice
    choices:
      - { when: "vip", next: vip }
  - { name: regular, type: succeed, output: regular }
  - { name: vip, type: succeed, output: vip }
`);

const refuse = plan(`
name: refuse
steps:
  - { name: no, type: fail, error: Declined, message: "card \${ card } declined" }
`);

const rows: Row[] = [
  {
    name: 'task: asks for the task with its evaluated input, queue, lease and heartbeat; the frame waits for it',
    plan: charge,
    input: { total: 12 },
    commands: [
      {
        type: 'scheduleTask',
        task: { id: 'i1:1:t1', step: 'charge', type: 'payments.charge', queue: 'pay', input: { amount: 12 }, attempt: 1, timeoutMs: 30_000, heartbeatMs: 10_000 },
      },
    ],
    record: { status: 'RUNNING', rev: 1, waits: [], state: { frames: { root: { step: 'charge', attempt: 1, wait: { kind: 'task', taskId: 'i1:1:t1' } } } } },
    history: ['InstanceStarted', 'StepStarted charge', 'TaskScheduled charge'],
  },
  {
    name: 'task: without input or timeout, it gets the whole data and the default lease, on the queue of its type',
    plan: bare,
    input: { order: 1 },
    commands: [{ type: 'scheduleTask', task: { id: 'i1:1:t1', step: 'work', type: 'work', queue: 'work', input: { order: 1 }, attempt: 1, timeoutMs: 60_000, heartbeatMs: null } }],
    record: { status: 'RUNNING' },
  },
  {
    name: 'task: its result is placed at `output`, the task row removed, and the run completes at the end',
    plan: charge,
    input: { total: 12 },
    inputs: [{ type: 'taskCompleted', taskId: 'i1:1:t1', output: { ok: true } }],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t1' }],
    record: { status: 'COMPLETED', rev: 2, state: { frames: {}, output: { total: 12, receipt: { ok: true } } } },
    history: ['TaskCompleted charge', 'StepCompleted charge', 'InstanceCompleted'],
  },
  {
    name: 'task: a result for a task nobody awaits is stale and changes nothing',
    plan: charge,
    input: { total: 12 },
    inputs: [{ type: 'taskCompleted', taskId: 'i1:1:t9', output: {} }],
    commands: [],
    record: { status: 'RUNNING', state: { frames: { root: { wait: { kind: 'task', taskId: 'i1:1:t1' } } } } },
    history: [],
  },
  {
    name: 'retry: a failed attempt asks for a retry timer at now + interval; the frame waits for it',
    plan: flaky,
    input: {},
    inputs: [{ type: 'taskFailed', taskId: 'i1:1:t1', error: { error: 'Busy', message: 'try later' } }],
    commands: [
      { type: 'removeTask', taskId: 'i1:1:t1' },
      { type: 'startTimer', timerId: 'i1:1:r2', dueAt: T0 + 1_000 + 2_000, input: { type: 'timerFired', timerId: 'i1:1:r2' } },
    ],
    record: { status: 'RUNNING', state: { frames: { root: { step: 'charge', attempt: 1, wait: { kind: 'retry', timerId: 'i1:1:r2' } } } } },
    history: ['TaskFailed charge', 'StepFailed charge', 'RetryScheduled charge'],
  },
  {
    name: 'retry: the timer fires and the next attempt is asked for',
    plan: flaky,
    input: {},
    inputs: [{ type: 'taskFailed', taskId: 'i1:1:t1', error: { error: 'Busy', message: 'try later' } }, { type: 'timerFired', timerId: 'i1:1:r2' }],
    commands: [{ type: 'scheduleTask', task: { id: 'i1:1:t3', step: 'charge', type: 'payments.charge', queue: 'payments.charge', input: {}, attempt: 2, timeoutMs: 60_000, heartbeatMs: null } }],
    record: { state: { frames: { root: { attempt: 2, wait: { kind: 'task', taskId: 'i1:1:t3' } } } } },
    history: ['TimerFired charge', 'StepStarted charge', 'TaskScheduled charge'],
  },
  {
    name: 'retry: with no backoff the next attempt is asked for in the same transition, with no timer',
    plan: hurried,
    input: {},
    inputs: [{ type: 'taskFailed', taskId: 'i1:1:t1', error: { error: 'Busy', message: 'try later' } }],
    commands: [
      { type: 'removeTask', taskId: 'i1:1:t1' },
      { type: 'scheduleTask', task: { id: 'i1:1:t2', step: 'charge', type: 'payments.charge', queue: 'payments.charge', input: {}, attempt: 2, timeoutMs: 60_000, heartbeatMs: null } },
    ],
    record: { status: 'RUNNING', state: { frames: { root: { step: 'charge', attempt: 2, wait: { kind: 'task', taskId: 'i1:1:t2' } } } } },
    history: ['TaskFailed charge', 'StepFailed charge', 'RetryScheduled charge', 'StepStarted charge', 'TaskScheduled charge'],
  },
  {
    name: 'catch: a non-retryable error is caught: stored at the rule\'s output, and the flow goes to its next',
    plan: flaky,
    input: {},
    inputs: [{ type: 'taskFailed', taskId: 'i1:1:t1', error: { error: 'Declined', message: 'no funds' } }],
    commands: [
      { type: 'removeTask', taskId: 'i1:1:t1' },
      { type: 'scheduleTask', task: { id: 'i1:1:t2', step: 'notify', type: 'mail.send', queue: 'mail.send', input: { why: 'no funds' }, attempt: 1, timeoutMs: 60_000, heartbeatMs: null } },
    ],
    record: {
      status: 'RUNNING',
      state: { frames: { root: { step: 'notify', data: { failure: { error: 'Declined', message: 'no funds', step: 'charge' } }, error: { error: 'Declined', step: 'charge' } } } },
    },
    history: ['TaskFailed charge', 'StepFailed charge', 'ErrorCaught charge', 'StepStarted notify', 'TaskScheduled notify'],
  },
  {
    name: 'retry: past maxAttempts, an error no rule catches fails the run',
    plan: flaky,
    input: {},
    inputs: [
      { type: 'taskFailed', taskId: 'i1:1:t1', error: { error: 'Busy', message: '1' } },
      { type: 'timerFired', timerId: 'i1:1:r2' },
      { type: 'taskFailed', taskId: 'i1:1:t3', error: { error: 'Busy', message: '2' } },
      { type: 'timerFired', timerId: 'i1:1:r4' },
      { type: 'taskFailed', taskId: 'i1:1:t5', error: { error: 'Busy', message: '3' } },
    ],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t5' }],
    record: { status: 'FAILED', state: { frames: {}, error: { error: 'Busy', message: '3', step: 'charge' }, failedFrame: { step: 'charge', attempt: 1 } } },
    history: ['TaskFailed charge', 'StepFailed charge', 'InstanceFailed'],
  },
  {
    name: 'http: asks the engine\'s executor for the evaluated request, with the step\'s timeout as the request\'s and the lease\'s',
    plan: fetch,
    input: { id: 7 },
    commands: [
      {
        type: 'scheduleTask',
        task: {
          id: 'i1:1:t1',
          step: 'fetch',
          type: '$http',
          queue: '$http',
          input: { method: 'POST', url: 'https://api.example/orders/7', headers: { 'x-order': 'order-7' }, body: { id: 7 }, timeoutMs: 3_000 },
          attempt: 1,
          timeoutMs: 3_000,
          heartbeatMs: null,
        },
      },
    ],
    record: { status: 'RUNNING', state: { frames: { root: { step: 'fetch', wait: { kind: 'task', taskId: 'i1:1:t1' } } } } },
    history: ['InstanceStarted', 'StepStarted fetch', 'TaskScheduled fetch'],
  },
  {
    name: 'http: a GET with no headers, body or timeout leaves them out of the request; the lease is the default',
    plan: fetch,
    input: { id: 7 },
    inputs: [{ type: 'taskCompleted', taskId: 'i1:1:t1', output: { status: 200, headers: {}, body: null } }],
    commands: [
      { type: 'removeTask', taskId: 'i1:1:t1' },
      {
        type: 'scheduleTask',
        task: { id: 'i1:1:t2', step: 'plain', type: '$http', queue: '$http', input: { method: 'GET', url: 'https://api.example/ping' }, attempt: 1, timeoutMs: 60_000, heartbeatMs: null },
      },
    ],
    record: { state: { frames: { root: { step: 'plain', data: { id: 7, fetch: { status: 200 } } } } } },
  },
  {
    name: 'set: writes each value (a dotted name is a path), then goes on; no command',
    plan: shape,
    input: { n: 1 },
    commands: [],
    record: { status: 'COMPLETED', state: { output: { n: 2, totals: { sum: 20 }, note: 'plain' } } },
    history: ['InstanceStarted', 'StepStarted count', 'StepCompleted count', 'InstanceCompleted'],
  },
  {
    name: 'choice: the first condition that holds names the next step',
    plan: route,
    input: { amount: 500 },
    commands: [],
    record: { status: 'COMPLETED', state: { output: { size: 'big' } } },
    history: ['InstanceStarted', 'StepStarted route', 'StepCompleted route', 'StepStarted big', 'StepCompleted big', 'InstanceCompleted'],
  },
  {
    name: 'choice: later conditions are tried in order',
    plan: route,
    input: { amount: 50 },
    commands: [],
    record: { status: 'COMPLETED', state: { output: { size: 'medium', amount: 50 } } },
  },
  {
    name: 'choice: with no condition holding, `otherwise`',
    plan: route,
    input: { amount: 5 },
    commands: [],
    record: { status: 'COMPLETED', state: { output: { amount: 5 } } },
  },
  {
    name: 'choice: with no condition holding and no `otherwise`, the next step of the list',
    plan: fallThrough,
    input: { vip: false },
    commands: [],
    record: { status: 'COMPLETED', state: { output: 'regular' } },
  },
  {
    name: 'fail: the run fails with the declared error and its evaluated message',
    plan: refuse,
    input: { card: 42 },
    commands: [],
    record: { status: 'FAILED', state: { error: { error: 'Declined', message: 'card 42 declined', step: 'no' } } },
    history: ['InstanceStarted', 'StepStarted no', 'StepCompleted no', 'InstanceFailed'],
  },
];

describe('decide: steps of one frame', () => {
  it.each(rows)('$name', async (row) => {
    await check(row);
  });
});
