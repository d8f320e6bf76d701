/**
 * A MongoDB-protocol server for the tests: FerretDB 1.24 on SQLite, built from its Go module with
 * the patches beside this file (see docs/deploy.md for why), cached in the Go bin folder under a
 * name holding the patches' hash, so a changed patch builds anew and an unchanged one never does.
 *
 *   node --import tsx scripts/ferretdb/server.ts     builds if needed, starts, prints MONGODB_URI,
 *                                                    runs until Ctrl+C
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { freePort } from '../free-port.js';

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';
const PATCHES = fileURLToPath(new URL('.', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const run = promisify(execFile);

/** The patch files, in the order they are applied. */
function patchFiles(): string[] {
  return readdirSync(PATCHES)
    .filter((name) => name.endsWith('.patch'))
    .sort()
    .map((name) => join(PATCHES, name));
}

/** Where the build for this version and these patches lives: `<GOPATH>/bin/ferretdb-<version>-<hash>`. */
async function binaryPath(): Promise<string> {
  const hash = createHash('sha256').update(FERRETDB_VERSION);
  for (const file of patchFiles()) hash.update(readFileSync(file));
  const gopath = (await go(['env', 'GOPATH'])).trim().split(':')[0]!;
  return join(gopath, 'bin', `ferretdb-${FERRETDB_VERSION}-${hash.digest('hex').slice(0, 12)}`);
}

async function go(args: string[], cwd?: string): Promise<string> {
  try {
    return (await run('go', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CGO_ENABLED: '0' } })).stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('FerretDB is built with Go, and `go` is not on the PATH; install Go 1.22 or later');
    throw new Error(`go ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** True when `go` runs. */
export async function hasGo(): Promise<boolean> {
  return run('go', ['version']).then(
    () => true,
    () => false,
  );
}

export interface Installed {
  binary: string;
  /** False when the cached build was used. */
  built: boolean;
  ms: number;
}

/**
 * Builds FerretDB unless this version with these patches is built already. `go install` of the
 * module is not used: its binary lacks the version file the build embeds and refuses to start.
 */
export async function installFerretDb(): Promise<Installed> {
  const started = Date.now();
  const binary = await binaryPath();
  if (existsSync(binary)) return { binary, built: false, ms: Date.now() - started };
  const module = JSON.parse(await go(['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`])) as { Dir?: string; Error?: string };
  if (!module.Dir) throw new Error(`could not download ${FERRETDB_MODULE}@${FERRETDB_VERSION}: ${module.Error ?? 'no source folder'}`);
  // The module cache is read-only: build a copy.
  const src = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
  try {
    cpSync(module.Dir, src, { recursive: true, mode: 0 });
    await run('chmod', ['-R', 'u+w', src]);
    writeFileSync(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    for (const patch of patchFiles()) {
      await run('git', ['apply', patch], { cwd: src }).catch((err: { stderr?: string }) => {
        throw new Error(`could not apply ${patch} to FerretDB ${FERRETDB_VERSION}: ${err.stderr?.trim()}`);
      });
    }
    const partial = `${binary}.partial-${process.pid}`;
    await go(['build', '-buildvcs=false', '-trimpath', '-o', partial, './cmd/ferretdb'], src);
    // A rename, so a concurrent run sees either no binary or a whole one.
    renameSync(partial, binary);
    removeOlderBuilds(binary);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  return { binary, built: true, ms: Date.now() - started };
}

/** Builds of other versions or patches, which nothing starts any more. */
function removeOlderBuilds(binary: string): void {
  const dir = dirname(binary);
  for (const name of readdirSync(dir)) {
    if (/^ferretdb-v[\d.]+-[0-9a-f]{12}$/.test(name) && join(dir, name) !== binary) rmSync(join(dir, name), { force: true });
  }
}

export interface RunningServer {
  uri: string;
  /** The folder holding its SQLite files and its log. */
  dir: string;
  process: ChildProcess;
  /** From spawn to the first answered ping, ms. */
  startMs: number;
  /** SIGTERM, wait for the exit, remove the folder. */
  stop(): Promise<void>;
}

/** Starts `binary` on a free loopback port, with its data in a new temporary folder. */
export async function startFerretDb(binary: string): Promise<RunningServer> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'segue-ferretdb-'));
  const port = await freePort();
  const log = join(dir, 'ferretdb.log');
  const out = openSync(log, 'a');
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    { stdio: ['ignore', out, out] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const uri = `mongodb://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(uri, child, log);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { uri, dir, process: child, startMs: Date.now() - started, stop };
}

async function waitForPing(uri: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode}: ${readFileSync(log, 'utf8').slice(-2000)}`);
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`FerretDB did not answer at ${uri} within ${START_TIMEOUT_MS} ms (${(err as Error).message}): ${readFileSync(log, 'utf8').slice(-2000)}`);
      }
    } finally {
      await client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const installed = await installFerretDb();
  process.stderr.write(`FerretDB ${FERRETDB_VERSION}: ${installed.built ? `built in ${(installed.ms / 1000).toFixed(1)} s` : 'cached build'} (${installed.binary})\n`);
  const server = await startFerretDb(installed.binary);
  process.stderr.write(`started in ${(server.startMs / 1000).toFixed(1)} s, data in ${server.dir}; Ctrl+C stops it and removes the data\n`);
  process.stdout.write(`MONGODB_URI=${server.uri}\n`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
