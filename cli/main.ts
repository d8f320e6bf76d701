/**
 * The `segue` command: finds the command named by the first argument in the table and runs it.
 * Importing this module runs the command line (bin/segue.js does exactly that).
 */
import { didYouMean } from '../definitions/messages.js';
import { UsageError } from './args.js';
import type { Command, CommandTable } from './args.js';
import { graphCommand } from './graph.js';
import { registerCommand } from './register-command.js';
import { runCommand as runInstanceCommand } from './run.js';
import { scheduleCommand } from './schedule-command.js';
import { subscriptionsCommand } from './subscriptions-command.js';
import { taskTokenCommand } from './task-token-command.js';
import { clientCommands } from './client-commands.js';
import { serveCommand } from './serve.js';
import { testCommand } from './test-command.js';
import { validateCommand } from './validate.js';

export type { Command, CommandTable } from './args.js';

/** Every command of the command line, in the order `--help` lists them. */
export const commands: CommandTable = {
  serve: serveCommand,
  validate: validateCommand,
  run: runInstanceCommand,
  test: testCommand,
  graph: graphCommand,
  register: registerCommand,
  ...clientCommands,
  schedule: scheduleCommand,
  subscriptions: subscriptionsCommand,
  'task-token': taskTokenCommand,
};

export function helpText(table: CommandTable = commands): string {
  const width = Math.max(...Object.keys(table).map((name) => name.length));
  const rows = Object.entries(table).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return [
    'segue: a declarative workflow engine',
    '',
    'usage: segue <command> [arguments]',
    '',
    'commands:',
    ...rows,
    '',
    'Client commands (register … retry, schedule, subscriptions, task-token) talk to a server given by --server or SEGUE_URL.',
    'Run "segue <command> --help" for the arguments of one command.',
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return `usage: ${command.usage}\n\n${command.summary}\n${command.details ? `\n${command.details}` : ''}`;
}

/** `--help` anywhere before a `--` asks for the command's help. */
function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** Runs the command line `argv` (without node and the script) and resolves to the exit code. */
export async function dispatch(argv: string[], table: CommandTable = commands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(helpText(table));
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] !== undefined && Object.hasOwn(table, rest[0]) ? table[rest[0]] : undefined;
    process.stdout.write(topic ? commandHelp(topic) : helpText(table));
    return 0;
  }
  const command = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!command) {
    process.stderr.write(`segue: "${name}" is not a command${didYouMean(name, Object.keys(table))}\n\n${helpText(table)}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  return runCommand(name, command, rest);
}

async function runCommand(name: string, command: Command, argv: string[]): Promise<number> {
  try {
    return await command.run(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`segue ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    // An unexpected failure is a bug: say what it was, without a stack trace unless asked.
    const detail = process.env.SEGUE_DEBUG ? (err as Error).stack : (err as Error).message;
    process.stderr.write(`segue ${name}: ${detail ?? String(err)}\n`);
    return 1;
  }
}

dispatch(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
