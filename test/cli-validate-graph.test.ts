import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'segue.js');
let scratch: string;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function segue(args: string[], cwd = root): Result {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, SEGUE_DEBUG: '' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

const INVALID = `name: bad
steps:
  - name: ship
    type: task
    task: shipping.ship
    next: shipp
  - name: done
    type: succeed
`;

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` first (`npm test` builds before testing)');
  }
  scratch = mkdtempSync(join(tmpdir(), 'segue-cli-'));
  writeFileSync(join(scratch, 'bad.yaml'), INVALID);
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('segue validate', () => {
  it('prints ok for each valid file and exits 0', () => {
    const run = segue(['validate', 'examples/order-processing.yaml', 'examples/map-items.yaml']);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(['ok: examples/order-processing.yaml', 'ok: examples/map-items.yaml']);
  });

  it('checks every definition file of a folder', () => {
    const run = segue(['validate', 'examples']);
    const expected = readdirSync(join(root, 'examples'))
      .filter((name) => name.endsWith('.yaml'))
      .sort()
      .map((name) => `ok: ${join('examples', name)}`);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(expected);
  });

  it('prints one file:line:column line per problem and exits 1', () => {
    const run = segue(['validate', join(scratch, 'bad.yaml'), join(root, 'examples', 'http-call.yaml')]);
    expect(run.code).toBe(1);
    const out = lines(run.stdout);
    expect(out).toContain(`ok: ${join(root, 'examples', 'http-call.yaml')}`);
    const problem = out.find((line) => line.startsWith(join(scratch, 'bad.yaml')));
    expect(problem).toMatch(/bad\.yaml:6:\d+: .*"shipp"/);
  });

  it('names a missing file without a stack trace, and exits 1', () => {
    const run = segue(['validate', 'no-such-file.yaml'], scratch);
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual(['no-such-file.yaml: cannot read the file: no such file']);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses to run without a file or with an unknown option, exit 2', () => {
    const none = segue(['validate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: segue validate');
    const bogus = segue(['validate', '--bogus', 'x.yaml']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("unknown option '--bogus'");
  });
});

describe('segue graph', () => {
  it('prints the Mermaid flowchart of a valid file', () => {
    const run = segue(['graph', 'examples/trip-booking-saga.yaml']);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toBe('flowchart TD');
    expect(out).toContain('  n_flight -.->|"*"| n_undo');
    expect(out).toContain('  n_undo --> n_notBooked');
    expect(run.stderr).toBe('');
  });

  it('prints the problems of an invalid file on stderr and exits 1', () => {
    const run = segue(['graph', 'bad.yaml'], scratch);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)[0]).toMatch(/^bad\.yaml:6:\d+: .*"shipp"/);
  });

  it('names a missing file and exits 1', () => {
    const run = segue(['graph', 'gone.yaml'], scratch);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual(['gone.yaml: cannot read the file: no such file']);
  });
});

describe('segue', () => {
  it('lists every command in --help', () => {
    const run = segue(['--help']);
    expect(run.code).toBe(0);
    const names = lines(run.stdout).flatMap((line) => /^ {2}(\S+) /.exec(line)?.[1] ?? []);
    expect(names).toEqual(
      expect.arrayContaining(['serve', 'validate', 'run', 'graph', 'start', 'get', 'list', 'history', 'raise', 'cancel', 'terminate', 'suspend', 'resume', 'retry']),
    );
    expect(lines(run.stdout).find((line) => line.startsWith('  validate'))).toContain('check workflow definitions');
  });

  it('prints a command’s usage for --help', () => {
    const run = segue(['graph', '--help']);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)[0]).toBe('usage: segue graph <file>');
  });

  it('answers an unknown command with a plain message and the help, exit 2', () => {
    const run = segue(['valdate', 'x.yaml']);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)[0]).toBe('segue: "valdate" is not a command (did you mean "validate"?)');
    expect(run.stderr).toContain('usage: segue <command>');
  });
});
