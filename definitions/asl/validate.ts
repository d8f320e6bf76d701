/**
 * Checks an ASL document (JSON, or YAML) and reports every problem as `file:line:column: message`,
 * like Segue's own definitions: parse keeping positions → JSON Schema (schemas/asl.schema.json) →
 * the checks it cannot express: flow, query-language fields, expressions, Retry and Catch rules.
 * Those run on the states the schema accepted too, so one pass reports every problem it can find.
 */
import type { Problem } from '../model.js';
import { isRecord } from '../messages.js';
import type { Finding, Path } from '../messages.js';
import { parseSource } from '../source.js';
import type { ParsedSource } from '../source.js';
import { collectMachines, collectStates } from './machines.js';
import { STATE_TYPES } from './types.js';
import type { StateMachine } from './types.js';
import { aslErrorRuleFindings } from './validate-errors.js';
import { aslExpressionFindings } from './validate-expressions.js';
import { aslFieldFindings } from './validate-fields.js';
import { aslFlowFindings } from './validate-flow.js';
import { aslSchemaFindings } from './validate-schema.js';

export interface AslCheckResult {
  /** Present when the document has no problems. */
  definition?: StateMachine;
  /** Every problem found, sorted by line then column. */
  problems: Problem[];
}

export function checkAslDefinition(text: string, file: string): AslCheckResult {
  const source = parseSource(text, file);
  if (source.value === undefined) return { problems: sorted(source.problems) };
  if (!isRecord(source.value)) {
    return { problems: [{ file, line: 1, column: 1, message: 'a state machine is a map of fields with "StartAt" and "States"' }] };
  }
  const shape = aslSchemaFindings(source.value);
  const meaning = walkable(source.value) ? meaningFindings(source.value as unknown as StateMachine, source, shape) : [];
  const problems = sorted([...source.problems, ...[...shape, ...meaning].map((f) => toProblem(f, file, source))]);
  return problems.length === 0 ? { definition: source.value as unknown as StateMachine, problems } : { problems };
}

/** The checks of meaning; none about a state the schema refused (its fields may mean anything). */
function meaningFindings(machine: StateMachine, source: ParsedSource, shape: readonly Finding[]): Finding[] {
  const machines = collectMachines(machine);
  const states = collectStates(machines);
  const doubtful = new Set(shape.map((f) => stateOf(f.path)).filter((p): p is string => p !== undefined));
  const sound = states.filter((s) => !doubtful.has(s.path.join('/')));
  return [
    ...aslFlowFindings(machines, (path) => source.locate(path, 'key').line),
    ...aslFieldFindings(sound),
    ...aslExpressionFindings(sound),
    ...aslErrorRuleFindings(sound),
  ];
}

/** The path of the innermost state holding `path`, joined, if any. */
function stateOf(path: Path): string | undefined {
  for (let end = path.length; end >= 2; end -= 1) {
    if (path[end - 2] === 'States' && typeof path[end - 1] === 'string') return path.slice(0, end).join('/');
  }
  return undefined;
}

/** Every machine a map of states, each state an object of a known Type: then the flow can be followed. */
function walkable(value: Record<string, unknown>): boolean {
  const types = new Set<string>(STATE_TYPES);
  const machineOk = (m: unknown): boolean =>
    isRecord(m) &&
    isRecord(m.States) &&
    Object.values(m.States).every((s) => {
      if (!isRecord(s) || typeof s.Type !== 'string' || !types.has(s.Type)) return false;
      const inner = [s.ItemProcessor, s.Iterator, ...(Array.isArray(s.Branches) ? s.Branches : [])].filter((x) => x !== undefined);
      return inner.every(machineOk);
    });
  return machineOk(value);
}

function toProblem(finding: Finding, file: string, source: ParsedSource): Problem {
  const { line, column } = finding.index === undefined ? source.locate(finding.path, finding.at) : source.locateInString(finding.path, finding.index);
  return { file, line, column, message: finding.message, ...(finding.step === undefined ? {} : { step: finding.step }) };
}

function sorted(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
}
