import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownCpuMs, processCpuMs } from '../bench/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let out: string;

function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'segue-bench-smoke-'));
});

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

describe('npm run bench', () => {
  it('runs W1 and W3 on memory, prints the table, and writes the JSON results', async () => {
    const run = await bench(['--only', 'W1,W3', '--runs', '1', '--scale', '0.01', '--store', 'memory', '--out', out]);
    expect(run.stderr).not.toContain('failed');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^workload\s+store\s+N\s+in flight\s+instances\/s\s+steps\/s\s+p50 ms\s+p99 ms\s+peak RSS MB\s+CPU µs\/step$/m);
    expect(run.stdout).toMatch(/^W1\s+memory\s+10\s+50\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+$/m);
    expect(run.stdout).toMatch(/^W3\s+memory\s+2\s+50\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+$/m);

    const files = readdirSync(out).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(1);
    expect(run.stdout).toContain(join(out, files[0]!));
    const results = JSON.parse(readFileSync(join(out, files[0]!), 'utf8'));
    expect(results.options).toMatchObject({ only: ['W1', 'W3'], runs: 1, scale: 0.01, stores: ['memory'] });
    expect(results.rows.map((r: { label: string; store: string }) => `${r.label}/${r.store}`)).toEqual(['W1/memory', 'W3/memory']);
    for (const row of results.rows) {
      expect(row.runs).toHaveLength(1);
      expect(row.summary.instancesPerSec.median).toBeGreaterThan(0);
      expect(row.summary.p99Ms.median).toBeGreaterThanOrEqual(row.summary.p50Ms.median);
      expect(row.summary.cpuUsPerStep.median).toBeGreaterThan(0);
    }
    const [w1, w3] = results.rows;
    expect(w1.runs[0].stepsPerSec).toBeCloseTo(w1.runs[0].instancesPerSec * 10);
    expect(w3.runs[0].stepsPerSec).toBeCloseTo(w3.runs[0].instancesPerSec * 3);
  });

  it('reads the CPU time of a process from /proc as the process itself counts it', () => {
    const spinUntil = performance.now() + 200;
    while (performance.now() < spinUntil);
    const fromProc = processCpuMs(process.pid)!;
    const own = ownCpuMs();
    expect(own).toBeGreaterThan(200);
    // /proc counts in ticks of 10 ms, and the two reads are not at the same instant.
    expect(Math.abs(fromProc - own)).toBeLessThan(40);
    expect(processCpuMs(2 ** 30)).toBeNull();
  });

  it('refuses an unknown workload and names the ones there are', async () => {
    const run = await bench(['--only', 'W9', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--only takes workload ids from W1, W1u, W2, W3, W4, W5; got "W9"');
    expect(run.stdout).toBe('');
  });
});
