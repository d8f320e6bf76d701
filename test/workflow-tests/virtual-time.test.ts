/**
 * The virtual clock of segue test: waits, timeouts and backoffs of hours and days end at the
 * exact virtual time they are due, in a run that sleeps nowhere; what is due at the same time
 * happens in a stated order; events are raised at a time or when awaited.
 */
import { describe, expect, it } from 'vitest';
import { RESERVE_THEN_CHARGE, runIn, verdicts } from './helpers.js';

const APPROVAL = `name: wf
steps:
  - name: decision
    type: wait
    event: approval
    timeout: 24h
    onTimeout: expired
  - name: done
    type: succeed
    output: "\${ decision }"
  - name: expired
    type: fail
    error: Expired
    message: nobody answered
`;

describe('the virtual clock', () => {
  it('runs a 24-hour timeout to its exact end, and an event just before it wins', async () => {
    const ran = await runIn({
      'wf.yaml': APPROVAL,
      'wf.test.yaml': `cases:
  - name: nobody answers
    expect: { status: FAILED, error: Expired, duration: 24h, path: [decision, expired] }
  - name: an answer a minute before the deadline
    events: [{ event: approval, at: 23h59m, payload: { ok: true } }]
    expect: { status: COMPLETED, output: { ok: true }, duration: 23h59m }
  - name: an answer at the deadline comes after the timeout
    events: [{ event: approval, at: 24h, payload: { ok: true } }]
    expect: { status: FAILED, error: Expired, duration: 24h }
`,
    });
    expect(verdicts(ran)).toEqual({ 'nobody answers': 'pass', 'an answer a minute before the deadline': 'pass', 'an answer at the deadline comes after the timeout': 'pass' });
    expect(ran.result.cases.map((c) => c.virtualMs)).toEqual([24 * 3_600_000, (23 * 60 + 59) * 60_000, 24 * 3_600_000]);
  });

  it('waits out a 3-day delay and a 7-day workflow timeout', async () => {
    const ran = await runIn({
      'wf.yaml': `name: wf
timeout: 7d
steps:
  - name: cool
    type: delay
    duration: 3d
  - name: ask
    type: wait
    event: never
  - name: done
    type: succeed
`,
      'wf.test.yaml': `cases:
  - name: the delay, then a wait the workflow's timeout ends
    expect: { status: TIMED_OUT, path: [cool, ask], duration: 7d }
  - name: stopped while it waits
    stopAfter: 3d1h
    expect: { status: RUNNING, waitingAt: [ask], duration: 3d1h }
`,
    });
    expect(verdicts(ran)).toEqual({ "the delay, then a wait the workflow's timeout ends": 'pass', 'stopped while it waits': 'pass' });
  });

  it('retries with a 10-minute backoff, and says how long it took when that is not what was expected', async () => {
    const ran = await runIn({
      'wf.yaml': `name: wf
steps:
  - name: charge
    type: task
    task: payments.charge
    retry: { maxAttempts: 5, initialInterval: 10m, backoffCoefficient: 2, jitter: 0.5 }
`,
      'wf.test.yaml': `mocks:
  steps:
    charge:
      - { error: Unavailable }
      - { error: Unavailable }
      - { error: Unavailable }
      - output: { paid: "\${ $attempt }" }
cases:
  - name: three failures, then it is paid
    expect: { status: COMPLETED, output: { charge: { paid: 4 } }, duration: 70m }
  - name: the wrong duration
    expect: { duration: 1h }
`,
    });
    // 10m + 20m + 40m: jitter is off in tests, so each retry waits its full interval.
    expect(verdicts(ran)).toEqual({
      'three failures, then it is paid': 'pass',
      'the wrong duration': ['wf.test.yaml:12:25: duration: expected 1h, took 1h10m of virtual time'],
    });
  });

  it('times out an answer slower than the step, and keeps a slow answer alive with heartbeats', async () => {
    const ran = await runIn({
      'wf.yaml': `name: wf
steps:
  - name: work
    type: task
    task: work
    timeout: 10h
    heartbeat: 1m
    catch: [{ errors: [Timeout], next: late }]
  - name: done
    type: succeed
    output: "\${ work }"
  - name: late
    type: fail
    error: Late
    message: "\${ error.message }"
`,
      'wf.test.yaml': `cases:
  - name: an answer after 2h, within the 10h timeout, heartbeat or not
    mocks: { tasks: { work: { after: 2h, output: { ok: true } } } }
    expect: { status: COMPLETED, output: { ok: true }, duration: 2h }
  - name: an answer after 11h is too late
    mocks: { tasks: { work: { after: 11h, output: { ok: true } } } }
    expect: { status: FAILED, error: Late, duration: 10h }
  - name: an answer exactly at the timeout is too late
    mocks: { tasks: { work: { after: 10h, output: { ok: true } } } }
    expect: { status: FAILED, error: Late, duration: 10h }
  - name: a worker that never answers misses its first heartbeat
    mocks: { tasks: { work: { noAnswer: true } } }
    expect: { status: FAILED, error: Late, duration: 1m }
`,
    });
    expect(verdicts(ran)).toEqual({
      'an answer after 2h, within the 10h timeout, heartbeat or not': 'pass',
      'an answer after 11h is too late': 'pass',
      'an answer exactly at the timeout is too late': 'pass',
      'a worker that never answers misses its first heartbeat': 'pass',
    });
  });

  it('starts a case at the time it gives, with the instance id it gives', async () => {
    const ran = await runIn({
      'wf.yaml': `name: wf
steps:
  - name: opening
    type: delay
    until: "\${ $substringBefore($now, 'T') & 'T09:00:00Z' }"
  - name: done
    type: succeed
    output: { at: "\${ $now }", id: "\${ $instance.id }" }
`,
      'wf.test.yaml': `cases:
  - name: at seven, it waits until nine
    now: 2026-03-02T07:00:00Z
    id: order-7
    expect: { output: { at: "2026-03-02T09:00:00.000Z", id: order-7 }, duration: 2h }
`,
    });
    expect(verdicts(ran)).toEqual({ 'at seven, it waits until nine': 'pass' });
  });
});

