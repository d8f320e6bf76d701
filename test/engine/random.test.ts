import { describe, expect, it } from 'vitest';
import { timeOrderedId, unpredictableRandom } from '../../engine/random.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('pooled randomness', () => {
  it('gives UUIDv7 ids that carry the time and increase within one millisecond', () => {
    const before = Date.now();
    // Enough to draw the pool empty several times over, and many ids per millisecond.
    const ids = Array.from({ length: 2000 }, () => timeOrderedId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const msecs = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(msecs(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(msecs(ids.at(-1)!)).toBeLessThanOrEqual(after + 1);
  });

  it('gives numbers in [0, 1) spread over the range, none repeated', () => {
    const values = Array.from({ length: 5000 }, () => unpredictableRandom());
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
    expect(new Set(values).size).toBe(values.length);
    // Each tenth of the range holds about a tenth of them (500 ± 150 is far outside chance).
    const tenths = Array.from({ length: 10 }, (_, i) => values.filter((v) => Math.floor(v * 10) === i).length);
    for (const count of tenths) expect(count).toBeGreaterThan(350);
    // High bits are used: the values are not all small.
    expect(Math.max(...values)).toBeGreaterThan(0.99);
  });
});
