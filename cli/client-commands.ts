/**
 * Client commands: operate instances on a running server (`--server`, or SEGUE_URL; default
 * http://127.0.0.1:8080). Tables for people by default, the server's JSON with `--json`. A
 * refusal prints the problem's detail and exits 1.
 */
import type { ParseArgsConfig } from 'node:util';
import { NetworkError, SegueClient, type LifecycleAction, type RetryRequest } from '../client/http-client.js';
import { UsageError, jsonArgument, parseOptions, positiveInteger, type OptionValue } from './args.js';
import type { Command, CommandTable } from './args.js';
import { formatAttention, formatHistory, formatInstance, formatInstanceList, formatQueues, formatRetryPreview } from './client-format.js';
import { didYouMean, listWords } from '../definitions/messages.js';
import { INSTANCE_STATUSES, type InstanceStatus } from '../engine/store/port.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8080';
export const COMMON = { server: { type: 'string' }, json: { type: 'boolean' } } as const;
export const SUFFIX = '[--server <url>] [--json]';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, OptionValue>;

/** A client command's parsed call: a client for the server, the positional arguments, the options. */
export interface Invocation {
  client: SegueClient;
  args: string[];
  values: Values;
}

/**
 * What a client command prints: the server's JSON (with --json) or the human form of it on
 * stdout, and `problems` on stderr, in which case it exits 1.
 */
export interface Outcome {
  json: unknown;
  text: string;
  problems?: string;
}

/** The positional arguments a command takes: these names, the last one repeatable when `many`. */
export interface Positionals {
  args: string[];
  many?: boolean;
  options?: Options;
}

/**
 * A client command: the positionals named in `spec.args`, its own options, and a body returning
 * what to print.
 */
export function clientCommand(summary: string, usage: string, spec: Positionals, body: (call: Invocation) => Promise<Outcome>): Command {
  return {
    summary,
    usage: `segue ${usage} ${SUFFIX}`,
    run: async (argv) => {
      const { values, positionals } = parseOptions(argv, { ...COMMON, ...spec.options });
      const fits = spec.many ? positionals.length >= spec.args.length : positionals.length === spec.args.length;
      if (!fits) {
        const expected = spec.args.map((a, i) => (spec.many && i === spec.args.length - 1 ? `<${a}>…` : `<${a}>`)).join(' ');
        throw new UsageError(`expected ${expected}, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`);
      }
      const { server, client } = connect(values as Values);
      const out = await reach(server, () => body({ client, args: positionals, values: values as Values }));
      process.stdout.write(values.json ? `${JSON.stringify(out.json, null, 2)}\n` : out.text);
      if (out.problems) process.stderr.write(out.problems);
      return out.problems ? 1 : 0;
    },
  };
}

/** The server of `--server`, SEGUE_URL or the default, and a client for it with SEGUE_API_KEY. */
export function connect(values: Values): { server: string; client: SegueClient } {
  const server = (values.server as string | undefined) ?? process.env.SEGUE_URL ?? DEFAULT_SERVER;
  return { server, client: new SegueClient({ url: server, ...(process.env.SEGUE_API_KEY ? { apiKey: process.env.SEGUE_API_KEY } : {}) }) };
}

/** Network failures in plain words; the server's own refusals pass through with their detail. */
export async function reach<T>(server: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    const cause = err.cause instanceof Error ? err.cause.message : err.message;
    throw new Error(`cannot reach the server at ${server}: ${err.code ?? cause} (set --server or SEGUE_URL)`);
  }
}



function lifecycleCommand(action: LifecycleAction, summary: string): Command {
  const options: Options = { reason: { type: 'string' } };
  return clientCommand(summary, `${action} <instance> [--reason <text>]`, { args: ['instance'], options }, async ({ client, args, values }) => {
    const view = await client.lifecycle(args[0]!, action, values.reason as string | undefined);
    return { json: view, text: formatInstance(view) };
  });
}

