/**
 * decide() tables for steps compiled from Amazon States Language: their hooks give the task its
 * effective input and lease, place its result by ResultPath, retry by the state's own Retry rules
 * (each counting its retries on the frame), and catch into the Catch rule's ResultPath and Next.
 */
import { describe, it } from 'vitest';
import { check, plan, T0, type Row } from './harness.js';

const charge = plan(`
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: arn:aws:states:::lambda:invoke
    Parameters: { amount.$: $.total }
    TimeoutSeconds: 30
    ResultPath: $.paid
    Assign: { receipt.$: $.id }
    Retry:
      - { ErrorEquals: [Flaky], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 2 }
    Catch:
      - { ErrorEquals: [States.ALL], ResultPath: $.failure, Next: Declined }
    End: true
  Declined:
    Type: Pass
    End: true
`);

const task = (id: string, attempt: number) => ({
  type: 'scheduleTask' as const,
  task: { id, step: 'Charge', type: 'lambda:invoke', queue: 'lambda:invoke', input: { amount: 5 }, attempt, timeoutMs: 30_000, heartbeatMs: null },
});
const timer = (timerId: string, dueAt: number) => ({ type: 'startTimer' as const, timerId, dueAt, input: { type: 'timerFired' as const, timerId } });
const flaky = (taskId: string) => ({ type: 'taskFailed' as const, taskId, error: { error: 'Flaky', message: 'try again' } });

const rows: Row[] = [
  {
    name: 'Task: the worker gets the effective input (Parameters), under the lease of TimeoutSeconds',
    plan: charge,
    input: { total: 5 },
    commands: [task('i1:1:t1', 1)],
    record: { status: 'RUNNING', state: { frames: { root: { step: 'Charge', wait: { kind: 'task', taskId: 'i1:1:t1' } } } } },
    history: ['InstanceStarted', 'StepStarted Charge', 'TaskScheduled Charge'],
  },
  {
    name: 'Task: the result goes to ResultPath, and End completes the run with it',
    plan: charge,
    input: { total: 5 },
    inputs: [{ type: 'taskCompleted', taskId: 'i1:1:t1', output: { id: 'R-1' } }],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t1' }],
    record: { status: 'COMPLETED', state: { output: { total: 5, paid: { id: 'R-1' } } } },
  },
  {
    name: 'Retry: the first matching rule waits IntervalSeconds, and counts its retry on the frame',
    plan: charge,
    input: { total: 5 },
    inputs: [flaky('i1:1:t1')],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t1' }, timer('i1:1:r2', T0 + 1_000 + 2_000)],
    record: { state: { frames: { root: { step: 'Charge', retries: [1], wait: { kind: 'retry', timerId: 'i1:1:r2' } } } } },
    history: ['TaskFailed Charge', 'StepFailed Charge', 'RetryScheduled Charge'],
  },
  {
    name: 'Retry: the second retry waits IntervalSeconds × BackoffRate',
    plan: charge,
    input: { total: 5 },
    inputs: [flaky('i1:1:t1'), { type: 'timerFired', timerId: 'i1:1:r2' }, flaky('i1:1:t3')],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t3' }, timer('i1:1:r4', T0 + 3_000 + 6_000)],
    record: { state: { frames: { root: { retries: [2], attempt: 2 } } } },
  },
  {
    name: 'Catch: past MaxAttempts the error output goes to the rule ResultPath and the run goes to its Next',
    plan: charge,
    input: { total: 5 },
    inputs: [flaky('i1:1:t1'), { type: 'timerFired', timerId: 'i1:1:r2' }, flaky('i1:1:t3'), { type: 'timerFired', timerId: 'i1:1:r4' }, flaky('i1:1:t5')],
    commands: [{ type: 'removeTask', taskId: 'i1:1:t5' }],
    record: { status: 'COMPLETED', state: { output: { total: 5, failure: { Error: 'Flaky', Cause: 'try again' } } } },
    history: ['TaskFailed Charge', 'StepFailed Charge', 'ErrorCaught Charge', 'StepStarted Declined', 'StepCompleted Declined', 'InstanceCompleted'],
  },
];

describe('decide: ASL steps', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check(row);
  });
});
