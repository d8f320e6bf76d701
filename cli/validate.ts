/** `segue validate <file|folder…>`: checks definitions, one `file:line:column: message` line per problem. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPlan } from '../definitions/load.js';
import { formatProblem } from '../definitions/model.js';
import { UsageError, parseOptions, readSource } from './args.js';
import type { Command } from './args.js';

const DEFINITION_FILE = /\.(ya?ml|json)$/i;

export const validateCommand: Command = {
  summary: 'check workflow definitions (files, or folders of .yaml/.yml/.json); one line per problem',
  usage: 'segue validate <file|folder…>',
  run: async (argv) => {
    const { positionals } = parseOptions(argv, {});
    if (positionals.length === 0) throw new UsageError('name at least one definition file to validate');
    let valid = true;
    for (const path of positionals) {
      for (const file of await definitionFiles(path)) {
        const lines = await validateFile(file);
        valid &&= lines.length === 0;
        process.stdout.write(lines.length === 0 ? `ok: ${file}\n` : `${lines.join('\n')}\n`);
      }
    }
    return valid ? 0 : 1;
  },
};

/** Problem lines for one file; empty when it is valid. */
async function validateFile(file: string): Promise<string[]> {
  const source = await readSource(file);
  if (!source.ok) return [source.message];
  return loadPlan(source.text, file).problems.map(formatProblem);
}

/** A folder stands for the definition files directly in it; anything else is taken as a file. */
async function definitionFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => DEFINITION_FILE.test(name)).sort();
  if (names.length === 0) throw new UsageError(`${path}: this folder holds no .yaml, .yml or .json file`);
  return names.map((name) => join(path, name));
}
