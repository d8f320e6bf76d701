import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../definitions/model.js';
import { checkAslDefinition } from '../../definitions/asl/validate.js';
import { isAslDocument } from '../../definitions/asl/recognise.js';

/** The problems of a document written as JSON (pretty-printed, so each field has its own line). */
function problemsOf(machine: unknown): string[] {
  return checkAslDefinition(JSON.stringify(machine, null, 2), 'm.asl.json').problems.map(formatProblem);
}

const pass = (extra: object = {}) => ({ Type: 'Pass', End: true, ...extra });

describe('recognising an ASL document', () => {
  it('is an object with StartAt and States, not a Segue workflow', () => {
    expect(isAslDocument({ StartAt: 'A', States: {} })).toBe(true);
    expect(isAslDocument({ name: 'w', steps: [] })).toBe(false);
    expect(isAslDocument('StartAt')).toBe(false);
  });
});

describe('checkAslDefinition', () => {
  it('accepts a sound document and gives it back', () => {
    const result = checkAslDefinition(JSON.stringify({ StartAt: 'A', States: { A: pass() } }), 'm.json');
    expect(result.problems).toEqual([]);
    expect(result.definition?.StartAt).toBe('A');
  });

  it('reads YAML and points at the line and column of the problem', () => {
    const yaml = ['StartAt: A', 'States:', '  A:', '    Type: Pass', '    Next: Bb', '  B:', '    Type: Succeed', ''].join('\n');
    expect(checkAslDefinition(yaml, 'm.asl.yaml').problems.map(formatProblem)).toEqual([
      'm.asl.yaml:5:11: state "A": "Next" points to "Bb", which is not a state (did you mean "B"?)',
    ]);
  });

  it('names an unknown StartAt, Default and Catch Next, with a suggestion', () => {
    const problems = problemsOf({
      StartAt: 'Strat',
      States: {
        Start: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'Done' }], Default: 'Dnoe' },
        Work: { Type: 'Task', Resource: 'r', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Oops' }], Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    });
    expect(problems).toEqual([
      'm.asl.json:2:14: "StartAt" is "Strat", which is not a state (did you mean "Start"?)',
      'm.asl.json:13:18: state "Start": "Default" points to "Dnoe", which is not a state (did you mean "Done"?)',
      'm.asl.json:23:19: state "Work": "Next" of Catch rule 1 points to "Oops", which is not a state',
    ]);
  });

  it('asks for Next or End where a state goes on, and only one of them', () => {
    expect(problemsOf({ StartAt: 'A', States: { A: { Type: 'Pass' }, B: { Type: 'Wait', Seconds: 1, Next: 'A', End: true } } })).toEqual([
      'm.asl.json:4:10: state "A" has neither "Next" nor "End": a Pass state must say where to go next (Next) or that it ends the run (End: true)',
      'm.asl.json:11:14: state "B": "End" cannot be true when the state also has "Next"; keep one: Next to go on, or End: true to finish',
    ]);
  });

  it('finds states that can never run', () => {
    expect(problemsOf({ StartAt: 'A', States: { A: pass(), B: { Type: 'Succeed' } } })).toEqual([
      'm.asl.json:8:5: state "B" can never run: neither StartAt nor any Next, Default, choice rule or Catch rule leads to it; point one at it, or remove the state',
    ]);
  });

  it('refuses a name used twice across nested machines, and a Next into another machine', () => {
    const nested = { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'M', States: { M: pass() } }, End: true } } };
    expect(problemsOf(nested)).toEqual([
      'm.asl.json:9:11: state "M" has the name of another state, on line 4 (in the state machine); state names must be unique in the whole document, nested machines included',
    ]);
    const across = { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'In', States: { In: { Type: 'Pass', Next: 'After' } } }, Next: 'After' }, After: { Type: 'Succeed' } } };
    expect(problemsOf(across)).toEqual([
      'm.asl.json:11:21: state "In": "Next" points to "After", which is in the state machine; a state can only go to states of the item processor of state "M"',
    ]);
  });

  it('refuses the fields of the other query language', () => {
    const machine = { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { a: 1 }, Next: 'B' }, B: { Type: 'Task', Resource: 'r', QueryLanguage: 'JSONPath', Arguments: { a: 1 }, End: true } } };
    expect(problemsOf(machine)).toEqual([
      'm.asl.json:7:7: state "A": "Parameters" cannot be used in a JSONata state; use Arguments, Output and Assign with {% %} expressions',
      'm.asl.json:16:7: state "B": "Arguments" cannot be used in a JSONPath state; use the JSONPath fields (InputPath, Parameters, ResultSelector, ResultPath, OutputPath), or set "QueryLanguage": "JSONata"',
    ]);
  });

  it('checks paths, reference paths and intrinsic calls, pointing into the text', () => {
    const parameters = { 'x.$': 'a.b', 'y.$': 'States.Formatt($.a)', 'z.$': "States.Format('{} {}', $.a)", 'w.$': 'States.MathAdd(1)' };
    expect(problemsOf({ StartAt: 'A', States: { A: pass({ InputPath: '$.a[', ResultPath: '$.items[*]', Parameters: parameters }) } })).toEqual([
      'm.asl.json:7:24: state "A": "InputPath" is "$.a[", which is not a valid path: write an index like [0], a name like [\'name\'], [*], a slice like [1:3] or a filter like [?(@.x > 1)]',
      'm.asl.json:8:21: state "A": "ResultPath" is "$.items[*]", but it must name one place in the input: $, or $ followed by names and indexes, like $.result or $.items[0]',
      'm.asl.json:10:16: state "A": "Parameters.x.$" is "a.b"; a field ending in .$ takes a path starting with $, or an intrinsic function call like States.Format(\'{}\', $.name)',
      'm.asl.json:11:17: state "A": "Parameters.y.$" is not a valid intrinsic function call: "States.Formatt" is not an intrinsic function',
      'm.asl.json:12:16: state "A": "Parameters.z.$" has 2 {} in the States.Format text but 1 value to put there; give one value for each {}',
      'm.asl.json:13:17: state "A": "Parameters.w.$" is not a valid intrinsic function call: States.MathAdd takes 2 arguments, not 1',
    ]);
  });

  it('checks JSONata expressions and variable names', () => {
    const machine = { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: pass({ Output: { x: '{% $states.input.( %}', y: '{%  %}' }, Assign: { 'bad-name': 1, states: 2 } }) } };
    expect(problemsOf(machine)).toEqual([
      'm.asl.json:9:32: state "A": "Output.x" holds a JSONata expression that cannot be read: Expected ")" before end of expression',
      'm.asl.json:10:14: state "A": "Output.y" holds an empty {% %}; write a JSONata expression between {% and %}',
      'm.asl.json:13:9: state "A": "Assign.bad-name" names the variable "bad-name", which is not allowed: a variable name starts with a letter or _ and holds only letters, digits and _',
      'm.asl.json:14:9: state "A": "Assign.states" names the variable "states", which is not allowed: "states" is reserved for $states',
    ]);
  });

  it('checks Retry and Catch rules', () => {
    const task = { Type: 'Task', Resource: 'r', End: true, Retry: [{ ErrorEquals: ['States.ALL', 'X'] }, { ErrorEquals: ['States.Timout'], MaxDelaySeconds: 1, IntervalSeconds: 5 }], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'E' }, { ErrorEquals: ['Y'], Next: 'E' }] };
    expect(problemsOf({ StartAt: 'T', States: { T: task, E: { Type: 'Fail' } } })).toEqual([
      'm.asl.json:11:13: state "T": error name 1 of Retry rule 1 is States.ALL, so the Retry rules after this one can never apply; put this rule last',
      'm.asl.json:11:13: state "T": error name 1 of Retry rule 1 is States.ALL, which must be the only error name of its rule: it already takes every error',
      'm.asl.json:17:13: state "T": error name 1 of Retry rule 2 is "States.Timout", which is not a predefined error (did you mean "States.Timeout"?); names starting with States. are Step Functions\' own',
      'm.asl.json:19:30: state "T": "MaxDelaySeconds" of Retry rule 2 is 1, less than the 5 seconds of IntervalSeconds; make it at least that',
      'm.asl.json:26:13: state "T": error name 1 of Catch rule 1 is States.ALL, so the Catch rules after this one can never apply; put this rule last',
    ]);
  });

  it('refuses timestamps that do not exist or are not written the ISO way', () => {
    const machine = { StartAt: 'W', States: { W: { Type: 'Wait', Timestamp: '2016-13-05T21:29:29Z', Next: 'C' }, C: { Type: 'Choice', Choices: [{ Variable: '$.t', TimestampEquals: '2016-12-05 21:29:29Z', Next: 'W' }], Default: 'W' } } };
    expect(problemsOf(machine)).toEqual([
      'm.asl.json:6:20: state "W": "Timestamp" is "2016-13-05T21:29:29Z", which is not a timestamp; write it like 2016-08-18T17:33:00Z (an uppercase T between date and time, and Z or an offset like +01:00)',
      'm.asl.json:14:30: state "C": "TimestampEquals" of choice rule 1 is "2016-12-05 21:29:29Z", which is not a timestamp; write it like 2016-08-18T17:33:00Z (an uppercase T between date and time, and Z or an offset like +01:00)',
    ]);
  });

  it('names unknown and misplaced fields, a misspelt Type, and fields that exclude each other', () => {
    expect(problemsOf({ StartAt: 'A', States: { A: pass({ Resoure: 'x', Seconds: 3, Nxt: 'A' }), B: { Type: 'Wiat' } } })).toEqual([
      'm.asl.json:7:7: state "A": unknown field "Resoure" (did you mean "Result"?)',
      'm.asl.json:8:7: state "A": a Pass state has no "Seconds"; that is a field of Wait states',
      'm.asl.json:9:7: state "A": unknown field "Nxt" (did you mean "Next"?)',
      'm.asl.json:12:15: state "B": "Type" is "Wiat" (did you mean "Wait"?); use one of Task, Pass, Choice, Wait, Succeed, Fail, Parallel or Map',
    ]);
    expect(problemsOf({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, SecondsPath: '$.s', End: true } } })).toEqual([
      'm.asl.json:7:7: state "W": "SecondsPath" cannot be used together with "Seconds"; keep one of them',
    ]);
  });

  it('reports a text that is not JSON', () => {
    expect(checkAslDefinition('{"StartAt": "A", "States": {', 'm.json').problems.map(formatProblem)[0]).toMatch(/^m\.json:1:\d+: this is not valid JSON/);
  });
});
