/**
 * `segue test` as CI runs it: the built command line in a process of its own, on the examples
 * (which must pass) and on a deliberately broken workflow (which must fail, saying where and why).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'dist', 'cli', 'main.js');
const BROKEN = 'test/fixtures/workflow-tests/broken';
let scratch: string;

function segue(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run "npm run build" first (npm test does)');
  scratch = await mkdtemp(join(tmpdir(), 'segue-test-cli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('segue test', () => {
  it('passes every case of the examples, one line each, and exits 0', async () => {
    const run = await segue(['test', 'examples/']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    const cases = out.filter((l) => /^(pass|FAIL) {2}/.test(l));
    const files = readdirSync(join(root, 'examples')).filter((n) => n.endsWith('.test.yaml'));
    const declared = files.reduce((n, f) => n + (readFileSync(join(root, 'examples', f), 'utf8').match(/^ {2}- name: /gm) ?? []).length, 0);
    expect(cases).toHaveLength(declared);
    expect(cases.every((l) => l.startsWith('pass  examples/'))).toBe(true);
    expect(cases).toContainEqual(
      expect.stringMatching(/^pass {2}examples\/human-approval\.test\.yaml › nobody answers within 2 days, so the requester is told and the request expires {2}\(virtual 2d, real \d+ ms\)$/),
    );
    expect(out.at(-1)).toMatch(new RegExp(`^${declared} passed, 0 failed \\(${files.length} test files; virtual [0-9dhms]+, real [0-9.]+ s\\)$`));
  });

  it('fails a broken workflow with the line of the test file and what differs, and writes JUnit XML', async () => {
    const junit = join(scratch, 'results.xml');
    const run = await segue(['test', BROKEN, '--junit', junit]);
    expect(run.code).toBe(1);
    expect(lines(run.stdout).map((l) => l.replace(/real \d+ ms/, 'real … ms').replace(/real [0-9.]+ s/, 'real … s'))).toEqual([
      `FAIL  ${BROKEN}/order.test.yaml › a paid order ships with its tracking number  (virtual 0s, real … ms)`,
      `      ${BROKEN}/order.test.yaml:14:47: output.trackingNumber: expected "TRK-A-1", got null`,
      '      (the instance ended COMPLETED after 0s)',
      `FAIL  ${BROKEN}/order.test.yaml › a declined card releases the reservation  (virtual 0s, real … ms)`,
      `      ${BROKEN}/order.test.yaml:23:14: error: expected "PaymentDeclined", got "CardDeclined" (card declined)`,
      '      (the instance ended FAILED with CardDeclined: card declined (at step "charge") after 0s)',
      '0 passed, 2 failed (1 test file; virtual 0s, real … s)',
    ]);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="segue test" tests="2" failures="2" errors="0" time="[0-9.]+">/);
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml).toContain(`<failure message="${BROKEN}/order.test.yaml:23:14: error: expected &quot;PaymentDeclined&quot;, got &quot;CardDeclined&quot; (card declined)">`);
  });

  it('reports a test file with problems as an error of its suite, and exits 1', async () => {
    const junit = join(scratch, 'invalid.xml');
    const run = await segue(['test', 'test/fixtures/workflow-tests/invalid/order.test.yaml', '--junit', junit]);
    expect(run.code).toBe(1);
    expect(lines(run.stdout).slice(0, 2)).toEqual([
      'FAIL  test/fixtures/workflow-tests/invalid/order.test.yaml: a problem to fix before its cases can run',
      '      test/fixtures/workflow-tests/invalid/order.test.yaml:6:5: order has no step "chrage" (did you mean "charge"?)',
    ]);
    expect(await readFile(junit, 'utf8')).toMatch(/<testsuite [^>]*tests="1" failures="0" errors="1"[^>]*>\n {4}<testcase name="the test file"/);
  });

  it('answers a folder without test files with its usage, exit 2', async () => {
    const run = await segue(['test', 'examples/workers']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'segue test: examples/workers: this folder holds no test file (a name ending in .test.yaml, .test.yml or .test.json)\nusage: segue test [file|folder…] [--workflows <dir>]… [--junit <file>] [--update]\n',
    );
  });

  it('is in the README right after the three commands', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
    const first = readme.findIndex((l) => l.startsWith('npm install'));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(20);
    expect(readme.slice(first, first + 4).map((l) => l.split(/\s+#/)[0]!.trim())).toEqual(['npm install', 'npm start', 'npm test', 'npx segue test examples/']);
  });
});
