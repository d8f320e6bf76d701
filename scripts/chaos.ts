/**
 * `npm run chaos`: the full chaos run against the built server (run `npm run build` first).
 *   node --import tsx scripts/chaos.ts [--seed <n>] [--short] [--store mongodb://host[:port]]
 * On SQLite (a file in a temporary folder) unless --store names a MongoDB server, where the run
 * uses a database of its own.
 * Prints the run's figures; exits 1 if any check failed.
 */
import { parseArgs } from 'node:util';
import { FULL_RUN, SHORT_RUN, formatReport, runChaos } from '../test/reliability/chaos.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, short: { type: 'boolean', default: false }, store: { type: 'string' } } });
const base = values.short ? SHORT_RUN : FULL_RUN;
const seed = values.seed === undefined ? base.seed : Number(values.seed);
if (!Number.isInteger(seed)) {
  process.stderr.write(`--seed must be a whole number, got "${values.seed}"\n`);
  process.exit(2);
}

if (values.store !== undefined && !/^mongodb(\+srv)?:\/\//.test(values.store)) {
  process.stderr.write(`--store takes a MongoDB URL (mongodb://host[:port]); without it the run is on SQLite. Got "${values.store}"\n`);
  process.exit(2);
}

const started = Date.now();
const report = await runChaos({ ...base, seed, ...(values.store ? { mongodb: values.store } : {}), log: (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`) });
process.stdout.write(`${formatReport(report)}\n`);
process.exitCode = report.failures.length === 0 ? 0 : 1;
