/**
 * The benchmark suite: runs the workloads of bench/workloads.ts on each store, prints a table of
 * medians with the range over the runs, and writes every figure to bench/results/<time>.json.
 *
 *   node --import tsx bench/run.ts [--only W1,W3] [--runs 3] [--scale 1] [--store sqlite|memory] [--out bench/results]
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs, USAGE, type BenchOptions } from './options.js';
import { figuresOf, formatTable, summarise, type ResultRow, type RunFigures } from './report.js';
import { WORKLOADS } from './workloads.js';
import type { StoreKind, Workload } from './workload.js';

const LEGEND = [
  'instances/s: instances measured / wall time, after an unmeasured warm-up; steps/s: instances/s × task attempts per instance (W2: 100, W3: 3).',
  'Latency: from start to completion as the caller sees it (W5: one startInstance or raiseEvent call). Peak RSS: this process (W4: the server).',
  'CPU µs/step: CPU time of this process (W4: the server) in the measured part / steps (W5: / instances); it varies less than throughput on a busy machine.',
  'sqlite: a file with synchronous=FULL; memory: SQLite in memory. W1–W3 and W5 run in this process; W4 against `segue serve` with worker processes.',
];

function removeFiles(dir: string, prefix: string): void {
  for (const name of readdirSync(dir)) if (name.startsWith(prefix)) rmSync(join(dir, name), { force: true });
}

/** All runs of one workload on one store: one row per label it measures. */
async function runWorkload(workload: Workload, store: StoreKind, options: BenchOptions, dir: string): Promise<ResultRow[]> {
  const n = Math.max(1, Math.round(workload.n * options.scale));
  const byLabel = new Map<string, RunFigures[]>();
  const began = performance.now();
  const row = (label: string, runs: RunFigures[], error?: string): ResultRow => ({
    label, store, instances: n, inFlight: workload.inFlight, runs, wallSeconds: (performance.now() - began) / 1_000, summary: summarise(runs),
    ...(error === undefined ? {} : { error }),
  });
  for (let run = 1; run <= options.runs; run += 1) {
    const tag = `${workload.id}-${store}-${run}`;
    process.stderr.write(`${workload.id} on ${store}, run ${run} of ${options.runs} (${n} instances)…\n`);
    try {
      for (const m of await workload.run({ store, dir, tag }, n)) byLabel.set(m.label, [...(byLabel.get(m.label) ?? []), figuresOf(m)]);
    } catch (err) {
      const message = (err as Error).message;
      process.stderr.write(`${workload.id} on ${store} failed: ${message}\n`);
      const labels = byLabel.size > 0 ? [...byLabel.keys()] : [workload.id];
      return labels.map((label) => row(label, byLabel.get(label) ?? [], message));
    } finally {
      removeFiles(dir, `${tag}.db`);
    }
  }
  const rows = [...byLabel].map(([label, runs]) => row(label, runs));
  process.stderr.write(`${workload.id} on ${store}: ${rows[0]!.wallSeconds.toFixed(1)} s in all\n`);
  return rows;
}

function writeResults(options: BenchOptions, startedAt: Date, wallSeconds: number, rows: ResultRow[]): string {
  mkdirSync(options.out, { recursive: true });
  const file = join(options.out, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const environment = { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null };
  writeFileSync(file, `${JSON.stringify({ startedAt: startedAt.toISOString(), wallSeconds, options, environment, rows }, null, 2)}\n`);
  return file;
}

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv, WORKLOADS.map((w) => w.id));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const chosen = WORKLOADS.filter((w) => options.only === null || options.only.includes(w.id));
  const startedAt = new Date();
  const began = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'segue-bench-'));
  const rows: ResultRow[] = [];
  try {
    for (const workload of chosen) {
      for (const store of options.stores ?? workload.stores) rows.push(...(await runWorkload(workload, store, options, dir)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const wallSeconds = (performance.now() - began) / 1_000;
  const runs = options.runs > 1 ? `median (min–max) of ${options.runs} runs` : '1 run';
  process.stdout.write(`\n${formatTable(rows)}\n\n${runs}, scale ${options.scale}. ${LEGEND.join('\n')}\n`);
  const file = writeResults(options, startedAt, wallSeconds, rows);
  process.stdout.write(`wall time ${wallSeconds.toFixed(1)} s; results written to ${file}\n`);
  return rows.some((r) => r.error !== undefined) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
