/** decide() tables for compensation: registration, the run on failure, cancel and timeout, and `compensate` steps. */
import { describe, expect, it } from 'vitest';
import { check, events, plan, run, scheduled, T0, type Row } from './harness.js';

const refund = plan(`
name: refund
steps:
  - name: charge
    type: http
    method: POST
    url: https://pay.example/charge
    timeout: 20s
    compensate: { url: "https://pay.example/refund/\${ charge.id }", method: POST, body: { why: undo }, timeout: 5s }
  - { name: boom, type: fail, error: Broken }
`);

describe('decide: http compensation', () => {
  it('calls the undo URL with its own timeout, the one its lease is given', async () => {
    const r = await run(refund, {}, { type: 'taskCompleted', taskId: 'i1:1:t1', output: { id: 'c7' } });
    expect(r.commands).toEqual([
      { type: 'removeTask', taskId: 'i1:1:t1' },
      {
        type: 'scheduleTask',
        task: {
          id: 'i1:1:k2',
          step: 'charge',
          type: '$http',
          queue: '$http',
          input: { method: 'POST', url: 'https://pay.example/refund/c7', body: { why: 'undo' }, timeoutMs: 5_000 },
          attempt: 1,
          timeoutMs: 5_000,
          heartbeatMs: null,
        },
      },
    ]);
    expect(events(r)).toContain('CompensationStarted charge');
  });
});

const trip = plan(`
name: trip
steps:
  - { name: book, type: task, task: book, compensate: { task: cancelBooking, input: { ref: "\${ book.ref }" } } }
  - { name: undo, type: compensate }
  - { name: done, type: succeed }
`);

const order = plan(`
name: order
timeout: 1h
steps:
  - { name: book, type: task, task: book, compensate: { task: cancelBooking, input: { ref: "\${ book.ref }" } } }
  - { name: pay, type: task, task: pay }
`);


const booked = { type: 'taskCompleted' as const, taskId: 'i1:1:t2', output: { ref: 'B1' } };
const payFailed = { type: 'taskFailed' as const, taskId: 'i1:1:t3', error: { error: 'PayFailed', message: 'card declined' } };

const rows: Row[] = [
  {
    name: 'compensate: registers the compensation as its step completes, then runs it at the compensate step',
    plan: trip,
    input: {},
    inputs: [{ type: 'taskCompleted', taskId: 'i1:1:t1', output: { ref: 'B1' } }],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t1' }, scheduled('i1:1:k2', 'book', 'cancelBooking', { ref: 'B1' })],
    record: {
      status: 'RUNNING',
      state: {
        compensations: [],
        compensating: { reason: 'step', queue: [], resumeFrames: ['root'], current: { attempt: 1, taskId: 'i1:1:k2' } },
        frames: { root: { step: 'undo', wait: { kind: 'compensation' } } },
      },
    },
    history: ['TaskCompleted book', 'CompensationRegistered book', 'StepCompleted book', 'StepStarted undo', 'CompensationStarted book'],
  },
  {
    name: 'compensate: once the compensations ran, the compensate step completes and the run goes on',
    plan: trip,
    input: {},
    inputs: [{ type: 'taskCompleted', taskId: 'i1:1:t1', output: { ref: 'B1' } }, { type: 'taskCompleted', taskId: 'i1:1:k2', output: null }],
    commands: [{ type: 'removeTask', taskId: 'i1:1:k2' }],
    record: { status: 'COMPLETED' },
    history: ['CompensationCompleted book', 'CompensationFinished', 'StepCompleted undo', 'StepStarted done', 'StepCompleted done', 'InstanceCompleted'],
  },
  {
    name: 'failure: the run compensates before it fails; the workflow timeout stays armed meanwhile',
    plan: order,
    input: {},
    inputs: [booked, payFailed],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t3' }, scheduled('i1:1:k4', 'book', 'cancelBooking', { ref: 'B1' })],
    record: { status: 'RUNNING', state: { frames: {}, compensating: { reason: 'failure', cause: { error: 'PayFailed', step: 'pay' } } } },
    history: ['TaskFailed pay', 'StepFailed pay', 'CompensationStarted book'],
  },
  {
    name: 'failure: the compensations done, it ends FAILED with the original error and withdraws the timeout',
    plan: order,
    input: {},
    inputs: [booked, payFailed, { type: 'taskCompleted', taskId: 'i1:1:k4', output: null }],
    commands: [
      { type: 'removeTimer', timerId: 'i1:1:timeout1' },
      { type: 'removeTask', taskId: 'i1:1:k4' },
    ],
    record: { status: 'FAILED', state: { error: { error: 'PayFailed', message: 'card declined', step: 'pay' } } },
    history: ['CompensationCompleted book', 'CompensationFinished', 'InstanceFailed'],
  },
  {
    name: 'failure: a compensation that fails too is listed in the error with the original one',
    plan: order,
    input: {},
    inputs: [booked, payFailed, { type: 'taskFailed', taskId: 'i1:1:k4', error: { error: 'Gone', message: 'no booking' } }],
    commands: [
      { type: 'removeTimer', timerId: 'i1:1:timeout1' },
      { type: 'removeTask', taskId: 'i1:1:k4' },
    ],
    record: {
      status: 'FAILED',
      state: {
        error: {
          error: 'PayFailed',
          message: 'card declined; 1 compensation failed',
          step: 'pay',
          errors: [
            { error: 'PayFailed', message: 'card declined', step: 'pay' },
            { error: 'Gone', message: 'no booking', step: 'book' },
          ],
        },
      },
    },
    history: ['CompensationFailed book', 'CompensationFinished', 'InstanceFailed'],
  },
  {
    name: 'cancel: withdraws the running task and compensates, then ends CANCELLED',
    plan: order,
    input: {},
    inputs: [booked, { type: 'cancel', reason: 'customer asked' }],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t3' }, scheduled('i1:1:k4', 'book', 'cancelBooking', { ref: 'B1' })],
    record: { status: 'RUNNING', state: { compensating: { reason: 'cancel', cause: { error: 'Cancelled', message: 'customer asked' } } } },
    history: ['CancelRequested', 'StepCancelled pay', 'CompensationStarted book'],
  },
  {
    name: 'terminate: withdraws everything and runs no compensation',
    plan: order,
    input: {},
    inputs: [booked, { type: 'terminate' }],
    commands: [
      { type: 'removeTask', taskId: 'i1:1:t3' },
      { type: 'removeTimer', timerId: 'i1:1:timeout1' },
    ],
    record: { status: 'TERMINATED', state: { compensations: [], error: { error: 'Terminated', message: 'terminated by request' } } },
    history: ['StepCancelled pay', 'InstanceTerminated'],
  },
  {
    name: 'workflow timeout: withdraws the running task, compensates, then ends TIMED_OUT',
    plan: order,
    input: {},
    inputs: [booked, { type: 'timerFired', timerId: 'i1:1:timeout1' }],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t3' }, scheduled('i1:1:k4', 'book', 'cancelBooking', { ref: 'B1' })],
    record: { status: 'RUNNING', state: { timeoutTimerId: undefined, compensating: { reason: 'timeout' } } },
    history: ['StepCancelled pay', 'CompensationStarted book'],
  },
];

describe('decide: compensation', () => {
  it('arms the workflow timeout as the run starts', async () => {
    const r = await run(order, {});
    expect(r.commands[0]).toEqual({ type: 'startTimer', timerId: 'i1:1:timeout1', dueAt: T0 + 3_600_000, input: { type: 'timerFired', timerId: 'i1:1:timeout1' } });
  });

  it.each(rows)('$name', async (row) => {
    await check(row);
  });
});
