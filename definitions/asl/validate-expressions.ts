/**
 * Checks of the expressions inside an ASL document: every path parses (and `ResultPath` names one
 * place in the input), every `.$` value is a path or an intrinsic call that parses with the right
 * number of arguments, every `{% %}` is JSONata that parses, every literal timestamp exists, and
 * every variable name is one Step Functions allows.
 */
import type { Json } from '../model.js';
import { isRecord, quote } from '../messages.js';
import type { Finding, Path } from '../messages.js';
import { IntrinsicSyntaxError, looksLikeIntrinsic, parseIntrinsic, placeholderCount } from './intrinsics-parse.js';
import { JsonPathSyntaxError, VARIABLE_NAME, parseJsonPath } from './jsonpath-parse.js';
import { JsonataSyntaxError, compileJsonata } from './jsonata.js';
import type { StateSite } from './machines.js';
import { isReferencePath } from './reference-path.js';
import { parseTimestamp } from './timestamps.js';
import { aslFinding } from './validate-messages.js';

const PATH_FIELDS = ['InputPath', 'OutputPath', 'ItemsPath', 'SecondsPath', 'TimestampPath', 'MaxConcurrencyPath', 'ToleratedFailureCountPath', 'ToleratedFailurePercentagePath', 'TimeoutSecondsPath', 'HeartbeatSecondsPath'];
const TEMPLATE_FIELDS = ['Parameters', 'ResultSelector', 'ItemSelector'];
/** JSONata fields that hold a number or an expression giving one. */
const NUMBER_OR_EXPRESSION = ['Seconds', 'MaxConcurrency', 'ToleratedFailureCount', 'ToleratedFailurePercentage', 'TimeoutSeconds', 'HeartbeatSeconds'];
const JSONATA_FIELDS = ['Arguments', 'Output', 'Items', 'ItemSelector', 'Timestamp', 'Error', 'Cause', ...NUMBER_OR_EXPRESSION];

export function aslExpressionFindings(states: readonly StateSite[]): Finding[] {
  return states.flatMap((site) => (site.language === 'JSONata' ? jsonataState(site) : jsonPathState(site)));
}

function jsonPathState({ state, path }: StateSite): Finding[] {
  const s = state as unknown as Record<string, Json>;
  const findings: Finding[] = [];
  for (const field of PATH_FIELDS) if (typeof s[field] === 'string') findings.push(...pathFindings(s[field] as string, [...path, field]));
  for (const field of TEMPLATE_FIELDS) if (s[field] !== undefined) findings.push(...templateFindings(s[field]!, [...path, field]));
  if (typeof state.ResultPath === 'string') findings.push(...referenceFindings(state.ResultPath, [...path, 'ResultPath']));
  if (state.Assign !== undefined) findings.push(...assignFindings(state.Assign, [...path, 'Assign'], true));
  for (const field of ['ErrorPath', 'CausePath'] as const) if (typeof state[field] === 'string') findings.push(...dynamicFindings(state[field]!, [...path, field]));
  if (typeof state.Timestamp === 'string') findings.push(...timestampFindings(state.Timestamp, [...path, 'Timestamp']));
  (state.Catch ?? []).forEach((rule, i) => {
    if (typeof rule?.ResultPath === 'string') findings.push(...referenceFindings(rule.ResultPath, [...path, 'Catch', i, 'ResultPath']));
    if (rule?.Assign !== undefined) findings.push(...assignFindings(rule.Assign, [...path, 'Catch', i, 'Assign'], true));
  });
  (state.Choices ?? []).forEach((rule, i) => {
    findings.push(...ruleFindings(rule as Record<string, Json>, [...path, 'Choices', i]));
    if (rule?.Assign !== undefined) findings.push(...assignFindings(rule.Assign, [...path, 'Choices', i, 'Assign'], true));
  });
  return findings;
}

function jsonataState({ state, path }: StateSite): Finding[] {
  const s = state as unknown as Record<string, Json>;
  const findings: Finding[] = [];
  for (const field of JSONATA_FIELDS) if (s[field] !== undefined) findings.push(...jsonataFindings(s[field]!, [...path, field]));
  for (const field of NUMBER_OR_EXPRESSION) {
    const value = s[field];
    if (typeof value === 'string' && !isExpression(value)) findings.push(aslFinding([...path, field], `is the text ${quote(value)}; write a number, or a {% expression %} giving one`));
  }
  if (typeof s.Items === 'string' && !isExpression(s.Items)) findings.push(aslFinding([...path, 'Items'], 'must be a list, or a {% expression %} giving one'));
  if (typeof state.Timestamp === 'string' && !isExpression(state.Timestamp)) findings.push(...timestampFindings(state.Timestamp, [...path, 'Timestamp']));
  if (state.Assign !== undefined) findings.push(...assignFindings(state.Assign, [...path, 'Assign'], false));
  const rules: [Record<string, Json> | undefined, Path][] = [
    ...(state.Catch ?? []).map((r, i) => [r as unknown as Record<string, Json>, [...path, 'Catch', i]] as [Record<string, Json>, Path]),
    ...(state.Choices ?? []).map((r, i) => [r as Record<string, Json>, [...path, 'Choices', i]] as [Record<string, Json>, Path]),
  ];
  for (const [rule, at] of rules) {
    if (!isRecord(rule)) continue;
    for (const field of ['Output', 'Condition']) if (rule[field] !== undefined) findings.push(...jsonataFindings(rule[field]!, [...at, field]));
    if (typeof rule.Condition === 'string' && !isExpression(rule.Condition)) findings.push(aslFinding([...at, 'Condition'], 'must be true, false, or a {% expression %} giving one'));
    if (rule.Assign !== undefined) findings.push(...assignFindings(rule.Assign as Record<string, Json>, [...at, 'Assign'], false));
  }
  return findings;
}

