/**
 * Randomness for `States.MathRandom`, `States.UUID`, JSONata's `$random` and `$uuid`, and retry
 * jitter. The unseeded kind always comes from a source the caller passes in (the engine's, or a
 * fixed one in tests), so evaluation stays a pure function of its arguments. The seeded kind is
 * Java's `java.util.Random`, which is what Step Functions runs: `$random(42)` gives AWS's number.
 */

/** A number in [0, 1), like Math.random. */
export type RandomSource = () => number;

/** A version 4 UUID whose random bits come from `random`. */
export function uuidFrom(random: RandomSource): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256) & 0xff);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK = (1n << 48n) - 1n;

/** Java's linear congruential generator, seeded as `new java.util.Random(seed)` is. */
export class JavaRandom {
  private seed: bigint;

  constructor(seed: number) {
    this.seed = (BigInt.asIntN(64, BigInt(Math.trunc(seed))) ^ MULTIPLIER) & MASK;
  }

  private next(bits: number): number {
    this.seed = (this.seed * MULTIPLIER + ADDEND) & MASK;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }

  /** Like `nextDouble()`: 53 random bits in [0, 1). */
  nextDouble(): number {
    const high = BigInt(this.next(26)) << 27n;
    return Number(high + BigInt(this.next(27))) / 2 ** 53;
  }

  /** Like `nextInt(bound)`: uniform in [0, bound), bound at least 1 and below 2^31. */
  nextInt(bound: number): number {
    if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(this.next(31))) >> 31n);
    for (;;) {
      const bits = this.next(31);
      const value = bits % bound;
      // Java rejects the top of the range that would bias the result (the int sum overflows there).
      if (bits - value + (bound - 1) <= 0x7fffffff) return value;
    }
  }
}