export const clientCommands: CommandTable = {
  start: clientCommand(
    'start an instance on a server',
    'start <workflow> [--input <json|@file>] [--id <id>] [--version <n>] [--wait <duration>]',
    { args: ['workflow'], options: { input: { type: 'string' }, id: { type: 'string' }, version: { type: 'string' }, wait: { type: 'string' } } },
    async ({ client, args, values }) => {
      const input = await jsonArgument(values.input, 'input');
      const version = positiveInteger(values.version, 'version');
      const start = {
        ...(input !== undefined ? { input } : {}),
        ...(typeof values.id === 'string' ? { id: values.id } : {}),
        ...(version !== undefined ? { version } : {}),
      };
      // With --wait, the server answers once the instance has finished (or the wait ran out).
      const view = await client.startInstance(args[0]!, start, values.wait as string | undefined);
      return { json: view, text: formatInstance(view) };
    },
  ),
  get: clientCommand(
    'show an instance',
    'get <instance> [--wait <duration>]',
    { args: ['instance'], options: { wait: { type: 'string' } } },
    async ({ client, args, values }) => {
      const view = await client.getInstance(args[0]!, values.wait as string | undefined);
      return { json: view, text: formatInstance(view) };
    },
  ),
  list: clientCommand(
    'list instances, newest first; with --attention, those that need attention and why',
    'list [--workflow <name>] [--status <status,…>]… [--set-aside] [--limit <n>] [--cursor <cursor>] [--attention]',
    {
      args: [],
      options: {
        workflow: { type: 'string' },
        status: { type: 'string', multiple: true },
        'set-aside': { type: 'boolean' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        attention: { type: 'boolean' },
      },
    },
    async ({ client, values }) => {
      const limit = positiveInteger(values.limit, 'limit');
      const status = statuses(values.status as string[] | undefined);
      const list = {
        ...(typeof values.workflow === 'string' ? { workflow: values.workflow } : {}),
        ...(status.length > 0 ? { status } : {}),
        ...(values['set-aside'] === true ? { setAside: true } : {}),
        ...(limit !== undefined ? { limit } : {}),
      };
      if (values.attention) {
        if (typeof values.cursor === 'string') throw new UsageError('--cursor does not go with --attention: the instances needing attention come in one page (raise --limit)');
        const found = await client.needingAttention(list);
        return { json: found, text: formatAttention(found.items) };
      }
      const page = await client.listInstances({ ...list, ...(typeof values.cursor === 'string' ? { cursor: values.cursor } : {}) });
      return { json: page, text: formatInstanceList(page.items, page.nextCursor) };
    },
  ),
  queues: clientCommand('show the task queues: depth, oldest task, attempts in flight, workers', 'queues', { args: [] }, async ({ client }) => {
    const items = await client.queues();
    return { json: { items }, text: formatQueues(items) };
  }),
  history: clientCommand(
    "print an instance's history",
    'history <instance> [--run <n>]',
    { args: ['instance'], options: { run: { type: 'string' } } },
    async ({ client, args, values }) => {
      const events = await client.history(args[0]!, positiveInteger(values.run, 'run'));
      return { json: { events }, text: formatHistory(events) };
    },
  ),
  raise: clientCommand(
    'send an event to an instance',
    'raise <instance> <event> [--data <json|@file>]',
    { args: ['instance', 'event'], options: { data: { type: 'string' } } },
    async ({ client, args, values }) => {
      const [id, event] = args as [string, string];
      await client.raiseEvent(id, event, (await jsonArgument(values.data, 'data')) ?? null);
      return { json: { id, event, accepted: true }, text: `event "${event}" raised for instance ${id}\n` };
    },
  ),
  purge: clientCommand('remove a finished instance and its history', 'purge <instance>', { args: ['instance'] }, async ({ client, args }) => {
    await client.purge(args[0]!);
    return { json: { id: args[0], purged: true }, text: `instance ${args[0]} purged\n` };
  }),
  cancel: lifecycleCommand('cancel', 'cancel an instance (compensations run)'),
  terminate: lifecycleCommand('terminate', 'stop an instance at once (nothing more runs)'),
  suspend: lifecycleCommand('suspend', 'pause an instance'),
  resume: lifecycleCommand('resume', 'resume a suspended instance'),
  retry: clientCommand(
    're-run a failed instance from the failed step (or --from another, with --patch applied to its data, on --version), or apply again what a set-aside one holds',
    'retry <instance> [--from <step>] [--patch <json|@file>] [--version <n|latest>] [--reason <text>] [--dry-run]',
    {
      args: ['instance'],
      options: { from: { type: 'string' }, patch: { type: 'string' }, version: { type: 'string' }, reason: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    },
    async ({ client, args, values }) => {
      const request = await retryRequest(values);
      if (request.dryRun) {
        const { dryRun } = await client.retry(args[0]!, { ...request, dryRun: true });
        return { json: { dryRun }, text: formatRetryPreview(dryRun) };
      }
      const view = await client.retry(args[0]!, { ...request, dryRun: false });
      return { json: view, text: formatInstance(view) };
    },
  ),
};

async function retryRequest(values: Record<string, OptionValue>): Promise<RetryRequest> {
  const request: RetryRequest = {};
  if (typeof values.from === 'string') request.from = values.from;
  const patch = await jsonArgument(values.patch, 'patch');
  if (patch !== undefined) {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new UsageError('--patch takes a JSON object (a merge patch: a field set to null is removed)');
    request.patch = patch;
  }
  if (values.version === 'latest') request.version = 'latest';
  else if (values.version !== undefined) request.version = positiveInteger(values.version, 'version')!;
  if (typeof values.reason === 'string') request.reason = values.reason;
  if (values['dry-run'] === true) request.dryRun = true;
  return request;
}

/** `--status running,failed --status completed` → the statuses, as the API names them. */
function statuses(given: string[] = []): InstanceStatus[] {
  const words = given.flatMap((value) => value.split(',')).map((word) => word.trim()).filter((word) => word !== '');
  for (const word of words) {
    if (!(INSTANCE_STATUSES as readonly string[]).includes(word.toUpperCase())) {
      throw new UsageError(`"${word}" is not a status${didYouMean(word.toUpperCase(), INSTANCE_STATUSES)}; use ${listWords(INSTANCE_STATUSES)}`);
    }
  }
  return words.map((word) => word.toUpperCase() as InstanceStatus);
}