function isExpression(text: string): boolean {
  return text.startsWith('{%') && text.endsWith('%}');
}

function pathFindings(text: string, at: Path, variables = true): Finding[] {
  try {
    parseJsonPath(text, { variables });
    return [];
  } catch (err) {
    if (!(err instanceof JsonPathSyntaxError)) throw err;
    return [aslFinding(at, `is ${quote(text)}, which is not a valid path: ${err.detail}`, { index: err.offset })];
  }
}

function referenceFindings(text: string, at: Path): Finding[] {
  const parsed = pathFindings(text, at, false);
  if (parsed.length > 0) return parsed;
  if (isReferencePath(parseJsonPath(text))) return [];
  return [aslFinding(at, `is ${quote(text)}, but it must name one place in the input: $, or $ followed by names and indexes, like $.result or $.items[0]`)];
}

/** A `.$` value, ErrorPath or CausePath: a path or an intrinsic call. */
function dynamicFindings(text: string, at: Path): Finding[] {
  if (!looksLikeIntrinsic(text)) {
    if (text.startsWith('$')) return pathFindings(text, at);
    return [aslFinding(at, `is ${quote(text)}; a field ending in .$ takes a path starting with $, or an intrinsic function call like States.Format('{}', $.name)`)];
  }
  const start = text.length - text.trimStart().length;
  try {
    const call = parseIntrinsic(text.trim());
    const first = call.args[0];
    if (call.name === 'Format' && first?.kind === 'string' && placeholderCount(first.raw) !== call.args.length - 1) {
      const values = call.args.length - 1;
      return [aslFinding(at, `has ${placeholderCount(first.raw)} {} in the States.Format text but ${values} value${values === 1 ? '' : 's'} to put there; give one value for each {}`)];
    }
    return [];
  } catch (err) {
    if (!(err instanceof IntrinsicSyntaxError)) throw err;
    return [aslFinding(at, `is not a valid intrinsic function call: ${err.detail}`, { index: start + err.offset })];
  }
}

function templateFindings(template: Json, at: Path): Finding[] {
  if (Array.isArray(template)) return template.flatMap((item, i) => templateFindings(item, [...at, i]));
  if (!isRecord(template)) return [];
  return Object.entries(template).flatMap(([key, value]) => {
    if (!key.endsWith('.$')) return templateFindings(value as Json, [...at, key]);
    if (typeof value !== 'string') return [aslFinding([...at, key], 'must be a text: a path like $.name, or an intrinsic function call')];
    return dynamicFindings(value, [...at, key]);
  });
}

function assignFindings(assign: Record<string, Json>, at: Path, jsonPath: boolean): Finding[] {
  if (!isRecord(assign)) return [];
  const findings: Finding[] = [];
  for (const key of Object.keys(assign)) {
    const name = jsonPath && key.endsWith('.$') ? key.slice(0, -2) : key;
    if (!VARIABLE_NAME.test(name) || name === 'states') {
      const why = name === 'states' ? '"states" is reserved for $states' : 'a variable name starts with a letter or _ and holds only letters, digits and _';
      findings.push(aslFinding([...at, key], `names the variable ${quote(name)}, which is not allowed: ${why}`, { at: 'key' }));
    }
  }
  if (jsonPath) return [...findings, ...templateFindings(assign, at)];
  return [...findings, ...jsonataFindings(assign, at)];
}

function jsonataFindings(value: Json, at: Path): Finding[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => jsonataFindings(item, [...at, i]));
  if (isRecord(value)) return Object.entries(value).flatMap(([key, inner]) => jsonataFindings(inner as Json, [...at, key]));
  if (typeof value !== 'string' || !isExpression(value)) return [];
  const inner = value.slice(2, -2);
  const source = inner.trim();
  if (source === '') return [aslFinding(at, 'holds an empty {% %}; write a JSONata expression between {% and %}')];
  try {
    compileJsonata(source);
    return [];
  } catch (err) {
    if (!(err instanceof JsonataSyntaxError)) throw err;
    const lead = 2 + (inner.length - inner.trimStart().length);
    return [aslFinding(at, `holds a JSONata expression that cannot be read: ${err.detail}`, { index: lead + err.offset })];
  }
}

function timestampFindings(text: string, at: Path): Finding[] {
  if (parseTimestamp(text) !== null) return [];
  return [aslFinding(at, `is ${quote(text)}, which is not a timestamp; write it like 2016-08-18T17:33:00Z (an uppercase T between date and time, and Z or an offset like +01:00)`)];
}

function ruleFindings(rule: Record<string, Json> | undefined, at: Path): Finding[] {
  if (!isRecord(rule)) return [];
  const findings: Finding[] = [];
  if (typeof rule.Variable === 'string') findings.push(...pathFindings(rule.Variable, [...at, 'Variable']));
  for (const [key, value] of Object.entries(rule)) {
    if (key.endsWith('Path') && typeof value === 'string') findings.push(...pathFindings(value, [...at, key]));
    else if (key.startsWith('Timestamp') && typeof value === 'string') findings.push(...timestampFindings(value, [...at, key]));
  }
  for (const list of ['And', 'Or'] as const) {
    if (Array.isArray(rule[list])) (rule[list] as Json[]).forEach((inner, i) => findings.push(...ruleFindings(inner as Record<string, Json>, [...at, list, i])));
  }
  if (isRecord(rule.Not)) findings.push(...ruleFindings(rule.Not as Record<string, Json>, [...at, 'Not']));
  return findings;
}
