/** What every `segue` command shares: its table entry, option parsing, reading input files. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { parseJsonText } from '../api/json-text.js';
import type { Json } from '../definitions/model.js';

export interface Command {
  /** One line for `segue --help`. */
  summary: string;
  /** Synopsis for `segue <command> --help` and usage errors, e.g. `segue graph <file>`. */
  usage: string;
  /** More for `segue <command> --help`: what the arguments and options mean. */
  details?: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run: (argv: string[]) => Promise<number>;
}

/** Command name → command. Each command lives in its own file and adds one entry to the table in main.ts. */
export type CommandTable = Record<string, Command>;

/** Wrong arguments: the dispatcher prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** Strict parsing (unknown options are usage errors); positionals allowed. */
export function parseOptions<const O extends OptionsConfig>(argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(optionProblem(err as Error & { code?: string }));
  }
}

/** Node's own messages are long and mention its API; keep their first sentence. */
function optionProblem(err: Error & { code?: string }): string {
  const first = err.message.split(/(?<=\.) /)[0] ?? err.message;
  return first.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase());
}

/** A parsed option's value: text, a flag, or the texts of a repeatable option. */
export type OptionValue = string | boolean | string[] | undefined;

export type SourceFile = { ok: true; text: string } | { ok: false; message: string };

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
};

/** Reads a definition or input file; a failure is a one-line message naming the file. */
export async function readSource(file: string): Promise<SourceFile> {
  try {
    return { ok: true, text: await readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    return { ok: false, message: `${file}: cannot read the file: ${READ_FAILURES[code] ?? (err as Error).message}` };
  }
}

/** `--input '{"a":1}'` or `--input @file.json`: the JSON of an option, absent when not given. */
export async function jsonArgument(value: OptionValue, option: string): Promise<Json | undefined> {
  if (typeof value !== 'string') return undefined;
  let text = value;
  if (value.startsWith('@')) {
    const source = await readSource(value.slice(1));
    if (!source.ok) throw new UsageError(source.message);
    text = source.text;
  }
  const parsed = parseJsonText(text, `--${option}`);
  if (!parsed.ok) throw new UsageError(parsed.message);
  return parsed.value as Json;
}

/** A whole number ≥ 1 from an option, absent when not given. */
export function positiveInteger(value: OptionValue, option: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${option} must be a positive whole number, got "${value}"`);
  return Number(value);
}
