import { describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { StatesError } from '../../definitions/asl/errors.js';
import { evaluateIntrinsic, formatValue } from '../../definitions/asl/intrinsics.js';
import { IntrinsicSyntaxError, parseIntrinsic } from '../../definitions/asl/intrinsics-parse.js';
import { JavaRandom } from '../../definitions/asl/random.js';

/** Evaluates a call against `input`, with a random source that always gives `random`. */
function call(text: string, input: Json = {}, random = 0.5): Json {
  return evaluateIntrinsic(parseIntrinsic(text), { scope: { input, context: { StateMachine: { Name: 'a-b-c' } } }, random: () => random, field: 'value.$' });
}

function failure(text: string, input: Json = {}): string {
  try {
    return `gave ${JSON.stringify(call(text, input))}`;
  } catch (err) {
    return err instanceof StatesError ? `${err.error}: ${err.cause}` : String(err);
  }
}

describe('the intrinsic functions', () => {
  it('States.Format puts values in place of {}, objects as Java prints them, escapes kept as text', () => {
    expect(call("States.Format('Hello {}, welcome to {}!', $.n, $.p)", { n: 'Ada', p: 'Segue' })).toBe('Hello Ada, welcome to Segue!');
    expect(call("States.Format('{} {} {}', $.o, $.l, $.z)", { o: { Arg1: 1, Arg2: [] }, l: [1, 'a'], z: null })).toBe('{Arg1=1, Arg2=[]} [1, a] null');
    expect(call("States.Format('a \\{} b {}', 1)")).toBe('a {} b 1');
    expect(formatValue(1.5)).toBe('1.5');
    expect(failure("States.Format($.t, 1)", { t: 'no placeholder' })).toBe('States.Runtime: Invalid arguments in States.Format');
  });

  it('reads and writes JSON text', () => {
    expect(call("States.StringToJson('{\"text\":\"An \\\"escaped\\\" quote\"}')")).toEqual({ text: 'An "escaped" quote' });
    expect(call('States.JsonToString($.o)', { o: { foo: 'bar' } })).toBe('{"foo":"bar"}');
    expect(failure("States.StringToJson('{nope')")).toBe('States.Runtime: Invalid arguments in States.StringToJson');
  });

  it('builds, partitions, searches, ranges, indexes, measures and de-duplicates arrays', () => {
    expect(call("States.Array('a', 1, true, null, $.x)", { x: { y: 1 } })).toEqual(['a', 1, true, null, { y: 1 }]);
    expect(call('States.Array()')).toEqual([]);
    expect(call('States.ArrayPartition($.a, 4)', { a: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
    expect(call('States.ArrayPartition($.a, 2.6)', { a: [1, 2, 3, 4, 5] })).toEqual([[1, 2], [3, 4], [5]]);
    expect(failure('States.ArrayPartition($.a, 0.6)', { a: [1] })).toBe('States.Runtime: Invalid arguments in States.ArrayPartition');
    expect(call('States.ArrayContains($.a, $.v)', { a: [[1, 2, 3], { k: [] }], v: { k: [] } })).toBe(true);
    expect(call('States.ArrayRange(1, 9, 2)')).toEqual([1, 3, 5, 7, 9]);
    expect(call('States.ArrayRange(0, 10, 3)')).toEqual([0, 3, 6, 9]);
    expect(call('States.ArrayRange(5, 1, -2)')).toEqual([5, 3, 1]);
    expect(failure('States.ArrayRange(0, 1001, 1)')).toBe('States.Runtime: Invalid arguments in States.ArrayRange');
    expect(call('States.ArrayGetItem($.a, 1)', { a: ['x', 'y'] })).toBe('y');
    expect(failure('States.ArrayGetItem($.a, 2)', { a: ['x', 'y'] })).toBe('States.Runtime: Invalid arguments in States.ArrayGetItem');
    expect(call('States.ArrayLength($.a)', { a: [1, 2, 3] })).toBe(3);
    expect(call('States.ArrayUnique($.a)', { a: [1, 2, 2, 3, { a: 1 }, { a: 1 }] })).toEqual([1, 2, 3, { a: 1 }]);
  });

  it('encodes and decodes base64, and refuses what is not base64', () => {
    expect(call("States.Base64Encode('Data to encode')")).toBe('RGF0YSB0byBlbmNvZGU=');
    expect(call("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')")).toBe('Data to encode');
    expect(failure("States.Base64Decode('not base64!')")).toBe('States.Runtime: Invalid arguments in States.Base64Decode');
    expect(failure('States.Base64Encode($.s)', { s: 'a'.repeat(10_001) })).toBe('States.Runtime: Invalid arguments in States.Base64Encode');
  });

  it('hashes with the five algorithms AWS offers', () => {
    expect(call("States.Hash('input data', 'SHA-1')")).toBe('aaff4a450a104cd177d28d18d74485e8cae074b7');
    expect(call("States.Hash('input data', 'MD5')")).toBe('812f45842bc6d66ee14572ce20db8e86');
    expect(failure("States.Hash('input data', 'SHA256')")).toBe('States.Runtime: Invalid arguments in States.Hash');
  });

  it('merges JSON shallowly only', () => {
    expect(call('States.JsonMerge($.a, $.b, false)', { a: { x: 1, s: { a: 1 } }, b: { y: 2, s: { b: 2 } } })).toEqual({ x: 1, y: 2, s: { b: 2 } });
    expect(failure('States.JsonMerge($.a, $.a, true)', { a: {} })).toBe('States.Runtime: Invalid arguments in States.JsonMerge');
  });

  it('adds numbers rounded to the nearest integer, halves upwards', () => {
    expect(call('States.MathAdd(1.49, 1.5)')).toBe(3);
    expect(call('States.MathAdd(-1.5, -1.51)')).toBe(-3);
    expect(call('States.MathAdd($.i, -1)', { i: 10 })).toBe(9);
    expect(failure("States.MathAdd('1', 2)")).toBe('States.Runtime: Invalid arguments in States.MathAdd');
  });

  it('draws random numbers from the injected source, or seeded as Java does; the end is never drawn', () => {
    expect(call('States.MathRandom(1, 11)', {}, 0)).toBe(1);
    expect(call('States.MathRandom(1, 11)', {}, 0.999)).toBe(10);
    expect(call('States.MathRandom(1, 100, 42)')).toBe(1 + new JavaRandom(42).nextInt(99));
    expect(call('States.MathRandom(1, 100, 42)', {}, 0.1)).toBe(call('States.MathRandom(1, 100, 42)', {}, 0.9));
    expect(failure('States.MathRandom(1.4, 1.6)')).toBe('States.Runtime: Invalid arguments in States.MathRandom');
  });

  it('splits on any of the delimiter characters, dropping empty pieces', () => {
    expect(call('States.StringSplit($.s, $.d)', { s: 'This.is+a,test=string', d: '.+,=' })).toEqual(['This', 'is', 'a', 'test', 'string']);
    expect(call("States.StringSplit(',,a,,b,,', ',')")).toEqual(['a', 'b']);
  });

  it('makes version 4 UUIDs from the injected source', () => {
    expect(call('States.UUID()', {}, 0)).toBe('00000000-0000-4000-8000-000000000000');
    expect(call('States.UUID()', {}, 0.5)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('nests calls and reads the context object', () => {
    const text = "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))";
    expect(call(text)).toBe('c');
  });

  it('fails where a path argument finds nothing, as any path of the field does', () => {
    expect(failure('States.ArrayLength($.missing)', { a: 1 })).toBe("States.Runtime: The JSONPath '$.missing' specified for the field 'value.$' could not be found in the input '{\"a\":1}'");
  });
});

describe('parsing intrinsic calls', () => {
  const error = (text: string) => {
    try {
      parseIntrinsic(text);
      return 'parsed';
    } catch (err) {
      return err instanceof IntrinsicSyntaxError ? `${err.offset}: ${err.detail}` : String(err);
    }
  };

  it('says what is wrong and where', () => {
    expect(error('States.Nope(1)')).toBe('0: "States.Nope" is not an intrinsic function');
    expect(error('States.UUID(1)')).toBe('0: States.UUID takes no arguments, not 1');
    expect(error('States.MathRandom(1)')).toBe('0: States.MathRandom takes 2 or 3 arguments, not 1');
    expect(error("States.Format('x)")).toBe("14: the text in quotes is never closed with '");
    expect(error('States.Array(1, )')).toBe('16: an argument is missing here');
    expect(error('States.Array("a")')).toBe("13: texts in an intrinsic function are written in single quotes, like 'text'");
    expect(error('States.Array(1) x')).toBe('16: "x" follows the end of the call; nothing may come after its ")"');
  });

  it('allows ten nested calls and no more', () => {
    const nest = (n: number) => 'States.Array('.repeat(n) + ')'.repeat(n);
    expect(error(nest(10))).toBe('parsed');
    expect(error(nest(11))).toMatch(/more than 10 intrinsic functions are nested here/);
  });
});
