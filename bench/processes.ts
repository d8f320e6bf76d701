/** Child processes for the remote workloads: a `segue serve` (or a MongoDB bench engine) and worker processes, run from source. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const MONGO_ENGINE = fileURLToPath(new URL('./mongodb/engine-process.ts', import.meta.url));
const PYTHON_WORKER = fileURLToPath(new URL('./worker.py', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export interface Child {
  pid: number;
  /** The first match of the ready pattern in the child's standard output. */
  ready: RegExpExecArray;
  /** SIGTERM, then SIGKILL if it has not ended within 15 s. */
  stop(): Promise<void>;
}

/** Node options for the children, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" to profile them. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

/** Runs a TypeScript entry point under tsx and waits for `ready` on its standard output. */
function spawnReady(args: string[], env: Record<string, string>, ready: RegExp): Promise<Child> {
  return spawnCommandReady(process.execPath, [...NODE_ARGS, '--import', 'tsx', ...args], env, ready);
}

async function spawnCommandReady(command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<Child> {
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  // Keep only the tail: a server under load logs, and the tail is what explains a failure.
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const match = await waitForLine(child, ready, () => stderr);
  return {
    pid: child.pid!,
    ready: match,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function waitForLine(child: ChildProcess, pattern: RegExp, stderr: () => string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${child.spawnargs.join(' ')} did not start: ${why}\nstderr: ${stderr()}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const onExit = (code: number | null): void => fail(`it exited with code ${code}`);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        // Keep reading, so a chatty child never blocks on a full pipe.
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(match);
      }
    });
    child.once('exit', onExit);
  });
}

/** `segue serve` on any free port with the definitions of `workflows`; resolves with its URL. */
export async function startServe(store: string, workflows: string): Promise<Child & { url: string }> {
  const child = await spawnReady([CLI, 'serve', '--port', '0', '--store', store, '--workflows', workflows], {}, /segue listening on (http:\/\/\S+)/);
  return { ...child, url: child.ready[1]! };
}

/** bench/mongodb/engine-process.ts on `database` of the MongoDB server at `uri`; resolves with its URL. */
export async function startMongoEngine(uri: string, database: string): Promise<Child & { url: string }> {
  const child = await spawnReady([MONGO_ENGINE], { BENCH_MONGODB_URI: uri, BENCH_DATABASE: database }, /bench engine listening on (http:\/\/\S+)/);
  return { ...child, url: child.ready[1]! };
}

/**
 * A benchmark worker process polling `url`: bench/worker.ts, or with BENCH_WORKER=python
 * bench/worker.py run by BENCH_PYTHON (default python3), which needs the sdk/python package.
 */
export function startWorker(url: string, concurrency: number): Promise<Child> {
  const env = { SEGUE_URL: url, BENCH_WORKER_CONCURRENCY: String(concurrency) };
  if (process.env.BENCH_WORKER === 'python') return spawnCommandReady(process.env.BENCH_PYTHON ?? 'python3', [PYTHON_WORKER], env, /bench worker ready/);
  return spawnReady([WORKER], env, /bench worker ready/);
}
