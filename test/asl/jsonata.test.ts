import { describe, expect, it } from 'vitest';
import { StatesError } from '../../definitions/asl/errors.js';
import { JsonataSyntaxError, compileJsonata } from '../../definitions/asl/jsonata.js';
import { compileJsonataTemplate, jsonataSource } from '../../definitions/asl/jsonata-template.js';

const evaluate = (source: string, random = 0.25) => compileJsonata(source).evaluate({ states: { input: { n: [1, 2, 3, 4, 5] } } }, () => random);

describe('JSONata with the functions Step Functions adds', () => {
  it('partitions, ranges, hashes and parses', async () => {
    expect(await evaluate('$partition($states.input.n, 2)')).toEqual([[1, 2], [3, 4], [5]]);
    expect(await evaluate('$range(0, 6, 2)')).toEqual([0, 2, 4, 6]);
    expect(await evaluate('$range(-1.7, 2, 1)')).toEqual([-1, 0, 1, 2]);
    expect(await evaluate('$hash("input", "SHA-1")')).toBe('140f86aae51ab9e1cda9b4254fe98a74eb54c1a1');
    expect(await evaluate('$parse("{\\"a\\":1}").a')).toBe(1);
  });

  it('takes randomness from the injected source, and a seed the way Java does', async () => {
    expect(await evaluate('$random()', 0.125)).toBe(0.125);
    expect(await evaluate('$random(42)')).toBe(0.7275636800328681);
    expect(await evaluate('$uuid()', 0)).toBe('00000000-0000-4000-8000-000000000000');
  });

  it('has no $eval, as Step Functions has none', async () => {
    await expect(evaluate('$eval("1+1")')).rejects.toThrow(/\$eval is not available/);
  });

  it('reports a syntax error with where it is', () => {
    expect(() => compileJsonata('$states.input.(')).toThrow(JsonataSyntaxError);
  });
});

describe('JSONata field values', () => {
  it('evaluates only strings written exactly as {% … %}', async () => {
    expect(jsonataSource('{% $x %}')).toBe('$x');
    expect(jsonataSource(' {% $x %} ')).toBeNull();
    const template = compileJsonataTemplate({ a: '{% $states.input.v %}', b: [' {% no %} ', '$states.input'], c: 1 }, 'Output');
    expect(await template.evaluate({ states: { input: { v: 7 } } }, () => 0)).toEqual({ a: 7, b: [' {% no %} ', '$states.input'], c: 1 });
  });

  it('fails with States.QueryEvaluationError naming the field when an expression gives nothing', async () => {
    const template = compileJsonataTemplate({ error: '{% $stateError %}' }, 'Output');
    await expect(template.evaluate({}, () => 0)).rejects.toThrow(
      new StatesError('States.QueryEvaluationError', "The JSONata expression '$stateError' specified for the field 'Output/error' returned nothing (undefined)."),
    );
  });
});
