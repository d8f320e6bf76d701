import { describe, expect, it } from 'vitest';
import { StatesError } from '../../definitions/asl/errors.js';
import { compileMap, exceedsToleratedFailures } from '../../definitions/asl/map.js';
import { decideRetry, matchesError, matchingCatcher, retryDelayMs } from '../../definitions/asl/retry.js';
import type { Retrier, State } from '../../definitions/asl/types.js';
import { rootScope } from '../../definitions/asl/variables.js';

describe('matching errors', () => {
  it('takes a name, States.ALL for any, States.TaskFailed for any but States.Timeout, and never States.Runtime', () => {
    expect(matchesError(['Boom'], 'Boom')).toBe(true);
    expect(matchesError(['Boom'], 'Other')).toBe(false);
    expect(matchesError(['States.ALL'], 'States.DataLimitExceeded')).toBe(true);
    expect(matchesError(['States.TaskFailed'], 'Lambda.Unknown')).toBe(true);
    expect(matchesError(['States.TaskFailed'], 'States.Timeout')).toBe(false);
    expect(matchesError(['States.ALL', 'States.Runtime'], 'States.Runtime')).toBe(false);
    expect(matchingCatcher([{ ErrorEquals: ['A'], Next: 'a' }, { ErrorEquals: ['States.ALL'], Next: 'b' }], 'B')).toBe(1);
  });

  it('takes a missed heartbeat by its own name and by States.Timeout, which covers both timeouts, but not by States.TaskFailed', () => {
    expect(matchesError(['States.HeartbeatTimeout'], 'States.HeartbeatTimeout')).toBe(true);
    expect(matchesError(['States.Timeout'], 'States.HeartbeatTimeout')).toBe(true);
    expect(matchesError(['States.HeartbeatTimeout'], 'States.Timeout')).toBe(false);
    expect(matchesError(['States.TaskFailed'], 'States.HeartbeatTimeout')).toBe(false);
  });
});

describe('retry decisions', () => {
  const retriers: Retrier[] = [{ ErrorEquals: ['Flaky'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 2 }, { ErrorEquals: ['States.ALL'], MaxAttempts: 0 }];

  it('waits IntervalSeconds × BackoffRate^n and counts each retrier on its own', () => {
    const first = decideRetry(retriers, 'Flaky', [], () => 0);
    expect(first).toEqual({ retry: true, delayMs: 2000, retrier: 0, retries: [1, 0] });
    const second = decideRetry(retriers, 'Flaky', [1, 0], () => 0);
    expect(second).toEqual({ retry: true, delayMs: 6000, retrier: 0, retries: [2, 0] });
    expect(decideRetry(retriers, 'Flaky', [2, 0], () => 0)).toEqual({ retry: false });
  });

  it('never retries with MaxAttempts 0, nor an error no retrier takes', () => {
    expect(decideRetry(retriers, 'Other', [], () => 0)).toEqual({ retry: false });
    expect(decideRetry([{ ErrorEquals: ['X'] }], 'Y', [], () => 0)).toEqual({ retry: false });
  });

  it('uses the defaults (1 s, ×2, 3 attempts), caps at MaxDelaySeconds and jitters with the injected random', () => {
    expect([0, 1, 2].map((n) => retryDelayMs({ ErrorEquals: ['X'] }, n, () => 0))).toEqual([1000, 2000, 4000]);
    expect(decideRetry([{ ErrorEquals: ['X'] }], 'X', [3], () => 0)).toEqual({ retry: false });
    expect(retryDelayMs({ ErrorEquals: ['X'], IntervalSeconds: 10, MaxDelaySeconds: 15 }, 3, () => 0)).toBe(15_000);
    expect(retryDelayMs({ ErrorEquals: ['X'], IntervalSeconds: 10, JitterStrategy: 'FULL' }, 1, () => 0.25)).toBe(5_000);
  });
});

describe('Map settings and item inputs', () => {
  const env = { context: { Execution: { Name: 'r' } }, variables: rootScope({ limit: '2' }), random: () => 0 };
  const map = (fields: object, language?: 'JSONata') => compileMap({ Type: 'Map', ItemProcessor: { StartAt: 'P', States: {} }, End: true, ...fields } as State, language);

  it('selects the items, builds each input with $$.Map.Item, and reads the limits', async () => {
    const m = map({ InputPath: '$.in', ItemsPath: '$.list', ItemSelector: { 'v.$': '$$.Map.Item.Value', 'i.$': '$$.Map.Item.Index', 'tag.$': '$.tag' }, MaxConcurrencyPath: '$limit', ToleratedFailurePercentage: 50, Label: 'each' });
    const raw = { in: { list: ['a', 'b'], tag: 't' } };
    expect(await m.settings(raw, env)).toEqual({ items: ['a', 'b'], maxConcurrency: 2, toleratedFailurePercentage: 50, label: 'each' });
    expect(await m.itemInput(raw, 1, 'b', env)).toEqual({ v: 'b', i: 1, tag: 't' });
  });

  it('in JSONata, evaluates Items and ItemSelector with $states.context.Map.Item', async () => {
    const m = map({ Items: '{% $states.input.n %}', ItemSelector: { v: '{% $states.context.Map.Item.Value * 10 %}' }, MaxConcurrency: '{% 1 %}' }, 'JSONata');
    expect(await m.settings({ n: [1, 2] }, env)).toEqual({ items: [1, 2], maxConcurrency: 1 });
    expect(await m.itemInput({ n: [1, 2] }, 0, 1, env)).toEqual({ v: 10 });
  });

  it("fails with AWS's causes for items or limits it cannot use", async () => {
    await expect(map({ Items: '{% $states.input.n %}' }, 'JSONata').settings({ n: 'x' }, env)).rejects.toThrow(
      new StatesError('States.QueryEvaluationError', "The JSONata expression '$states.input.n' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: \"x\""),
    );
    await expect(map({}, 'JSONata').settings(null, env)).rejects.toThrow('Map state input must be an array but was: null');
    await expect(map({ ItemsPath: '$.l', MaxConcurrencyPath: '$.m' }).settings({ l: [], m: 'NoNumber' }, env)).rejects.toThrow('The MaxConcurrencyPath field refers to value "NoNumber" which is not a valid integer: $.m');
    await expect(map({ ItemsPath: '$.l', ToleratedFailurePercentagePath: '$.p' }).settings({ l: [], p: 100.1 }, env)).rejects.toThrow('ToleratedFailurePercentage must be between 0 and 100.');
  });

  it('tolerates no failure by default, else up to the count or the share', () => {
    expect(exceedsToleratedFailures({}, 1, 10)).toBe(true);
    expect(exceedsToleratedFailures({}, 0, 10)).toBe(false);
    expect(exceedsToleratedFailures({ toleratedFailureCount: 2 }, 2, 10)).toBe(false);
    expect(exceedsToleratedFailures({ toleratedFailureCount: 2 }, 3, 10)).toBe(true);
    expect(exceedsToleratedFailures({ toleratedFailurePercentage: 30 }, 3, 10)).toBe(false);
    expect(exceedsToleratedFailures({ toleratedFailurePercentage: 30 }, 4, 10)).toBe(true);
  });
});
