import { describe, expect, it } from 'vitest';
import { assignVariables, childScope, lookupVariable, rootScope, visibleVariables } from '../../definitions/asl/variables.js';
import { parseTimestamp } from '../../definitions/asl/timestamps.js';

describe('variable scopes', () => {
  it('let a branch or iteration read outer variables, while its own assignments stay inside it', () => {
    const outer = rootScope({ bias: 4, name: 'outer' });
    const inner = assignVariables(childScope(outer), { name: 'inner', x: 1 });
    expect(lookupVariable(inner, 'bias')).toBe(4);
    expect(lookupVariable(inner, 'name')).toBe('inner');
    expect(lookupVariable(outer, 'name')).toBe('outer');
    expect(lookupVariable(outer, 'x')).toBeUndefined();
    expect(visibleVariables(inner)).toEqual({ bias: 4, name: 'inner', x: 1 });
  });

  it('give a new scope for each assignment, leaving the old one as it was', () => {
    const before = rootScope({ a: 1 });
    const after = assignVariables(before, { a: 2, b: 3 });
    expect(before.own).toEqual({ a: 1 });
    expect(after.own).toEqual({ a: 2, b: 3 });
  });
});

describe('timestamps', () => {
  it('take the ISO 8601 extended offset form, to the nanosecond', () => {
    expect(parseTimestamp('2016-08-18T17:33:00Z')).toBe(BigInt(Date.UTC(2016, 7, 18, 17, 33)) * 1_000_000n);
    expect(parseTimestamp('2016-08-18T19:33:00+02:00')).toBe(parseTimestamp('2016-08-18T17:33:00Z'));
    expect(parseTimestamp('2016-03-05T21:29:29.243167252Z')! % 1_000_000_000n).toBe(243_167_252n);
  });

  it.each(['2016-13-05T21:29:29Z', '05-12-2016T21:29:29Z', '2016-12-05T25:29:29Z', '2016-12-05 21:29:29Z', '2016-12-05T21:29:29', '2017-02-29T00:00:00Z'])('refuse %s', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});
