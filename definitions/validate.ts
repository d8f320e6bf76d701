/**
 * Checks a definition text and reports every problem as `file:line:column: message`:
 * parse (YAML or JSON) → JSON Schema (schemas/workflow.schema.json) → when the schema passed,
 * the checks it cannot express: flow, expressions, settings and the input schema.
 */
import type { WorkflowDefinition } from './definition.js';
import { formatProblem } from './model.js';
import type { Problem } from './model.js';
import type { Finding } from './messages.js';
import { parseSource } from './source.js';
import type { ParsedSource } from './source.js';
import { expressionFindings } from './validate-expressions.js';
import { inputSchemaFindings } from './validate-input-schema.js';
import { schemaFindings } from './validate-schema.js';
import { collectScopes, stepSites } from './validate-scopes.js';
import { flowFindings } from './validate-semantics.js';
import { settingFindings } from './validate-settings.js';

export interface CheckResult {
  /** Present once the text has the shape the schema describes, even if later checks found problems. */
  definition?: WorkflowDefinition;
  /** Every problem found, sorted by line then column. */
  problems: Problem[];
}

export function checkDefinition(text: string, file: string): CheckResult {
  const source = parseSource(text, file);
  if (source.value === undefined) return { problems: sorted(source.problems) };
  if (source.value === null) {
    return { problems: [{ file, line: 1, column: 1, message: 'the file is empty; a workflow needs at least a name and steps' }] };
  }
  const shapeProblems = schemaFindings(source.value).map((f) => toProblem(f, file, source));
  if (shapeProblems.length > 0) return { problems: sorted([...source.problems, ...shapeProblems]) };
  const definition = source.value as WorkflowDefinition;
  const scopes = collectScopes(definition);
  const sites = stepSites(scopes);
  const findings: Finding[] = [
    ...flowFindings(scopes, (path) => source.locate(path).line),
    ...expressionFindings(sites),
    ...settingFindings(definition, sites),
    ...inputSchemaFindings(definition.input),
  ];
  const problems = [...source.problems, ...findings.map((f) => toProblem(f, file, source))];
  return { definition, problems: sorted(problems) };
}

/** One `file:line:column: message` line per problem. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

function toProblem(finding: Finding, file: string, source: ParsedSource): Problem {
  const { line, column } =
    finding.index === undefined ? source.locate(finding.path, finding.at) : source.locateInString(finding.path, finding.index);
  return { file, line, column, message: finding.message, ...(finding.step === undefined ? {} : { step: finding.step }) };
}

function sorted(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
}