describe('events', () => {
  const TWO_WAITS = `name: wf
steps:
  - name: slow
    type: task
    task: slow
  - name: first
    type: wait
    event: note
  - name: second
    type: wait
    event: note
  - name: keyed
    type: wait
    event: approval
    correlate: ref
  - name: done
    type: succeed
    output: { first: "\${ first.n }", second: "\${ second.n }", keyed: "\${ keyed.n }" }
`;

  it('are raised when awaited, in the order of the list, at their time (buffered until awaited), or by key', async () => {
    const ran = await runIn({
      'wf.yaml': TWO_WAITS,
      // A task step without a timeout has a lease of 5 minutes: the slow answer comes within it.
      'wf.test.yaml': `mocks: { tasks: { slow: { after: 4m, output: {} } } }
cases:
  - name: when awaited, in order
    input: { ref: R-1 }
    events:
      - { event: note, payload: { n: 1 } }
      - { event: note, payload: { n: 2 } }
      - { event: approval, key: R-1, payload: { n: 3 } }
    expect: { status: COMPLETED, output: { first: 1, second: 2, keyed: 3 }, duration: 4m }
  - name: raised before anything waits, then taken
    input: { ref: R-1 }
    events:
      - { event: note, at: 0s, payload: { n: 1 } }
      - { event: note, at: 2h, payload: { n: 2 } }
      - { event: approval, key: R-1, at: 3h, payload: { n: 3 } }
    expect: { status: COMPLETED, output: { first: 1, second: 2, keyed: 3 }, duration: 3h }
`,
    });
    expect(verdicts(ran)).toEqual({ 'when awaited, in order': 'pass', 'raised before anything waits, then taken': 'pass' });
  });

  it('report where a case that cannot go on is stuck, and the event that found nothing waiting', async () => {
    const ran = await runIn({
      'wf.yaml': TWO_WAITS,
      'wf.test.yaml': `mocks: { tasks: { slow: { output: {} } } }
cases:
  - name: a wrong key
    input: { ref: R-1 }
    events:
      - { event: note, payload: { n: 1 } }
      - { event: note, payload: { n: 2 } }
      - { event: approval, key: R-2, payload: { n: 3 } }
    expect: { status: COMPLETED }
  - name: an event nobody waits for any more
    input: { ref: R-1 }
    events:
      - { event: note, payload: { n: 1 } }
    expect: { path: [slow, first, second] }
`,
    });
    expect(verdicts(ran)).toEqual({
      'a wrong key': [
        'wf.test.yaml:9:23: status: expected COMPLETED, got RUNNING: the instance cannot go on: step "keyed" waits for the event "approval" with key "R-1", which the case does not raise, and nothing else is due',
      ],
      'an event nobody waits for any more': [
        'wf.test.yaml:14:13: the instance cannot go on: step "second" waits for the event "note", which the case does not raise, and nothing else is due; if it is meant to wait, expect status: RUNNING',
      ],
    });
    expect(ran.result.cases[0]!.ended).toBe(
      'the instance was RUNNING at step "keyed" after 0s; the case\'s event "approval" with key "R-2" was never raised: nothing waited for it',
    );
  });
});

