import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, startServer, tempDir } from '../helpers/server.js';

/** Long enough for a start-up on a loaded machine; a server that hangs instead of exiting is killed at it. */
const EXIT_WITHIN_MS = 10_000;

let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  tmp = tempDir();
});

afterAll(() => tmp?.cleanup());

describe('segue serve', () => {
  it('registers the examples and runs their tasks with an in-process worker module', async () => {
    const server = await startServer(join(tmp.dir, 'examples.db'), { args: ['--workflows', 'examples', '--worker', 'examples/workers/example-worker.ts'] });
    try {
      const names = (await server.client.listWorkflows()).map((w) => w.name);
      expect(names).toEqual(expect.arrayContaining(['order-processing', 'human-approval', 'trip-booking-saga']));
      const input = { orderId: 'B-9', customer: { email: 'bo@example.com' }, items: [{ sku: 'PEN-1', quantity: 1, price: 3 }], card: '0000-1111' };
      const view = await server.client.startInstance('order-processing', { input });
      const done = await server.client.getInstance(view.id, '20s');
      expect(done.status).toBe('FAILED');
      expect(done.error).toMatchObject({ error: 'PaymentDeclined', message: 'The card was declined for order B-9: card ending 1111 was declined' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('answers open long polls and exits 0 on SIGTERM', async () => {
    const server = await startServer(join(tmp.dir, 'stop.db'));
    const poll = server.client.poll({ types: ['never.comes'], worker: 'w', wait: '60s' });
    // Give the poll time to reach the server; if it has not, it fails instead of answering [].
    await new Promise((resolve) => setTimeout(resolve, 200));
    const began = Date.now();
    const code = await server.stop();
    expect(await poll).toEqual([]);
    expect(code).toBe(0);
    // The client keeps its connection alive: the server must close it rather than wait for it.
    expect(Date.now() - began).toBeLessThan(2_000);
  });

  it('refuses to start when a definition in --workflows is invalid, naming each problem', async () => {
    const dir = join(tmp.dir, 'bad-workflows');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\nsteps:\n  - name: a\n    type: sett\n');
    const result = await runCli(['serve', '--port', '0', '--store', 'memory', '--workflows', dir], {}, { timeoutMs: EXIT_WITHIN_MS });
    expect(result).toMatchObject({ hung: false, code: 1 });
    expect(result.stderr).toContain(`${join(dir, 'broken.yaml')}:4:11: step "a": "type" is "sett", which is not a step type (did you mean "set"?)`);
  });

  it('holds no long poll longer than --max-wait, and refuses a --max-wait that is not a duration', async () => {
    const server = await startServer(join(tmp.dir, 'max-wait.db'), { args: ['--max-wait', '300ms'] });
    try {
      const began = Date.now();
      expect(await server.client.poll({ types: ['never.comes'], worker: 'w', wait: '30s' })).toEqual([]);
      const waited = Date.now() - began;
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(10_000);
    } finally {
      await server.stop();
    }
    const bad = await runCli(['serve', '--port', '0', '--store', 'memory', '--max-wait', 'forever']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-wait must be a duration like 30s or 500ms, got "forever"/);
  });

  it('refuses a port that is not a number', async () => {
    const result = await runCli(['serve', '--port', 'eighty', '--store', 'memory']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the port must be a number from 0 to 65535/);
  });
});

describe('segue serve refuses to start, exiting non-zero with a message instead of hanging', () => {
  const key = 'k-0123456789abcdef';
  it.each([
    ['a short key', 'ops:operator:short', /SEGUE_API_KEYS entry 1 \(id "ops"\): a key needs at least 16 characters/],
    ['an unknown role', `ops:boss:${key}`, /SEGUE_API_KEYS entry 1 \(id "ops"\) has role "boss"; use one of admin, operator, worker, viewer/],
    ['a duplicate id', `ops:operator:${key},ops:admin:${key}x`, /SEGUE_API_KEYS names the id "ops" twice/],
    ['a missing key', `ops:operator:${key},ci:admin`, /SEGUE_API_KEYS entry 2 must read id:role:key/],
    ['a missing id', `:admin:${key}`, /SEGUE_API_KEYS entry 1 must read id:role:key/],
  ])('with %s in SEGUE_API_KEYS', async (_, keys, message) => {
    const result = await runCli(['serve', '--port', '0', '--store', 'memory'], { SEGUE_API_KEYS: keys }, { timeoutMs: EXIT_WITHIN_MS });
    expect(result).toMatchObject({ hung: false, code: 1 });
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).not.toContain(key);
  });

  it.each<[string, () => string[], RegExp]>([
    ['a store URL of no known kind', () => ['--store', 'sqlite3:x.db'], /unknown store URL "sqlite3:x.db"; accepted forms: "sqlite:<path>"/],
    ['a SQLite file that cannot be opened', () => ['--store', `sqlite:${notAFolder()}/segue.db`], /could not open the SQLite database ".*a-file\/segue\.db": its folder cannot be created \(EEXIST/],
    ['a MongoDB server that does not answer', () => ['--store', 'mongodb://127.0.0.1:1/segue?serverSelectionTimeoutMS=300'], /could not connect to MongoDB at 127\.0\.0\.1:1/],
    ['a file that is not a SQLite database', () => ['--store', `sqlite:${notADatabase()}`], /could not open the SQLite database ".*garbage\.db": the file is not a SQLite database/],
    ['a workflows folder that does not exist', () => ['--workflows', join(tmp.dir, 'no-such-folder')], /cannot read the workflows folder .*no-such-folder: ENOENT/],
    ['a worker module that does not exist', () => ['--worker', join(tmp.dir, 'no-such-worker.mjs')], /could not load the worker module .*no-such-worker\.mjs: Cannot find module/],
    ['a worker module that throws as it loads', () => ['--worker', throwingWorker()], /could not load the worker module .*throws\.mjs: the module broke/],
  ])('with %s', async (_, args, message) => {
    const result = await runCli(['serve', '--port', '0', '--store', 'memory', ...args()], {}, { timeoutMs: EXIT_WITHIN_MS });
    expect(result).toMatchObject({ hung: false, code: 1 });
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('listening');
  });

  it('on a port in use', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await runCli(['serve', '--port', String(port), '--store', 'memory'], {}, { timeoutMs: EXIT_WITHIN_MS });
      expect(result).toMatchObject({ hung: false, code: 1 });
      expect(result.stderr).toContain(`segue serve: port ${port} is already in use; pick another with --port`);
    } finally {
      taken.close();
    }
  });
});

/** A regular file, where a store path expects a folder. */
function notAFolder(): string {
  const file = join(tmp.dir, 'a-file');
  writeFileSync(file, 'not a folder');
  return file;
}

function notADatabase(): string {
  const file = join(tmp.dir, 'garbage.db');
  writeFileSync(file, 'x'.repeat(4096));
  return file;
}

function throwingWorker(): string {
  const file = join(tmp.dir, 'throws.mjs');
  writeFileSync(file, 'throw new Error("the module broke");\n');
  return file;
}

const mongoUri = process.env.MONGODB_URI;
describe.skipIf(!mongoUri)('segue serve on MongoDB (needs MONGODB_URI, or Go to build FerretDB)', () => {
  it("serves the README's quick start", async () => {
    const database = `segue_serve_${randomUUID().slice(0, 8)}`;
    const store = `${mongoUri!.replace(/\/?$/, '')}/${database}`;
    const server = await startServer('', { store, args: ['--workflows', 'examples', '--worker', 'examples/workers/example-worker.ts'] });
    try {
      const outputs: string[] = [];
      for (const command of quickStartCommands()) {
        const result = await runShell(command, { SEGUE_URL: server.url });
        expect(result, command).toMatchObject({ code: 0 });
        outputs.push(result.stdout);
      }
      expect(outputs[0]).toMatch(/COMPLETED/);
      expect(outputs[1]).toMatch(/COMPLETED/);
      expect(outputs[2]).toMatch(/InstanceCompleted/);
      await expect(server.client.getInstance('A-1')).rejects.toMatchObject({ status: 404 });
    } finally {
      expect(await server.stop()).toBe(0);
      const admin = await new MongoClient(mongoUri!).connect();
      await admin.db(database).dropDatabase();
      await admin.close();
    }
  });
});

/** The `npx segue` commands of the README's quick start, run by the built command line; not `register`, which needs the reader's file. */
function quickStartCommands(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start: the REST API'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith('npx segue ') && !line.startsWith('npx segue register '))
    .map((line) => line.replace(/^npx segue /, `"${process.execPath}" bin/segue.js `));
}

function runShell(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
