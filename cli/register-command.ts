/**
 * `segue register <file|folder…>`: registers workflow definitions on a running server. Each file is
 * sent as it is (YAML, or JSON for .json); the server's problems are printed at their line in that
 * file, and the valid files are registered whatever becomes of the others.
 */
import { ProblemError } from '../client/http-client.js';
import { aslWorkflowName } from '../definitions/load.js';
import { formatProblem } from '../definitions/model.js';
import { readSource } from './args.js';
import { clientCommand, type Invocation, type Outcome } from './client-commands.js';
import { definitionFiles } from './definition-files.js';

interface FileOutcome {
  file: string;
  name?: string;
  version?: number;
  created?: boolean;
  error?: string;
}

export const registerCommand = clientCommand(
  'register workflow definitions (files, or folders of .yaml/.yml/.json) on a server',
  'register <file|folder…>',
  { args: ['file|folder'], many: true },
  registerAll,
);

async function registerAll({ client, args }: Invocation): Promise<Outcome> {
  const outcomes: FileOutcome[] = [];
  let text = '';
  let problems = '';
  for (const path of args) {
    for (const file of await definitionFiles(path)) {
      const outcome = await registerFile(client, file);
      outcomes.push(outcome);
      if (outcome.error !== undefined) problems += `${outcome.error}\n`;
      else text += `${outcome.created ? 'registered' : 'unchanged'} ${outcome.name} version ${outcome.version} (${file})\n`;
    }
  }
  return { json: outcomes, text, ...(problems ? { problems } : {}) };
}

async function registerFile(client: Invocation['client'], file: string): Promise<FileOutcome> {
  const source = await readSource(file);
  if (!source.ok) return { file, error: source.message };
  try {
    // An ASL document is named by its file here as it is by `segue serve`.
    const { name, version, created } = await client.registerWorkflow(source.text, /\.json$/i.test(file) ? 'application/json' : 'application/yaml', aslWorkflowName(file));
    return { file, name, version, created };
  } catch (err) {
    if (!(err instanceof ProblemError)) throw err;
    // The server names the text it was sent "workflow.yaml": the problems are in this file.
    const lines = err.errors.map((p) => formatProblem({ ...p, file }));
    return { file, error: lines.length > 0 ? lines.join('\n') : `${file}: ${err.detail}` };
  }
}
