/**
 * The processes of a chaos run: `segue serve` processes on one store, each in a slot with a
 * fixed port (a killed server comes back on the same port, so workers find it again), worker
 * processes, and calls that ride out the crashes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { NetworkError, ProblemError, SegueClient } from '../../client/http-client.js';
import { REPO, eventually, startServer, type TestServer } from '../helpers/server.js';
import { DELIVERY_ENV } from './lifecycle-events.js';

const WORKER_SCRIPT = 'test/reliability/chaos-worker.ts';
const RESTART_ATTEMPTS = 20;
const CALL_TIMEOUT_MS = 60_000;
/** A worker finishes what it holds on SIGTERM; results it cannot deliver are retried until their lease ends. */
const WORKER_GRACE_MS = 10_000;

export interface Slot {
  name: string;
  port: number;
  server?: TestServer;
  /** Taking calls: set once the server listens, cleared just before it is killed. */
  up: boolean;
  kills: number;
  restarts: number;
}

/** A lost connection or a 5xx (a store busy with the other server): worth trying again. */
export function isTransient(err: unknown): boolean {
  return err instanceof ProblemError ? err.status >= 500 : err instanceof NetworkError;
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Cluster {
  readonly slots: Slot[] = [];
  /** Every server process started, dead or alive, for their logs. */
  private readonly servers: TestServer[] = [];
  private readonly workers: ChildProcess[] = [];
  private next = 0;

  /** `store`: the store URL every server serves. */
  constructor(private readonly store: string) {}

  slot(name: string, port = 0): Slot {
    const slot: Slot = { name, port, up: false, kills: 0, restarts: 0 };
    this.slots.push(slot);
    return slot;
  }

  /** Starts the slot's server (again, after a kill) on its port. */
  async start(slot: Slot): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const server = await startServer('', { port: slot.port, store: this.store, env: DELIVERY_ENV });
        this.servers.push(server);
        slot.server = server;
        slot.port = server.port;
        slot.up = true;
        return;
      } catch (err) {
        // The port of a killed server can stay busy for a moment.
        if (attempt >= RESTART_ATTEMPTS) throw err;
        await pause(250);
      }
    }
  }

  async restart(slot: Slot): Promise<void> {
    await this.start(slot);
    slot.restarts += 1;
  }

  async kill(slot: Slot): Promise<void> {
    slot.up = false;
    await slot.server?.kill();
    slot.kills += 1;
  }

  url(slot: Slot): string {
    return `http://127.0.0.1:${slot.port}`;
  }

  /** One attempt of `call` on a live server (waiting for one to be up); throws what it throws. */
  async once<T>(call: (client: SegueClient) => Promise<T>): Promise<T> {
    const slot = await eventually(() => this.liveSlot(), { timeoutMs: CALL_TIMEOUT_MS, what: 'a server to be up' });
    return call(slot.server!.client);
  }

  /** `call` on a live server, tried again (on any live server) while the failure is transient. */
  async call<T>(call: (client: SegueClient) => Promise<T>, what: string): Promise<T> {
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    for (;;) {
      try {
        return await this.once(call);
      } catch (err) {
        if (!isTransient(err) || Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
        await pause(100);
      }
    }
  }

  /** A worker process serving the chaos tasks of `slots`, appending its executions to `log`. */
  async startWorker(name: string, slots: Slot[], log: string): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
      cwd: REPO,
      env: { ...process.env, CHAOS_URLS: slots.map((s) => this.url(s)).join(','), CHAOS_LOG: log, CHAOS_WORKER: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.workers.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => (output.includes('worker polling') ? true : child.exitCode !== null ? Promise.reject(new Error(output)) : undefined), {
      timeoutMs: 20_000,
      what: `worker ${name} to start`,
    });
  }

  /** Unexpected server errors (answered 500) logged by every server process so far. */
  serverErrors(): string[] {
    return this.servers.flatMap((s) => s.stderr().split('\n').filter((line) => line.includes('"request failed"')));
  }

  /** Stops the workers (letting them finish what they hold), then the servers still running. */
  async shutdown(): Promise<void> {
    await Promise.all(this.workers.map((child) => stopProcess(child)));
    for (const slot of this.slots) {
      if (slot.up) await slot.server!.stop();
      slot.up = false;
    }
  }

  private liveSlot(): Slot | undefined {
    const live = this.slots.filter((s) => s.up);
    if (live.length === 0) return undefined;
    this.next = (this.next + 1) % live.length;
    return live[this.next];
  }
}

/** SIGTERM, and SIGKILL if the process is still there after a grace period. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), WORKER_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
