/**
 * `segue run <file>`: runs one instance in-process on the memory store to a terminal status and
 * prints its output. Exit 0 only when it COMPLETED; otherwise status and error go to stderr.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createEngine, type Engine } from '../engine/engine.js';
import { SegueError } from '../engine/errors.js';
import type { Json } from '../definitions/model.js';
import { formatProblem } from '../definitions/model.js';
import { parseDuration } from '../definitions/duration.js';
import { jsonArgument, parseOptions, readSource, UsageError, type Command } from './args.js';
import { isDefinitionFile } from './definition-files.js';
import { loadWorkerModule } from './worker-module.js';

export const runCommand: Command = {
  summary: 'run one instance in-process to its end and print its output',
  usage:
    'segue run <file> [--input <json|@file>] [--worker <module>] [--workflows <dir>] [--event <name>[=<json>]]… [--timeout <duration>]',
  run: async (argv) => {
    const { values, positionals } = parseOptions(argv, {
      input: { type: 'string' },
      worker: { type: 'string' },
      workflows: { type: 'string' },
      event: { type: 'string', multiple: true },
      timeout: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one workflow file');
    const input = (await jsonArgument(values.input, 'input')) ?? {};
    const events = await Promise.all((values.event ?? []).map(eventArgument));
    const timeoutMs = values.timeout === undefined ? undefined : durationArgument(values.timeout);
    const handlers = values.worker ? await loadWorkerModule(values.worker) : {};
    const engine = await createEngine({ store: 'memory', handlers });
    try {
      if (values.workflows && !(await registerFolder(engine, values.workflows))) return 1;
      const name = await registerFile(engine, positionals[0]!);
      if (name === null) return 1;
      engine.start();
      return await runInstance(engine, name, input, events, timeoutMs);
    } finally {
      await engine.stop();
    }
  },
};

async function runInstance(
  engine: Engine,
  workflow: string,
  input: Json,
  events: { name: string; payload: Json }[],
  timeoutMs: number | undefined,
): Promise<number> {
  let started;
  try {
    started = await engine.startInstance(workflow, { input });
  } catch (err) {
    if (err instanceof SegueError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  for (const event of events) await engine.raiseEvent(started.id, event.name, event.payload);
  const end = await engine.waitForInstance(started.id, timeoutMs ?? Number.MAX_SAFE_INTEGER);
  if (end.status === 'COMPLETED') {
    process.stdout.write(`${JSON.stringify(end.output, null, 2)}\n`);
    return 0;
  }
  const waiting = end.current.map((c) => `${c.step} (${c.waiting})`).join(', ');
  process.stderr.write(`status: ${end.status}${end.status === 'RUNNING' ? ` after the --timeout; waiting at ${waiting}` : ''}\n`);
  if (end.error) process.stderr.write(`error: ${end.error.error}: ${end.error.message}${end.error.step ? ` (step "${end.error.step}")` : ''}\n`);
  for (const e of end.error?.errors ?? []) process.stderr.write(`  - ${e.error}: ${e.message}${e.step ? ` (step "${e.step}")` : ''}\n`);
  return 1;
}

/** Registers a definition file; prints its problems and returns null when it is invalid. */
async function registerFile(engine: Engine, file: string): Promise<string | null> {
  const source = await readSource(file);
  if (!source.ok) {
    process.stderr.write(`${source.message}\n`);
    return null;
  }
  try {
    return (await engine.register(source.text, file)).name;
  } catch (err) {
    if (!(err instanceof SegueError) || err.problems.length === 0) throw err;
    for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return null;
  }
}

async function registerFolder(engine: Engine, dir: string): Promise<boolean> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isDefinitionFile).sort();
  } catch (err) {
    process.stderr.write(`--workflows ${dir}: cannot read the folder: ${(err as Error).message}\n`);
    return false;
  }
  for (const name of names) if ((await registerFile(engine, join(dir, basename(name)))) === null) return false;
  return true;
}


async function eventArgument(value: string): Promise<{ name: string; payload: Json }> {
  const eq = value.indexOf('=');
  if (eq < 0) return { name: value, payload: null };
  return { name: value.slice(0, eq), payload: (await jsonArgument(value.slice(eq + 1), `event ${value.slice(0, eq)}`)) ?? null };
}

function durationArgument(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new UsageError(`--timeout "${value}" is not a duration; write it like 30s, 5m or 2h`);
  return ms;
}
