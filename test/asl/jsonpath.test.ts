import { describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { evaluatePath, valueForField, valueForStatePath } from '../../definitions/asl/jsonpath-evaluate.js';
import { JsonPathSyntaxError, parseJsonPath } from '../../definitions/asl/jsonpath-parse.js';
import { isReferencePath, writeAtReferencePath } from '../../definitions/asl/reference-path.js';
import { StatesError } from '../../definitions/asl/errors.js';

const doc: Json = {
  store: {
    book: [
      { title: 'A', price: 8, tags: ['x'] },
      { title: 'B', price: 12, isbn: '1' },
      { title: 'C', price: 22, isbn: '2' },
    ],
    'odd key': { 'dash-name': 1 },
  },
  users: [{ year: 1997, status: 0 }, { year: 1998, status: 1 }],
};

function select(path: string, input: Json = doc): Json | string {
  const found = evaluatePath(parseJsonPath(path), { input, context: { Execution: { Id: 'e-1' } }, variables: (n) => (n === 'v' ? { a: [5, 6] } : undefined) });
  return found.found ? found.value : `not found: ${found.reason}`;
}

describe('JSONPath selection', () => {
  it('follows names, quoted names, indexes (negative from the end) as definite paths', () => {
    expect(select('$')).toEqual(doc);
    expect(select('$.store.book[1].title')).toBe('B');
    expect(select("$['store']['odd key']['dash-name']")).toBe(1);
    expect(select('$.store.book[-1].title')).toBe('C');
    expect(select('$$.Execution.Id')).toBe('e-1');
    expect(select('$v.a[1]')).toBe(6);
  });

  it('gives lists for wildcards, slices, unions, deep scans and filters', () => {
    expect(select('$.store.book[*].price')).toEqual([8, 12, 22]);
    expect(select('$.store.book[1:].title')).toEqual(['B', 'C']);
    expect(select('$.store.book[:1].title')).toEqual(['A']);
    expect(select('$.store.book[0,2].title')).toEqual(['A', 'C']);
    expect(select("$.store.book[0]['title','price']")).toEqual(['A', 8]);
    expect(select('$..isbn')).toEqual(['1', '2']);
    expect(select('$.users[?(@.status == 0)]')).toEqual([{ year: 1997, status: 0 }]);
    expect(select('$.store.book[?(@.price > 10 && @.price < 20)].title')).toEqual(['B']);
    expect(select('$.store.book[?(@.isbn)].title')).toEqual(['B', 'C']);
    expect(select("$.store.book[?(@.title =~ /[AB]/)].title")).toEqual(['A', 'B']);
    expect(select("$.store.book[?(@.title in ['A', 'C'])].price")).toEqual([8, 22]);
    expect(select('$.store.book[?(@.price > $.users[0].year)]')).toEqual([]);
  });

  it('compares only values of one type in filters, as Jayway does', () => {
    expect(select("$.users[?(@.status == '0')]")).toEqual([]);
    expect(select('$.store.book[?(@.isbn != 1)].title')).toEqual(['A', 'B', 'C']);
  });

  it('gives an empty list where an indefinite path finds nothing', () => {
    expect(select('$.item.items[*]', {})).toEqual([]);
    expect(select('$.items[1:5].itemValue', {})).toEqual([]);
  });

  it("says why a definite path finds nothing, in Jayway's words", () => {
    expect(select('$.no.such')).toBe("not found: Missing property in path $['no']");
    expect(select('$.store.nothing')).toBe("not found: No results for path: $['store']['nothing']");
    expect(select('$.store.book[7]')).toBe("not found: No results for path: $['store']['book'][7]");
    expect(select('$missing')).toBe("not found: The variable 'missing' is not defined");
  });

  it('fails a state with the cause AWS gives for each kind of field', () => {
    const scope = { input: { a: 1 } };
    expect(() => valueForStatePath(parseJsonPath('$.NoSuchInputPath'), scope)).toThrow(new StatesError('States.Runtime', "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"));
    expect(() => valueForField(parseJsonPath('$.x'), scope, 'value.$')).toThrow(new StatesError('States.Runtime', "The JSONPath '$.x' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"));
  });

  it('refuses text that is not a path, saying where', () => {
    const error = (text: string) => {
      try {
        parseJsonPath(text);
        return 'parsed';
      } catch (err) {
        return err instanceof JsonPathSyntaxError ? `${err.offset}: ${err.detail}` : String(err);
      }
    };
    expect(error('a.b')).toBe('0: a path starts with "$"');
    expect(error('$.a[')).toMatch(/^3: write an index like/);
    expect(error("$['a")).toBe('2: the text in quotes is never closed with \'');
    expect(error('$.a[1:2:0]')).toBe('9: a slice step cannot be 0');
    expect(() => parseJsonPath('$v', { variables: false })).toThrow(JsonPathSyntaxError);
  });
});

describe('reference paths (ResultPath)', () => {
  it('are $ followed by names and indexes only', () => {
    expect(isReferencePath(parseJsonPath('$.a[0].b'))).toBe(true);
    expect(isReferencePath(parseJsonPath('$.a[*]'))).toBe(false);
    expect(isReferencePath(parseJsonPath('$$.Execution'))).toBe(false);
  });

  it('write into a copy, creating the objects on the way', () => {
    const input = { a: { keep: 1 }, list: [1, 2] };
    expect(writeAtReferencePath(input, parseJsonPath('$.a.b.c'), 'x')).toEqual({ a: { keep: 1, b: { c: 'x' } }, list: [1, 2] });
    expect(writeAtReferencePath(input, parseJsonPath('$.list[1]'), 9)).toEqual({ a: { keep: 1 }, list: [1, 9] });
    expect(writeAtReferencePath(input, parseJsonPath('$'), 'all')).toBe('all');
    expect(input).toEqual({ a: { keep: 1 }, list: [1, 2] });
  });

  it('fail with States.ResultPathMatchFailure through something that is not an object', () => {
    expect(() => writeAtReferencePath({ a: 'text' }, parseJsonPath('$.a.b'), 1)).toThrow(new StatesError('States.ResultPathMatchFailure', 'Unable to apply ReferencePath $.a.b to input {"a":"text"}'));
  });
});
