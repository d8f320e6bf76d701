import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../definitions/model.js';
import { compileChoice } from '../../definitions/asl/choice.js';
import { compileChoiceRule } from '../../definitions/asl/choice-rules.js';
import { StatesError } from '../../definitions/asl/errors.js';
import { compileStringPattern, matchesPattern } from '../../definitions/asl/string-matches.js';
import { rootScope } from '../../definitions/asl/variables.js';
import type { State } from '../../definitions/asl/types.js';

const input: Json = { s: 'beta', n: 5, b: true, t: '2016-08-18T17:33:00Z', nil: null, other: { s: 'alpha', n: 5, t: '2016-08-18T18:33:00+01:00' } };
const test = (rule: JsonObject) => compileChoiceRule(rule).test({ input });

describe('choice rules of JSONPath states', () => {
  it.each([
    [{ Variable: '$.s', StringEquals: 'beta' }, true],
    [{ Variable: '$.s', StringLessThan: 'gamma' }, true],
    [{ Variable: '$.s', StringGreaterThanEquals: 'beta' }, true],
    [{ Variable: '$.s', StringGreaterThanPath: '$.other.s' }, true],
    [{ Variable: '$.s', StringLessThanEqualsPath: '$.other.s' }, false],
    [{ Variable: '$.n', NumericEquals: 5 }, true],
    [{ Variable: '$.n', NumericGreaterThan: 5 }, false],
    [{ Variable: '$.n', NumericLessThanEquals: 5 }, true],
    [{ Variable: '$.n', NumericEqualsPath: '$.other.n' }, true],
    [{ Variable: '$.s', NumericEquals: 5 }, false],
    [{ Variable: '$.b', BooleanEquals: true }, true],
    [{ Variable: '$.b', BooleanEqualsPath: '$.other.b' }, 'fails'],
    [{ Variable: '$.t', TimestampEquals: '2016-08-18T18:33:00+01:00' }, true],
    [{ Variable: '$.t', TimestampLessThan: '2016-08-18T17:33:00.001Z' }, true],
    [{ Variable: '$.t', TimestampEqualsPath: '$.other.t' }, true],
    [{ Variable: '$.s', TimestampEquals: '2016-08-18T17:33:00Z' }, false],
    [{ Variable: '$.s', StringMatches: 'b*a' }, true],
    [{ Variable: '$.s', StringMatches: 'b\\*a' }, false],
    [{ Variable: '$.nil', IsNull: true }, true],
    [{ Variable: '$.none', IsPresent: false }, true],
    [{ Variable: '$.none', IsNull: true }, false],
    [{ Variable: '$.n', IsNumeric: true }, true],
    [{ Variable: '$.s', IsString: false }, false],
    [{ Variable: '$.b', IsBoolean: true }, true],
    [{ Variable: '$.t', IsTimestamp: true }, true],
    [{ And: [{ Variable: '$.n', NumericGreaterThan: 1 }, { Not: { Variable: '$.s', StringEquals: 'x' } }] }, true],
    [{ Or: [{ Variable: '$.n', NumericGreaterThan: 9 }, { Variable: '$.b', BooleanEquals: false }] }, false],
    [{ Variable: '$.none', StringEquals: 'x' }, 'fails'],
  ])('%j gives %s', (rule, expected) => {
    if (expected !== 'fails') {
      expect(test(rule as JsonObject)).toBe(expected);
      return;
    }
    expect(() => test(rule as JsonObject)).toThrow(StatesError);
  });

  it("words a missing Variable as AWS does", () => {
    expect(() => test({ Variable: '$.none', NumericEquals: 1 })).toThrow("Invalid path '$.none': The choice state's condition path references an invalid value.");
  });
});

describe('StringMatches patterns', () => {
  it('matches * as any run of characters, \\* and \\\\ as themselves', () => {
    const m = (pattern: string, text: string) => matchesPattern(text, compileStringPattern(pattern));
    expect(m('log-*.txt', 'log-2024.txt')).toBe(true);
    expect(m('*', '')).toBe(true);
    expect(m('a*b*c', 'abc')).toBe(true);
    expect(m('a*b*c', 'acb')).toBe(false);
    expect(m('a\\*', 'a*')).toBe(true);
    expect(m('a\\*', 'ab')).toBe(false);
    expect(m('a\\\\b', 'a\\b')).toBe(true);
  });
});

describe('a Choice state', () => {
  const env = { context: {}, variables: rootScope({ limit: 3 }), random: () => 0 };

  it('takes the first rule that holds, with its Assign; the state Assign only with Default', async () => {
    const state = {
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericGreaterThanPath: '$limit', Next: 'Big', Assign: { size: 'big' } }],
      Default: 'Small',
      Assign: { size: 'small', 'seen.$': '$.n' },
    } as State;
    expect(await compileChoice(state, undefined)({ n: 5 }, env)).toEqual({ next: 'Big', output: { n: 5 }, assigned: { size: 'big' } });
    expect(await compileChoice(state, undefined)({ n: 1 }, env)).toEqual({ next: 'Small', output: { n: 1 }, assigned: { size: 'small', seen: 1 } });
  });

  it('tests JSONata Conditions, which must give true or false, and applies the rule Output', async () => {
    const state = { Type: 'Choice', QueryLanguage: 'JSONata', Choices: [{ Condition: '{% $states.input.n > $limit %}', Next: 'Big', Output: '{% "big" %}' }], Default: 'Small' } as State;
    expect(await compileChoice(state, undefined)({ n: 5 }, env)).toEqual({ next: 'Big', output: 'big', assigned: {} });
    const bad = { ...state, Choices: [{ Condition: '{% $states.input.n %}', Next: 'Big' }] } as State;
    await expect(compileChoice(bad, undefined)({ n: 5 }, env)).rejects.toThrow("The JSONata expression '$states.input.n' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 5");
  });

  it('fails with States.NoChoiceMatched when nothing holds and there is no Default', async () => {
    const state = { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 0, Next: 'Zero' }] } as State;
    await expect(compileChoice(state, undefined)({ n: 5 }, env)).rejects.toMatchObject({ error: 'States.NoChoiceMatched' });
  });
});