describe('a case that cannot finish', () => {
  it('names the step and task type of a task no mock answers, instead of waiting for it', async () => {
    const ran = await runIn({
      'wf.yaml': `name: wf
steps:
${RESERVE_THEN_CHARGE}  - name: profile
    type: http
    url: https://api.example.com/users/1
`,
      'wf.test.yaml': `mocks:
  tasks:
    inventory.reserve: { output: {} }
cases:
  - name: charge is not mocked
    expect: { status: COMPLETED }
  - name: the release is not mocked
    mocks: { steps: { charge: { error: Declined } } }
    expect: { status: FAILED }
  - name: the HTTP call is not mocked
    mocks: { steps: { charge: { output: {} } } }
    expect: { status: COMPLETED }
`,
    });
    expect(verdicts(ran)).toEqual({
      'charge is not mocked': [
        'wf.test.yaml:5:11: step "charge" runs a task of type payments.charge, which no mock answers; add one under mocks: tasks: payments.charge: (or steps: charge:)',
      ],
      'the release is not mocked': [
        'wf.test.yaml:7:11: the compensation of step "reserve" runs a task of type inventory.release, which no mock answers; add one under mocks: tasks: inventory.release: (or compensations: reserve:)',
      ],
      'the HTTP call is not mocked': [
        'wf.test.yaml:10:11: http step "profile" calls GET https://api.example.com/users/1, which no mock answers (a test makes no request); add one under mocks: steps: profile:',
      ],
    });
  });

  it('ends a loop that never waits for long with a bound, instead of spinning', async () => {
    const ran = await runIn(
      {
        'wf.yaml': `name: wf
steps:
  - name: poll
    type: task
    task: poll
  - name: again
    type: delay
    duration: 1s
    next: poll
`,
        'wf.test.yaml': `mocks: { tasks: { poll: { output: {} } } }
cases:
  - name: forever
    expect: { status: COMPLETED }
`,
      },
      'wf.test.yaml',
      { maxMoves: 50 },
    );
    expect(ran.lines).toEqual([
      'wf.test.yaml:3:11: the instance was still busy after 50 moves of the test, 25s of virtual time in: a loop that never ends? Give the case stopAfter: to end it at a time of your choosing',
    ]);
  });

  it("answers a step that waits for its task token with the mock, sent back with the token; a slow answer heartbeats meanwhile", async () => {
    const ran = await runIn({
      'wf.yaml': `StartAt: Approve
States:
  Approve:
    Type: Task
    Resource: arn:aws:states:::sqs:sendMessage.waitForTaskToken
    Parameters: { order.$: $.order, token.$: $$.Task.Token }
    HeartbeatSeconds: 10
    TimeoutSeconds: 3600
    ResultPath: $.approval
    Catch:
      - { ErrorEquals: [States.HeartbeatTimeout], ResultPath: $.late, Next: Late }
      - { ErrorEquals: [Rejected], ResultPath: $.rejected, Next: Late }
    End: true
  Late: { Type: Pass, End: true }
`,
      'wf.test.yaml': `cases:
  - name: the answer comes back with the token
    input: { order: A-1 }
    mocks: { tasks: { "sqs:sendMessage": { output: { approved: "\${ order }" } } } }
    expect: { status: COMPLETED, output: { order: A-1, approval: { approved: A-1 } }, duration: 0s }
  - name: an answer after 50 minutes keeps the step alive with heartbeats
    input: { order: A-2 }
    mocks: { tasks: { "sqs:sendMessage": { after: 50m, output: { approved: true } } } }
    expect: { status: COMPLETED, output: { order: A-2, approval: { approved: true } }, duration: 50m }
  - name: a failure sent back is caught
    input: { order: A-3 }
    mocks: { tasks: { "sqs:sendMessage": { error: Rejected, message: no stock } } }
    expect: { status: COMPLETED, output: { order: A-3, rejected: { Error: Rejected, Cause: no stock } } }
  - name: nobody holding the token answers
    input: { order: A-4 }
    mocks: { tasks: { "sqs:sendMessage": { noAnswer: true } } }
    expect: { status: COMPLETED, output: { order: A-4, late: { Error: States.HeartbeatTimeout, Cause: no heartbeat came with the task token within 10s } }, duration: 10s }
`,
    });
    expect(verdicts(ran)).toEqual({
      'the answer comes back with the token': 'pass',
      'an answer after 50 minutes keeps the step alive with heartbeats': 'pass',
      'a failure sent back is caught': 'pass',
      'nobody holding the token answers': 'pass',
    });
  });
});
