/**
 * `segue validate <file|folder…>`: checks definitions, and test files (`*.test.yaml`) against the
 * workflows they test; one `file:line:column: message` line per problem.
 */
import { loadPlan } from '../definitions/load.js';
import { formatProblem } from '../definitions/model.js';
import { UsageError, parseOptions, readSource } from './args.js';
import type { Command } from './args.js';
import { definitionFiles } from './definition-files.js';
import { TEST_FILE } from '../workflow-tests/model.js';
import { loadTestFile } from '../workflow-tests/test-file.js';
import { WorkflowLibrary } from '../workflow-tests/workflows.js';

export const validateCommand: Command = {
  summary: 'check workflow definitions and test files (files, or folders of .yaml/.yml/.json); one line per problem',
  usage: 'segue validate <file|folder…>',
  run: async (argv) => {
    const { positionals } = parseOptions(argv, {});
    if (positionals.length === 0) throw new UsageError('name at least one definition file to validate');
    let valid = true;
    const library = new WorkflowLibrary();
    for (const path of positionals) {
      for (const file of await definitionFiles(path, { tests: true })) {
        const lines = await validateFile(file, library);
        valid &&= lines.length === 0;
        process.stdout.write(lines.length === 0 ? `ok: ${file}\n` : `${lines.join('\n')}\n`);
      }
    }
    return valid ? 0 : 1;
  },
};

/** Problem lines for one file; empty when it is valid. */
async function validateFile(file: string, library: WorkflowLibrary): Promise<string[]> {
  if (TEST_FILE.test(file)) {
    const loaded = await loadTestFile(file, library);
    return loaded.ok ? [] : loaded.problems.map(formatProblem);
  }
  const source = await readSource(file);
  if (!source.ok) return [source.message];
  return loadPlan(source.text, file).problems.map(formatProblem);
}
