/** Validation refuses durations too long to end in a date, wherever a definition gives one. */
import { describe, expect, it } from 'vitest';
import { checkDefinition, formatProblems } from '../../definitions/validate.js';

const TOO_LONG = 'longer than the 36500d (about 100 years) a duration may be; make it shorter';

describe('durations longer than 100 years', () => {
  it('are refused in every field that takes one, each at its line and column', () => {
    const text = `name: long
timeout: 999999999999w
defaults: { timeout: 36501d, retry: { initialInterval: 1s, maxInterval: P99999W } }
schedules:
  - { cron: "0 9 * * *", catchupWindow: 99999999d }
steps:
  - { name: nap, type: delay, duration: 999999999999w }
  - { name: work, type: task, task: x, timeout: 999999999999w, heartbeat: 5300w, retry: { maxAttempts: 2, initialInterval: 36500d1ms } }
  - name: undo
    type: task
    task: x
    compensate: { task: y, timeout: 40000d, retry: { maxAttempts: 2, maxInterval: 876001h } }
  - name: fan
    type: parallel
    branches:
      - name: b
        steps:
          - { name: hold, type: wait, event: e, timeout: 36501d }
          - { name: child, type: workflow, workflow: other, timeout: 999999999999999999999999999999999999999999999999999999w }
`;
    expect(formatProblems(checkDefinition(text, 'long.yaml').problems).split('\n')).toEqual([
      `long.yaml:2:10: "timeout" is "999999999999w", ${TOO_LONG}`,
      `long.yaml:3:22: "defaults.timeout" is "36501d", ${TOO_LONG}`,
      `long.yaml:3:73: "defaults.retry.maxInterval" is "P99999W", ${TOO_LONG}`,
      `long.yaml:5:41: "catchupWindow" of schedule 1 is "99999999d", ${TOO_LONG}`,
      `long.yaml:7:41: step "nap": "duration" is "999999999999w", ${TOO_LONG}`,
      `long.yaml:8:49: step "work": "timeout" is "999999999999w", ${TOO_LONG}`,
      `long.yaml:8:75: step "work": "heartbeat" is "5300w", ${TOO_LONG}`,
      `long.yaml:8:124: step "work": "retry.initialInterval" is "36500d1ms", ${TOO_LONG}`,
      `long.yaml:12:37: step "undo": "compensate.timeout" is "40000d", ${TOO_LONG}`,
      `long.yaml:12:83: step "undo": "compensate.retry.maxInterval" is "876001h", ${TOO_LONG}`,
      `long.yaml:18:58: step "hold": "timeout" is "36501d", ${TOO_LONG}`,
      `long.yaml:19:70: step "child": "timeout" is "9999999999999999999999999999999999999999…", ${TOO_LONG}`,
    ]);
  });

  it('take exactly 100 years, in either way of writing it', () => {
    const text = `name: long
timeout: 36500d
steps:
  - { name: nap, type: delay, duration: P5214W2D }
  - { name: work, type: task, task: x, timeout: 876000h }
`;
    expect(checkDefinition(text, 'long.yaml').problems).toEqual([]);
  });
});
