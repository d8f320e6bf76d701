/**
 * Checks a definition text and reports every problem as `file:line:column: message`:
 * parse (YAML or JSON) → JSON Schema (schemas/workflow.schema.json) → the checks it cannot
 * express: flow, expressions (the triggers' too), settings and the input schema. Those run on the sound part of a
 * definition the schema refused too, so one pass reports every problem it can find.
 */
import type { WorkflowDefinition } from './definition.js';
import { formatProblem } from './model.js';
import type { Problem } from './model.js';
import type { Finding, Path } from './messages.js';
import { parseSource } from './source.js';
import type { ParsedSource } from './source.js';
import { expressionFindings, triggerFindings } from './validate-expressions.js';
import { inputSchemaFindings } from './validate-input-schema.js';
import { schemaFindings, STEP_TYPES } from './validate-schema.js';
import { collectScopes, stepSites } from './validate-scopes.js';
import type { ScopeSite } from './validate-scopes.js';
import { isWithin, soundPart } from './validate-sound-part.js';
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
  const shape = schemaFindings(source.value);
  if (shape.length === 0) {
    const definition = source.value as WorkflowDefinition;
    return { definition, problems: sorted([...source.problems, ...toProblems(meaningFindings(definition, source, []), file, source)]) };
  }
  const sound = soundPart(source.value, shape, STEP_TYPES);
  const meaning = sound ? meaningFindings(sound.definition, source, sound.doubtful) : [];
  return { problems: sorted([...source.problems, ...toProblems([...shape, ...meaning], file, source)]) };
}

/** The checks the schema cannot express; none inside a `doubtful` path (see soundPart). */
function meaningFindings(definition: WorkflowDefinition, source: ParsedSource, doubtful: readonly Path[]): Finding[] {
  const scopes = collectScopes(definition);
  const sites = stepSites(scopes);
  // A list whose own steps hold a refused value: where they lead is not known for sure.
  const certain = (scope: ScopeSite) => !doubtful.some((d) => d.length === scope.path.length + 1 && isWithin(d, scope.path));
  const findings: Finding[] = [
    ...flowFindings(scopes, (path) => source.locate(path).line, certain),
    ...expressionFindings(sites),
    ...triggerFindings(definition),
    ...settingFindings(definition, sites),
    ...inputSchemaFindings(definition.input),
  ];
  return findings.filter((f) => !doubtful.some((d) => isWithin(f.path, d)));
}

/** Findings positioned in the text they are about. */
export function toProblems(findings: readonly Finding[], file: string, source: ParsedSource): Problem[] {
  return findings.map((f) => toProblem(f, file, source));
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
