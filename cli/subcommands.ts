/**
 * Commands made of subcommands on a running server (`segue schedule …`, `segue subscriptions …`):
 * the subcommand named first, its arguments counted, tables for people by default and the
 * server's JSON with `--json`. A refusal prints the problem's detail and exits 1.
 */
import { COMMON, SUFFIX, connect, reach, type Invocation, type Options, type Values } from './client-commands.js';
import { didYouMean } from '../definitions/messages.js';
import { UsageError, parseOptions } from './args.js';
import type { Command } from './args.js';

export interface Subcommand {
  /** Arguments and options after `segue <noun> <name>`. */
  usage: string;
  args: string[];
  options?: Options;
  /** What to print: the server's JSON, and the human form of it. */
  run: (call: Invocation) => Promise<{ json: unknown; text: string }>;
}

type Client = Invocation['client'];

/** `list`: every item, as a table. */
export function listing<V>(list: (client: Client) => Promise<V[]>, format: (items: V[]) => string): Subcommand {
  return {
    usage: 'list',
    args: [],
    run: async ({ client }) => {
      const items = await list(client);
      return { json: { items }, text: format(items) };
    },
  };
}

/** `<name> <id>`: one call on the item of that id, printing the item it answers. */
export function onId<V>(name: string, call: (client: Client, id: string) => Promise<V>, format: (view: V) => string): Subcommand {
  return {
    usage: `${name} <id>`,
    args: ['id'],
    run: async ({ client, args }) => {
      const view = await call(client, args[0]!);
      return { json: view, text: format(view) };
    },
  };
}

/** `delete <id>`: removes the `what` of that id. */
export function deletion(what: string, remove: (client: Client, id: string) => Promise<void>): Subcommand {
  return onId('delete', async (client, id) => {
    await remove(client, id);
    return { id, deleted: true };
  }, ({ id }) => `${what} ${id} deleted\n`);
}

export function subcommandsCommand(noun: string, summary: string, subcommands: Record<string, Subcommand>): Command {
  const names = Object.keys(subcommands);
  return {
    summary,
    usage: [`segue ${noun} <${names.join('|')}> … ${SUFFIX}`, ...Object.values(subcommands).map((sub) => `  segue ${noun} ${sub.usage}`)].join('\n'),
    run: async (argv) => {
      const [name, ...rest] = argv;
      if (name === undefined) throw new UsageError(`name a subcommand: ${names.join(', ')}`);
      const sub = Object.hasOwn(subcommands, name) ? subcommands[name]! : undefined;
      if (!sub) throw new UsageError(`"${name}" is not a ${noun} subcommand${didYouMean(name, names)}`);
      const { values, positionals } = parseOptions(rest, { ...COMMON, ...sub.options });
      if (positionals.length !== sub.args.length) {
        const expected = sub.args.length === 0 ? 'no arguments' : sub.args.map((a) => `<${a}>`).join(' ');
        throw new UsageError(`${noun} ${name} takes ${expected}, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`);
      }
      const { server, client } = connect(values as Values);
      const out = await reach(server, () => sub.run({ client, args: positionals, values: values as Values }));
      process.stdout.write(values.json ? `${JSON.stringify(out.json, null, 2)}\n` : out.text);
      return 0;
    },
  };
}
