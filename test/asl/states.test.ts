import { describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { compileCatchFlow, compileStateFlow, errorOutput } from '../../definitions/asl/dataflow.js';
import { StatesError } from '../../definitions/asl/errors.js';
import { compileFail } from '../../definitions/asl/fail.js';
import { compilePass } from '../../definitions/asl/pass.js';
import { compileTaskTimeouts } from '../../definitions/asl/task.js';
import type { State } from '../../definitions/asl/types.js';
import { rootScope } from '../../definitions/asl/variables.js';
import { compileWait, waitDueMs } from '../../definitions/asl/wait.js';

const env = { context: { Execution: { Name: 'run-1' } }, variables: rootScope({ who: 'Ada' }), random: () => 0 };
const state = (fields: object) => fields as State;

describe('the JSONPath data flow', () => {
  it('runs InputPath, Parameters, ResultSelector, ResultPath and OutputPath in order, Assign from the selected result', async () => {
    const raw = { order: { id: 7 }, other: 1 };
    const ok = compileStateFlow(state({ Type: 'Task', InputPath: '$.order', Parameters: { 'id.$': '$.id', 'by.$': '$who', 'run.$': '$$.Execution.Name', nested: [{ 'deep.$': '$.id', 'plain.$x': '$.id' }] }, ResultSelector: { 'total.$': '$.sum' }, ResultPath: '$.result', OutputPath: '$.result', Assign: { 'last.$': '$.total' } }), undefined);
    expect(await ok.effectiveInput(raw, env)).toEqual({ id: 7, by: 'Ada', run: 'run-1', nested: [{ deep: 7, 'plain.$x': '$.id' }] });
    expect(await ok.output(raw, { sum: 12, noise: true }, env)).toEqual({ output: { total: 12 }, assigned: { last: 12 } });
  });

  it('treats null paths as AWS does: {} for InputPath and OutputPath, the input kept for ResultPath', async () => {
    const flow = compileStateFlow(state({ Type: 'Task', InputPath: null, ResultPath: null }), undefined);
    expect(await flow.effectiveInput({ a: 1 }, env)).toEqual({});
    expect((await flow.output({ a: 1 }, 'result', env)).output).toEqual({ a: 1 });
    expect((await compileStateFlow(state({ Type: 'Pass', OutputPath: null }), undefined).output({ a: 1 }, 'r', env)).output).toEqual({});
  });

  it('places a caught error at the Catch rule ResultPath, $ by default', async () => {
    const caught = errorOutput('Boom', 'it broke');
    expect(await compileCatchFlow({ ErrorEquals: ['States.ALL'], Next: 'x', ResultPath: '$.error' }, 'JSONPath')({ a: 1 }, caught, env)).toEqual({ output: { a: 1, error: { Error: 'Boom', Cause: 'it broke' } }, assigned: {} });
    expect((await compileCatchFlow({ ErrorEquals: ['States.ALL'], Next: 'x' }, 'JSONPath')({ a: 1 }, caught, env)).output).toEqual(caught);
  });
});

describe('the JSONata data flow', () => {
  it('gives Arguments, then Output and Assign from $states and the variables before the state', async () => {
    const flow = compileStateFlow(state({ Type: 'Task', QueryLanguage: 'JSONata', Arguments: { id: '{% $states.input.id %}', by: '{% $who %}' }, Output: { r: '{% $states.result.v %}', who: '{% $who %}' }, Assign: { who: '{% $states.result.v %}' } }), undefined);
    expect(await flow.effectiveInput({ id: 3 }, env)).toEqual({ id: 3, by: 'Ada' });
    expect(await flow.output({ id: 3 }, { v: 'Grace' }, env)).toEqual({ output: { r: 'Grace', who: 'Ada' }, assigned: { who: 'Grace' } });
  });

  it('outputs the result by default, and the error output in a Catch rule', async () => {
    const flow = compileStateFlow(state({ Type: 'Task' }), 'JSONata');
    expect((await flow.output({ in: 1 }, { out: 2 }, env)).output).toEqual({ out: 2 });
    const katch = compileCatchFlow({ ErrorEquals: ['States.ALL'], Next: 'x', Output: { was: '{% $states.input %}', e: '{% $states.errorOutput.Error %}' } }, 'JSONata');
    expect((await katch({ in: 1 }, errorOutput('Boom', undefined), env)).output).toEqual({ was: { in: 1 }, e: 'Boom' });
  });
});

describe('Pass', () => {
  it('uses Result as written, .$ keys included, and places it at ResultPath', async () => {
    const pass = compilePass(state({ Type: 'Pass', Result: { 'a.$': '$.x' }, ResultPath: '$.r', Assign: { 'got.$': '$' } }), undefined);
    expect(await pass({ x: 1 }, env)).toEqual({ output: { x: 1, r: { 'a.$': '$.x' } }, assigned: { got: { 'a.$': '$.x' } } });
  });

  it('in JSONata, outputs its Output or its input', async () => {
    expect((await compilePass(state({ Type: 'Pass', Output: '{% $states.input.x + 1 %}' }), 'JSONata')({ x: 1 }, env)).output).toBe(2);
    expect((await compilePass(state({ Type: 'Pass' }), 'JSONata')({ x: 1 }, env)).output).toEqual({ x: 1 });
  });
});

describe('Wait', () => {
  const wait = (fields: object, input: Json, language?: 'JSONata') => compileWait(state({ Type: 'Wait', ...fields }), language)(input, env);

  it('waits Seconds, SecondsPath seconds, or until Timestamp(Path)', async () => {
    expect((await wait({ Seconds: 5 }, {})).wait).toEqual({ seconds: 5 });
    expect((await wait({ SecondsPath: '$.s' }, { s: 0 })).wait).toEqual({ seconds: 0 });
    expect((await wait({ TimestampPath: '$.t' }, { t: '2016-03-14T01:59:00Z' })).wait).toEqual({ untilMs: Date.UTC(2016, 2, 14, 1, 59) });
    expect((await wait({ Seconds: '{% $states.input.s * 2 %}' }, { s: 2 }, 'JSONata')).wait).toEqual({ seconds: 4 });
    expect(waitDueMs({ seconds: 2 }, 1000)).toBe(3000);
  });

  it("fails with AWS's causes for a bad SecondsPath or Timestamp", async () => {
    await expect(wait({ SecondsPath: '$.s' }, {})).rejects.toThrow(new StatesError('States.Runtime', 'The SecondsPath parameter does not reference an input value: $.s'));
    await expect(wait({ SecondsPath: '$.s' }, { s: -1.5 })).rejects.toThrow('The SecondsPath parameter cannot be parsed as a long value: $.s == -1.5');
    await expect(wait({ SecondsPath: '$.s' }, { s: -1 })).rejects.toThrow('The SecondsPath parameter references a negative value: $.s == -1');
    await expect(wait({ Timestamp: '{% $states.input.t %}' }, { t: '2016-12-05T21:29:29' }, 'JSONata')).rejects.toThrow(
      new StatesError('States.QueryEvaluationError', 'The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-12-05T21:29:29'),
    );
  });
});

describe('Fail', () => {
  it('gives Error and Cause as written, from paths or intrinsic calls, or from JSONata', async () => {
    expect(await compileFail(state({ Type: 'Fail' }), undefined)({}, env)).toEqual({});
    expect(await compileFail(state({ Type: 'Fail', ErrorPath: '$.e', CausePath: "States.Format('bad {}', $.c)" }), undefined)({ e: 'E', c: 'input' }, env)).toEqual({ error: 'E', cause: 'bad input' });
    expect(await compileFail(state({ Type: 'Fail', ErrorPath: '$who' }), undefined)({}, env)).toEqual({ error: 'Ada' });
    expect(await compileFail(state({ Type: 'Fail', Cause: '{% $states.input.c %}' }), 'JSONata')({ c: 'why' }, env)).toEqual({ cause: 'why' });
    await expect(compileFail(state({ Type: 'Fail', ErrorPath: '$.ErrorX' }), undefined)({ Error: 'x' }, env)).rejects.toThrow("The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{\"Error\":\"x\"}'");
  });
});

describe('Task time limits', () => {
  it('read TimeoutSeconds(Path) and HeartbeatSeconds(Path), with AWS default and checks', async () => {
    expect(await compileTaskTimeouts(state({ Type: 'Task' }), undefined)({}, env)).toEqual({ timeoutSeconds: 99_999_999 });
    expect(await compileTaskTimeouts(state({ Type: 'Task', TimeoutSecondsPath: '$.t', HeartbeatSeconds: 5 }), undefined)({ t: '60' }, env)).toEqual({ timeoutSeconds: 60, heartbeatSeconds: 5 });
    await expect(compileTaskTimeouts(state({ Type: 'Task', TimeoutSecondsPath: '$.NoSuch' }), undefined)({}, env)).rejects.toThrow("Invalid path '$.NoSuch' : No results for path: $['NoSuch']");
    await expect(compileTaskTimeouts(state({ Type: 'Task', TimeoutSeconds: 5, HeartbeatSeconds: 5 }), undefined)({}, env)).rejects.toThrow(/HeartbeatSeconds must be at least 1 and less than TimeoutSeconds/);
  });
});
