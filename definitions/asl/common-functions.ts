/**
 * What the intrinsic functions and AWS's JSONata functions share: partitions, ranges and hashes
 * behave the same in both languages; only their checks and error names differ.
 */
import { createHash } from 'node:crypto';
import type { Json } from '../model.js';

/** The hash algorithms Step Functions offers, by AWS's name. */
export const HASH_ALGORITHMS: Readonly<Record<string, string>> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** Lowercase hex digest of the UTF-8 text; undefined for an algorithm AWS does not offer. */
export function hashHex(text: string, algorithm: string): string | undefined {
  const name = HASH_ALGORITHMS[algorithm];
  return name === undefined ? undefined : createHash(name).update(text, 'utf8').digest('hex');
}

/** Chunks of `size` items (the last may be shorter); `size` at least 1. */
export function partition(items: readonly Json[], size: number): Json[][] {
  const chunks: Json[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** `from`, `from + by`, … up to `to` included when a step lands on it; `by` not 0. */
export function range(from: number, to: number, by: number): number[] {
  const count = Math.max(0, Math.floor((to - from) / by) + 1);
  return Array.from({ length: count }, (_, i) => from + i * by);
}
