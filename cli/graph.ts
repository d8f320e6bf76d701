/** `segue graph <file>`: the workflow's state machine as a Mermaid flowchart on stdout. */
import { buildGraph, toMermaid } from '../definitions/graph.js';
import { loadPlan } from '../definitions/load.js';
import { formatProblem } from '../definitions/model.js';
import { UsageError, parseOptions, readSource } from './args.js';
import type { Command } from './args.js';

export const graphCommand: Command = {
  summary: 'print the state machine of a definition as a Mermaid flowchart',
  usage: 'segue graph <file>',
  run: async (argv) => {
    const { positionals } = parseOptions(argv, {});
    if (positionals.length !== 1) throw new UsageError('name exactly one definition file');
    const file = positionals[0]!;
    const source = await readSource(file);
    if (!source.ok) {
      process.stderr.write(`${source.message}\n`);
      return 1;
    }
    const { plan, problems } = loadPlan(source.text, file);
    if (!plan) {
      // Problems go to stderr so that a redirected flowchart never holds them.
      process.stderr.write(`${problems.map(formatProblem).join('\n')}\n`);
      return 1;
    }
    process.stdout.write(toMermaid(buildGraph(plan)));
    return 0;
  },
};
