/**
 * `segue serve`: the engine and the REST API in one process. Registers the definitions of a
 * folder and loads in-process handlers, then serves until SIGTERM or SIGINT, when it stops
 * taking requests, answers open long polls, and lets the engine finish what it holds.
 */
import { readdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { parseApiKeys, type ApiKey } from '../api/access.js';
import { createServer } from '../api/app.js';
import { parseDuration } from '../definitions/duration.js';
import { formatProblem } from '../definitions/model.js';
import type { AttentionOptions } from '../engine/attention.js';
import { createEngine, type Engine } from '../engine/engine.js';
import type { ConcurrencyOptions } from '../engine/concurrency.js';
import { SegueError } from '../engine/errors.js';
import { UsageError, parseOptions, readSource } from './args.js';
import type { Command } from './args.js';
import { isDefinitionFile } from './definition-files.js';
import { loadWorkerModule } from './worker-module.js';

/** How long requests in flight may take to finish after a stop signal. */
const GRACE_MS = 10_000;

interface ServeOptions {
  port: number;
  host: string;
  store: string;
  workflows?: string;
  worker?: string;
  /** Longest long poll held (`?wait` of instances, `wait` of task polls), ms. */
  maxWaitMs?: number;
  /** From SEGUE_API_KEYS. */
  apiKeys: ApiKey[];
  /** From SEGUE_ATTENTION_UNPOLLED and SEGUE_ATTENTION_OVERDUE. */
  attention: Partial<AttentionOptions>;
  /** Tries an input delivered again may have before its instance is set aside. */
  setAsideAfter?: number;
  /** From SEGUE_DELIVERY_LEASE: how long a subscription's deliveries stay with an engine that stopped writing. */
  deliveryLeaseMs?: number;
  /** --max-active and --max-queued-starts. */
  concurrency?: Partial<Pick<ConcurrencyOptions, 'maxActiveInstances' | 'maxQueuedStarts'>>;
}

export const serveCommand: Command = {
  summary: 'run the engine and the REST API',
  usage: 'segue serve [--port 8080] [--host 127.0.0.1] [--store <url>] [--workflows <dir>] [--worker <module>] [--max-wait 60s] [--set-aside-after 3] [--max-active 10000] [--max-queued-starts 100000]',
  run: async (argv) => {
    // Options and keys are checked before the engine exists. A started engine keeps the process
    // alive: whatever fails after it must stop it, or the process prints its error and hangs.
    const options = serveOptions(argv);
    const engine = await createEngine({
      store: options.store,
      attention: options.attention,
      ...(options.setAsideAfter === undefined ? {} : { setAsideAfter: options.setAsideAfter }),
      ...(options.deliveryLeaseMs === undefined ? {} : { deliveries: { leaseMs: options.deliveryLeaseMs } }),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    let running: Running;
    try {
      await prepare(engine, options);
      running = await listen(engine, options);
    } catch (err) {
      await engine.stop();
      throw err;
    }
    await stopSignal();
    await running.stop();
    await engine.stop();
    return 0;
  },
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function serveOptions(argv: string[]): ServeOptions {
  const { values, positionals } = parseOptions(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    store: { type: 'string' },
    workflows: { type: 'string' },
    worker: { type: 'string' },
    'max-wait': { type: 'string' },
    'set-aside-after': { type: 'string' },
    'max-active': { type: 'string' },
    'max-queued-starts': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments besides options, got "${positionals[0]}"`);
  const portText = values.port ?? process.env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) throw new UsageError(`the port must be a number from 0 to 65535 (0 picks a free one), got "${portText}"`);
  const options: ServeOptions = {
    port,
    host: values.host ?? '127.0.0.1',
    store: values.store ?? process.env.SEGUE_STORE ?? 'sqlite:./segue.db',
    apiKeys: parseApiKeys(process.env.SEGUE_API_KEYS ?? ''),
    attention: attentionFromEnv(process.env),
    ...deliveryLeaseFromEnv(process.env),
  };
  if (values.workflows !== undefined) options.workflows = values.workflows;
  if (values.worker !== undefined) options.worker = values.worker;
  if (values['max-wait'] !== undefined) {
    const ms = parseDuration(values['max-wait']);
    if (ms === null || ms < 1) throw new UsageError(`--max-wait must be a duration like 30s or 500ms, got "${values['max-wait']}"`);
    options.maxWaitMs = ms;
  }
  if (values['set-aside-after'] !== undefined) {
    const tries = values['set-aside-after'];
    if (!/^[1-9]\d{0,5}$/.test(tries)) throw new UsageError(`--set-aside-after must be a whole number of tries from 1, like 3; got "${tries}"`);
    options.setAsideAfter = Number(tries);
  }
  for (const [flag, key] of [['max-active', 'maxActiveInstances'], ['max-queued-starts', 'maxQueuedStarts']] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    if (!/^[1-9]\d{0,8}$/.test(text)) throw new UsageError(`--${flag} must be a whole number from 1, like 1000; got "${text}"`);
    (options.concurrency ??= {})[key] = Number(text);
  }
  return options;
}

/** The attention settings given as durations in the environment. */
function attentionFromEnv(env: NodeJS.ProcessEnv): Partial<AttentionOptions> {
  const attention: Partial<AttentionOptions> = {};
  for (const [name, key] of [['SEGUE_ATTENTION_UNPOLLED', 'unpolledMs'], ['SEGUE_ATTENTION_OVERDUE', 'overdueMs']] as const) {
    const text = env[name];
    if (text === undefined) continue;
    const ms = parseDuration(text);
    if (ms === null) throw new UsageError(`${name} must be a duration like 1m or 30s, got "${text}"`);
    attention[key] = ms;
  }
  return attention;
}

/** SEGUE_DELIVERY_LEASE: longer than one delivery attempt (10 s at most), or deliveries would change hands mid-attempt. */
function deliveryLeaseFromEnv(env: NodeJS.ProcessEnv): Pick<ServeOptions, 'deliveryLeaseMs'> {
  const text = env.SEGUE_DELIVERY_LEASE;
  if (text === undefined) return {};
  const ms = parseDuration(text);
  if (ms === null || ms < 11_000) throw new UsageError(`SEGUE_DELIVERY_LEASE must be a duration of 11s or more, like 30s; got "${text}"`);
  return { deliveryLeaseMs: ms };
}

async function prepare(engine: Engine, options: ServeOptions): Promise<void> {
  if (options.workflows !== undefined) await registerFolder(engine, options.workflows);
  if (options.worker !== undefined) {
    for (const [type, handler] of Object.entries(await loadWorkerModule(options.worker))) engine.registerHandler(type, handler);
  }
  engine.start();
}

/** Registers every definition file in `dir`; any invalid one stops the server from starting. */
async function registerFolder(engine: Engine, dir: string): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isDefinitionFile).sort();
  } catch (err) {
    throw new Error(`cannot read the workflows folder ${dir}: ${(err as Error).message}`);
  }
  for (const name of names) {
    const file = join(dir, name);
    const source = await readSource(file);
    if (!source.ok) throw new Error(source.message);
    try {
      await engine.register(source.text, file);
    } catch (err) {
      if (err instanceof SegueError && err.code === 'DEFINITION_INVALID') {
        throw new Error(`${file} is not valid:\n${err.problems.map(formatProblem).join('\n')}`);
      }
      throw err;
    }
  }
}

interface Running {
  /** Stops taking requests, answers open long polls, and waits for the requests in flight. */
  stop(): Promise<void>;
}

async function listen(engine: Engine, options: ServeOptions): Promise<Running> {
  const logger = pino({ name: 'segue' }, pino.destination(2));
  const stopping = new AbortController();
  const { apiKeys } = options;
  if (apiKeys.length === 0 && !LOOPBACK.has(options.host)) {
    process.stdout.write(`no API keys are configured (SEGUE_API_KEYS), so the API stays on 127.0.0.1 instead of ${options.host}\n`);
    options.host = '127.0.0.1';
  }
  const app = createServer(engine, {
    signal: stopping.signal,
    apiKeys,
    ...(options.maxWaitMs !== undefined ? { maxInstanceWaitMs: options.maxWaitMs, maxPollWaitMs: options.maxWaitMs } : {}),
    onError: (err, request) => logger.error({ err, ...request }, 'request failed'),
    // Management calls and refused ones, with the caller's key id (never the key), for the audit
    // trail; a refusal is a warning, so that alerts can watch for them.
    onAudit: (entry) => (entry.reason === undefined ? logger.info({ audit: entry }, 'audit') : logger.warn({ audit: entry }, 'audit')),
  });
  const server = await bind(app, options.port, options.host);
  const { port } = server.address() as { port: number };
  process.stdout.write(`segue listening on http://${options.host}:${port} (store: ${describeStore(options.store)})\n`);
  if (apiKeys.length === 0) process.stdout.write('no API keys are configured: anyone on this machine can use the API; set SEGUE_API_KEYS (id:role:key,…) to require keys\n');
  return {
    stop: async () => {
      stopping.abort();
      await close(server);
    },
  };
}

function bind(app: ReturnType<typeof createServer>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} is already in use; pick another with --port` : err.message));
    });
  });
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Stops accepting connections; requests in flight get GRACE_MS to finish. */
function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), GRACE_MS);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** The store URL without a password. */
function describeStore(url: string): string {
  if (!url.startsWith('mongodb')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'mongodb';
  }
}
