/** parseJsonText refuses exactly the numbers JSON.parse makes Infinity, however they are written. */
import { describe, expect, it } from 'vitest';
import { parseJsonText } from '../../api/json-text.js';

/** A small deterministic generator (mulberry32), so that a failure can be run again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A JSON number near the edge of the range: long or short digits, with or without a fraction and exponent. */
function numberText(next: () => number): string {
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  const whole = `${1 + Math.floor(next() * 9)}${digits(Math.floor(next() * 330))}`;
  const fraction = next() < 0.3 ? `.${digits(1 + Math.floor(next() * 5))}` : '';
  const exponent = next() < 0.6 ? `${next() < 0.5 ? 'e' : 'E'}${['', '+', '-'][Math.floor(next() * 3)]}${'0'.repeat(Math.floor(next() * 2))}${Math.floor(next() * 420)}` : '';
  return `${next() < 0.3 ? '-' : ''}${whole}${fraction}${exponent}`;
}

describe('parseJsonText and numbers out of range', () => {
  it('takes a number exactly when JSON.parse makes it finite', () => {
    const next = random(17);
    let refused = 0;
    for (let i = 0; i < 3000; i += 1) {
      const text = numberText(next);
      const finite = Number.isFinite(JSON.parse(text));
      const parsed = parseJsonText(`{"n":${text}}`);
      expect({ text, ok: parsed.ok }).toEqual({ text, ok: finite });
      if (!finite) refused += 1;
    }
    // Both sides of the edge were tried.
    expect(refused).toBeGreaterThan(300);
    expect(refused).toBeLessThan(2700);
  });

  it('names the first one by its JSON path, a long key cut short', () => {
    const key = 'k'.repeat(100);
    expect(parseJsonText(`{"a":[0,{"${key}":1e400}],"b":-1e400}`, '--input')).toEqual({
      ok: false,
      message: `--input holds a number out of range at $.a[1]["${'k'.repeat(40)}…"]: numbers must lie between -${Number.MAX_VALUE} and ${Number.MAX_VALUE}; send a larger one as a string`,
    });
    expect(parseJsonText('[{"ok":1},{"x y":[2e308]}]')).toMatchObject({ ok: false, message: expect.stringContaining('at $[1]["x y"][0]:') });
    expect(parseJsonText('{"text":"1e400 in a string"}')).toEqual({ ok: true, value: { text: '1e400 in a string' } });
  });
});
