/**
 * JSONata syntax in every expression field (`when`, `items`, `until`, `correlate`, a trigger's
 * `filter`) and in every `${ }` of every template field (a trigger's `input` and `id` too),
 * reported at the faulty character where the text allows it.
 */
import { ExpressionSyntaxError, NEVER_CLOSED, compileExpression, conditionSource, slowRegexes, splitTemplate } from './expressions.js';
import type { Json } from './model.js';
import type { WorkflowDefinition } from './definition.js';
import { about, ownerOf, quote, slowRegexMessage } from './messages.js';
import type { Finding, Path } from './messages.js';
import type { StepSite } from './validate-scopes.js';

/** Template fields of every step type; `output` only for succeed (elsewhere it is a path). */
const TEMPLATE_FIELDS = ['input', 'values', 'url', 'headers', 'body', 'message', 'result'] as const;
const COMPENSATION_TEMPLATES = ['input', 'url', 'headers', 'body'] as const;

export interface Fault {
  /** Index of the faulty character in the string. */
  index: number;
  /** The expression as written, for the message; absent when it is not worth quoting. */
  expression?: string;
  problem: string;
}

export function expressionFindings(sites: readonly StepSite[]): Finding[] {
  return sites.flatMap((site) => [...conditionFindings(site), ...templateFindings(site)]);
}

/** The expressions of the workflow's triggers, which see the event rather than instance data. */
export function triggerFindings(definition: WorkflowDefinition): Finding[] {
  const findings: Finding[] = [];
  const say = (path: Path, fault: Fault): void => {
    const where = about(ownerOf(definition, path), fault.problem);
    findings.push({ path, index: fault.index, message: fault.expression === undefined ? where : `the expression ${quote(fault.expression)} in ${where}` });
  };
  (definition.triggers ?? []).forEach((trigger, i) => {
    const fault = trigger.filter === undefined ? undefined : conditionFault(trigger.filter);
    if (fault) say(['triggers', i, 'filter'], fault);
    for (const field of ['input', 'id'] as const) {
      walkStrings(trigger[field], ['triggers', i, field], (path, text) => {
        const found = templateFault(text);
        if (found) say(path, found);
      });
    }
  });
  return findings;
}

function conditionFindings(site: StepSite): Finding[] {
  const { step } = site;
  const fields: [Path, string | undefined][] = [
    [['items'], step.items],
    [['until'], step.until],
    [['correlate'], step.correlate],
    ...(step.choices ?? []).map((c, i): [Path, string] => [['choices', i, 'when'], c.when]),
  ];
  const findings: Finding[] = [];
  for (const [rel, text] of fields) {
    if (text === undefined) continue;
    const fault = conditionFault(text);
    if (fault) findings.push(report(site, rel, labelOf(rel), fault));
  }
  return findings;
}

function templateFindings(site: StepSite): Finding[] {
  const { step } = site;
  const findings: Finding[] = [];
  const check = (rel: Path, value: Json | undefined): void => {
    walkStrings(value, rel, (path, text) => {
      const fault = templateFault(text);
      if (fault) findings.push(report(site, path, labelOf(path), fault));
    });
  };
  for (const field of TEMPLATE_FIELDS) check([field], (step as unknown as Record<string, Json | undefined>)[field]);
  if (step.type === 'succeed') check(['output'], step.output);
  const compensation = (step.compensate ?? {}) as Record<string, Json | undefined>;
  for (const field of COMPENSATION_TEMPLATES) check(['compensate', field], compensation[field]);
  return findings;
}

/** The field as an author finds it: `values.label`, `input.items[0].sku`, `"when" of choice 2`. */
function labelOf(rel: Path): string {
  if (rel[0] === 'choices') return `"when" of choice ${Number(rel[1]) + 1}`;
  return quote(rel.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join(''));
}

function report(site: StepSite, rel: Path, label: string, fault: Fault): Finding {
  const what = fault.expression === undefined ? label : `the expression ${quote(fault.expression)} in ${label}`;
  return {
    path: [...site.path, ...rel],
    index: fault.index,
    message: `step "${site.step.name}": ${what} ${fault.problem}`,
    step: site.step.name,
  };
}

export function walkStrings(value: Json | undefined, path: Path, visit: (path: Path, text: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
  }
}

/** What is wrong with a condition field's text (`when`, `items`…), if anything. */
export function conditionFault(text: string): Fault | undefined {
  const source = conditionSource(text);
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  // conditionSource unwraps a single `${ }`: find where its inside starts in the text.
  const inner = trimmed.slice(2, -1);
  const start = source === trimmed ? lead : lead + 2 + (inner.length - inner.trimStart().length);
  if (source === '') return { index: lead, problem: 'is empty; write an expression, like total > 100' };
  return expressionFault(source, start);
}

/** What is wrong with the first faulty `${ }` of a template string, if anything. */
export function templateFault(text: string): Fault | undefined {
  let parts;
  try {
    parts = splitTemplate(text);
  } catch (err) {
    if (!(err instanceof ExpressionSyntaxError)) throw err;
    if (err.code === NEVER_CLOSED) return { index: err.offset, problem: 'has a "${" that is never closed with "}"' };
    return { index: err.offset, problem: `is not valid: ${plainSyntax(err.detail)}` };
  }
  for (const part of parts) {
    if (part.kind !== 'expr') continue;
    if (part.source === '') return { index: part.start - 2, problem: 'has an empty "${ }"; write an expression inside it, or remove it' };
    const raw = text.slice(part.start, part.end);
    const fault = expressionFault(part.source, part.start + (raw.length - raw.trimStart().length));
    if (fault) return fault;
  }
  return undefined;
}

const QUOTED_LENGTH = 50;

/** `start` is where `source` begins in the string the fault is reported in. */
function expressionFault(source: string, start: number): Fault | undefined {
  const oneLine = source.replace(/\s+/g, ' ');
  const quoted = oneLine.length <= QUOTED_LENGTH ? { expression: oneLine } : {};
  try {
    compileExpression(source);
  } catch (err) {
    if (!(err instanceof ExpressionSyntaxError)) throw err;
    return { index: start + err.offset, problem: `is not valid: ${plainSyntax(err.detail)}`, ...quoted };
  }
  const slow = slowRegexes(source)[0];
  if (!slow) return undefined;
  const problem = `is not valid: the regular expression ${slow.literal} ${slowRegexMessage(slow.character)}`;
  return { index: start + slow.offset, problem, ...quoted };
}

/** JSONata's parser messages, said for people who do not write parsers. */
function plainSyntax(detail: string): string {
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^Unexpected end of expression/, () => 'it ends too early; something is missing at the end'],
    [/^Expected "(.+)" before end of expression/, (m) => `a closing "${m[1]}" is missing at the end`],
    [/^Expected "(.+)", got "(.+)"/, (m) => `"${m[2]}" is where a "${m[1]}" should be`],
    [/^The symbol "(.+)" cannot be used as a unary operator/, (m) => `"${m[1]}" is out of place`],
    [/^String literal must be terminated/, () => 'a quoted text is never closed'],
    [/^Syntax error: "?(.+?)"?$/, (m) => `"${m[1]}" is out of place`],
  ];
  for (const [pattern, say] of rules) {
    const m = pattern.exec(detail);
    if (m) return say(m);
  }
  return detail.charAt(0).toLowerCase() + detail.slice(1);
}
