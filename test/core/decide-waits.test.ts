/** decide() tables for the steps that wait on the outside world: wait, delay, workflow; and continue. */
import { describe, it } from 'vitest';
import { check, plan, T0, type Row } from './harness.js';

const approve = plan(`
name: approve
steps:
  - { name: hold, type: wait, event: approval, correlate: requestId, timeout: 1h, onTimeout: escalate }
  - { name: done, type: succeed }
  - { name: escalate, type: task, task: escalate }
`);

const prepared = plan(`
name: prepared
steps:
  - { name: prepare, type: task, task: prepare, output: none }
  - { name: hold, type: wait, event: go }
`);

const pause = plan(`
name: pause
steps:
  - { name: pause, type: delay, duration: 2s }
`);

const until = plan(`
name: until
steps:
  - { name: pause, type: delay, until: at }
`);

const billing = plan(`
name: parent
steps:
  - { name: bill, type: workflow, workflow: billing, version: 2, input: { id: "\${ id }" }, timeout: 10m }
`);

const loop = plan(`
name: loop
steps:
  - { name: tick, type: task, task: tick, output: none }
  - { name: again, type: continue, input: { n: "\${ n + 1 }" } }
`);

const timer = (timerId: string, dueAt: number) => ({ type: 'startTimer' as const, timerId, dueAt, input: { type: 'timerFired' as const, timerId } });
const CHILD = 'i1.bill.1-1';

