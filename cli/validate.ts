/** `segue validate <file|folder…>`: checks definitions, one `file:line:column: message` line per problem. */
import { loadPlan } from '../definitions/load.js';
import { formatProblem } from '../definitions/model.js';
import { UsageError, parseOptions, readSource } from './args.js';
import type { Command } from './args.js';
import { definitionFiles } from './definition-files.js';

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
