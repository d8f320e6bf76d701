/** The command line of `npm run bench`. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { STORE_KINDS, type StoreKind } from './workload.js';

export interface BenchOptions {
  /** Workload ids to run; all when null. */
  only: string[] | null;
  runs: number;
  /** Multiplies every workload's instance count. */
  scale: number;
  /** Stores to run on; each workload's own list when null. */
  stores: StoreKind[] | null;
  /** Folder for the JSON results. */
  out: string;
}

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

export const USAGE = 'usage: npm run bench -- [--only W1,W3] [--runs 3] [--scale 1] [--store sqlite|memory] [--out bench/results]';

export function parseBenchArgs(argv: string[], known: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      runs: { type: 'string', default: '3' },
      scale: { type: 'string', default: '1' },
      store: { type: 'string' },
      out: { type: 'string', default: RESULTS },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of 1 or more, got "${values.runs}"`);
  const scale = Number(values.scale);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`--scale must be a number above 0, like 0.1, got "${values.scale}"`);
  return { only: values.only === undefined ? null : onlyList(values.only, known), runs, scale, stores: storeList(values.store), out: values.out };
}

function onlyList(text: string, known: readonly string[]): string[] {
  const ids = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = ids.filter((id) => !known.some((k) => k.toLowerCase() === id.toLowerCase()));
  if (ids.length === 0 || unknown.length > 0) throw new Error(`--only takes workload ids from ${known.join(', ')}; got "${text}"`);
  return known.filter((k) => ids.some((id) => id.toLowerCase() === k.toLowerCase()));
}

function storeList(text: string | undefined): StoreKind[] | null {
  if (text === undefined) return null;
  const kinds = text.split(',').map((s) => s.trim());
  const bad = kinds.find((k) => !(STORE_KINDS as readonly string[]).includes(k));
  if (bad !== undefined) throw new Error(`--store takes ${STORE_KINDS.join(' or ')} (or both, comma-separated), got "${bad}"`);
  return kinds as StoreKind[];
}