const rows: Row[] = [
  {
    name: 'wait: opens a wait on the event with its correlation key, and a timer for its timeout',
    plan: approve,
    input: { requestId: 'r-9' },
    commands: [timer('i1:1:w1', T0 + 3_600_000)],
    record: {
      status: 'RUNNING',
      waits: [{ event: 'approval', key: 'r-9' }],
      state: { frames: { root: { step: 'hold', wait: { kind: 'event', event: 'approval', key: 'r-9', timerId: 'i1:1:w1' } } } },
    },
    history: ['InstanceStarted', 'StepStarted hold', 'EventAwaited hold'],
  },
  {
    name: 'wait: the event with its key completes the step with its payload; the timer is removed',
    plan: approve,
    input: { requestId: 'r-9' },
    inputs: [{ type: 'event', event: 'approval', payload: { ok: true }, key: 'r-9' }],
    commands: [{ type: 'removeTimer', timerId: 'i1:1:w1' }],
    record: { status: 'COMPLETED', waits: [], state: { output: { requestId: 'r-9', hold: { ok: true } } } },
    history: ['EventReceived hold', 'StepCompleted hold', 'StepStarted done', 'StepCompleted done', 'InstanceCompleted'],
  },
  {
    name: 'wait: an event with another key finds no wait and is refused',
    plan: approve,
    input: { requestId: 'r-9' },
    inputs: [{ type: 'event', event: 'approval', payload: {}, key: 'r-1' }],
    commands: [],
    record: { status: 'RUNNING', waits: [{ event: 'approval', key: 'r-9' }] },
    history: [],
  },
  {
    name: 'wait: the timeout goes to onTimeout, storing nothing',
    plan: approve,
    input: { requestId: 'r-9' },
    inputs: [{ type: 'timerFired', timerId: 'i1:1:w1' }],
    commands: [{ type: 'scheduleTask', task: { id: 'i1:1:t2', step: 'escalate', type: 'escalate', queue: 'escalate', input: { requestId: 'r-9' }, attempt: 1, timeoutMs: 60_000, heartbeatMs: null } }],
    record: { waits: [], state: { frames: { root: { step: 'escalate' } } } },
    history: ['TimerFired hold', 'StepStarted escalate', 'TaskScheduled escalate'],
  },
  {
    name: 'wait: an event raised before the wait is buffered, and taken as the step starts',
    plan: prepared,
    input: {},
    inputs: [
      { type: 'event', event: 'go', payload: { early: true } },
      { type: 'taskCompleted', taskId: 'i1:1:t1', output: null },
    ],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t1' }],
    record: { status: 'COMPLETED', state: { inbox: [], output: { hold: { early: true } } } },
    history: ['TaskCompleted prepare', 'StepCompleted prepare', 'StepStarted hold', 'EventConsumed hold', 'StepCompleted hold', 'InstanceCompleted'],
  },
  {
    name: 'delay: a timer due after the duration; the frame waits for it',
    plan: pause,
    input: {},
    commands: [timer('i1:1:d1', T0 + 2_000)],
    record: { state: { frames: { root: { wait: { kind: 'delay', timerId: 'i1:1:d1' } } } } },
    history: ['InstanceStarted', 'StepStarted pause', 'TimerStarted pause'],
  },
  {
    name: 'delay: the timer fires and the step completes',
    plan: pause,
    input: {},
    inputs: [{ type: 'timerFired', timerId: 'i1:1:d1' }],
    commands: [],
    record: { status: 'COMPLETED' },
    history: ['TimerFired pause', 'StepCompleted pause', 'InstanceCompleted'],
  },
  {
    name: 'delay: `until` a time in the future is a timer due then',
    plan: until,
    input: { at: '2026-03-02T10:00:00Z' },
    commands: [timer('i1:1:d1', T0 + 86_400_000)],
    record: { status: 'RUNNING' },
  },
  {
    name: 'delay: `until` a time already past goes on at once',
    plan: until,
    input: { at: T0 - 1 },
    commands: [],
    record: { status: 'COMPLETED' },
  },
  {
    name: 'delay: `until` something that is no time fails the step with ExpressionError',
    plan: until,
    input: { at: 'soon' },
    commands: [],
    record: { status: 'FAILED', state: { error: { error: 'ExpressionError', step: 'pause' } } },
  },
  {
    name: 'workflow: asks for the child instance with its input and version, and a timer for its timeout',
    plan: billing,
    input: { id: 1 },
    commands: [{ type: 'startChild', childId: CHILD, workflow: 'billing', version: 2, input: { id: 1 } }, timer('i1:1:c2', T0 + 600_000)],
    record: { state: { frames: { root: { wait: { kind: 'child', childId: CHILD, timerId: 'i1:1:c2' } } } } },
    history: ['InstanceStarted', 'StepStarted bill', 'ChildStarted bill'],
  },
  {
    name: 'workflow: the child completing completes the step with its output',
    plan: billing,
    input: { id: 1 },
    inputs: [{ type: 'childFinished', childId: CHILD, status: 'COMPLETED', output: { paid: true } }],
    commands: [{ type: 'removeTimer', timerId: 'i1:1:c2' }],
    record: { status: 'COMPLETED', state: { output: { id: 1, bill: { paid: true } } } },
  },
  {
    name: 'workflow: the child failing fails the step with ChildFailed, naming how it ended',
    plan: billing,
    input: { id: 1 },
    inputs: [{ type: 'childFinished', childId: CHILD, status: 'FAILED', error: { error: 'Declined', message: 'no' } }],
    commands: [{ type: 'removeTimer', timerId: 'i1:1:c2' }],
    record: { status: 'FAILED', state: { error: { error: 'ChildFailed', message: `child workflow ${CHILD} ended FAILED: Declined: no`, step: 'bill' } } },
  },
  {
    name: 'workflow: the timeout terminates the child and fails the step with Timeout',
    plan: billing,
    input: { id: 1 },
    inputs: [{ type: 'timerFired', timerId: 'i1:1:c2' }],
    commands: [{ type: 'message', instanceId: CHILD, messageId: `${CHILD}:terminate`, input: { type: 'terminate', reason: 'the parent step timed out' } }],
    record: { status: 'FAILED', state: { error: { error: 'Timeout', step: 'bill' } } },
  },
  {
    name: 'continue: ends the run and starts the next under the same id, with the evaluated input',
    plan: loop,
    input: { n: 1 },
    inputs: [{ type: 'taskCompleted', taskId: 'i1:1:t1', output: null }],
    commands: [
      { type: 'removeTask', taskId: 'i1:1:t1' },
      { type: 'scheduleTask', task: { id: 'i1:2:t1', step: 'tick', type: 'tick', queue: 'tick', input: { n: 2 }, attempt: 1, timeoutMs: 60_000, heartbeatMs: null } },
    ],
    record: {
      run: 2,
      status: 'RUNNING',
      state: { input: { n: 2 }, previousRun: { run: 1, endedAt: T0 + 1_000 }, frames: { root: { step: 'tick', wait: { kind: 'task', taskId: 'i1:2:t1' } } } },
    },
    history: [
      'TaskCompleted tick',
      'StepCompleted tick',
      'StepStarted again',
      'ContinuedAsNew again',
      'InstanceContinuedAsNew',
      'InstanceStarted',
      'StepStarted tick',
      'TaskScheduled tick',
    ],
  },
];

describe('decide: waits, timers, children and continue', () => {
  it.each(rows)('$name', async (row) => {
    await check(row);
  });
});
