/**
 * A real `segue serve` process for API tests (the built command line, so `npm run build` must
 * have run), a temporary SQLite file per test file, worker processes, and deadline polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { SegueClient, type InstanceView } from '../../client/http-client.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin', 'segue.js');
const BUILT_CLI = join(REPO, 'dist', 'cli', 'main.js');
const START_TIMEOUT_MS = 15_000;

export interface TestServer {
  url: string;
  port: number;
  client: SegueClient;
  process: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, and wait for the process to end; resolves to its exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash), and wait for the process to end. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  /** Default 0: any free port. */
  port?: number;
  args?: string[];
  env?: Record<string, string>;
  /** The key the test's client sends. */
  apiKey?: string;
  /** A store URL to serve instead of the SQLite file. */
  store?: string;
}

/** A fresh temporary folder, removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'segue-api-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function requireBuild(): void {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run "npm run build" first (npm test does)`);
}

/** `segue serve` on the SQLite file `db` (or on `options.store`). */
export async function startServer(db: string, options: ServerOptions = {}): Promise<TestServer> {
  requireBuild();
  const args = [BIN, 'serve', '--port', String(options.port ?? 0), '--store', options.store ?? `sqlite:${db}`, ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await listeningUrl(child, () => stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    port: Number(new URL(url).port),
    client: new SegueClient({ url, ...(options.apiKey ? { apiKey: options.apiKey } : {}) }),
    process: child,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A server of one test file, with the temporary folder its SQLite file is in (others may go there too). */
export interface FileServer extends TestServer {
  dir: string;
}

/**
 * A server for the tests of one file: started before them on a fresh SQLite file with `definitions`
 * registered, stopped after and its folder removed. Call it at the top of the file; the getter
 * answers the server inside tests and hooks.
 */
export function serverForFile(definitions: string[] = [], options: ServerOptions = {}): () => FileServer {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let server: FileServer | undefined;
  beforeAll(async () => {
    tmp = tempDir();
    server = { ...(await startServer(join(tmp.dir, 'segue.db'), options)), dir: tmp.dir };
    for (const text of definitions) await server.client.registerWorkflow(text);
  });
  afterAll(async () => {
    await server?.stop();
    tmp?.cleanup();
  });
  return () => {
    if (!server) throw new Error('the server starts in beforeAll: use it inside a test or a hook');
    return server;
  };
}

/** The instance's view once it is COMPLETED or FAILED. */
export function finishedOn(client: SegueClient, id: string): Promise<InstanceView> {
  return eventually(async () => {
    const view = await client.getInstance(id);
    return ['COMPLETED', 'FAILED'].includes(view.status) ? view : undefined;
  }, { what: `instance ${id} to finish` });
}

/** Resolves with the URL of the server's `segue listening on <url>` line. */
function listeningUrl(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(`no "segue listening on" line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`segue serve did not start: ${why}\nstdout: ${out}\nstderr: ${stderr()}`));
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /segue listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => fail(`it exited with code ${code}`));
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** It was still running at `timeoutMs` and was killed. */
  hung: boolean;
}

/** Runs the `segue` command line to its end, or for at most `timeoutMs` (then kills it). */
export function runCli(args: string[], env: Record<string, string> = {}, options: { timeoutMs?: number } = {}): Promise<CliResult> {
  requireBuild();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    });
  });
}

export interface WorkerProcess {
  /** Everything the worker wrote so far. */
  output(): string;
  /** SIGTERM, and wait for the process to end; resolves to its exit code. */
  stop(): Promise<number | null>;
}

/** A TypeScript worker file run with tsx against `url` (examples/workers/remote-worker.ts by default). */
export async function startWorkerProcess(url: string, file = 'examples/workers/remote-worker.ts'): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: REPO,
    env: { ...process.env, SEGUE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await eventually(() => (output.includes('worker polling') ? true : undefined), { timeoutMs: START_TIMEOUT_MS, what: `the worker to start (output: ${output})` });
  return {
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Calls `probe` until it returns something other than undefined, or fails at the deadline. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, options: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'a condition'}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  json: any;
}

/** One raw HTTP exchange, for asserting status codes, headers and problem documents. */
export async function http(url: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const init: RequestInit = { method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } };
  if (body !== undefined) init.body = body;
  const response = await fetch(url + path, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
