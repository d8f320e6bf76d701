/**
 * Randomness from the operating system's source, drawn from a pool filled a few KB at a time: a
 * call of webcrypto's getRandomValues (what the uuid package uses by default) costs about 10 µs,
 * and ids and retry jitter need several per instance.
 */
import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;

/** `n` (≤ 4096) fresh random bytes: a view of the pool, to be read before the next call. */
function randomBytes(n: number): Uint8Array {
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, used + n);
  used += n;
  return bytes;
}

/** A number in [0, 1) with 53 random bits. */
export function unpredictableRandom(): number {
  const b = randomBytes(7);
  // 53 bits: 5 from the first byte, then six whole bytes.
  let value = b[0]! & 0x1f;
  for (let i = 1; i < 7; i += 1) value = value * 256 + b[i]!;
  return value / 2 ** 53;
}

/** Where the last time-ordered id was: its millisecond and its counter within it. */
const lastId = { msecs: -Infinity, seq: 0 };

/**
 * A UUIDv7: ordered by creation time, and increasing within this process even for ids of the
 * same millisecond (the counter the uuid package keeps when it draws its own randomness).
 */
export function timeOrderedId(): string {
  const random = randomBytes(16);
  const now = Date.now();
  if (now > lastId.msecs) {
    lastId.msecs = now;
    // A random start within the millisecond, leaving room to count up (the package's choice).
    lastId.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    lastId.seq = (lastId.seq + 1) | 0;
    if (lastId.seq === 0) lastId.msecs += 1;
  }
  return uuidv7({ random, msecs: lastId.msecs, seq: lastId.seq });
}
