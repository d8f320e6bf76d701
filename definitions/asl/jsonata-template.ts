/**
 * Field values of JSONata states (`Arguments`, `Output`, `Assign`, `Items`, `Condition`, …): any
 * JSON value in which a string written exactly as `{% expression %}` is replaced by the
 * expression's value; everything else is kept as written (a `{% %}` with text around it is
 * plain text). An expression that gives nothing fails the state, as AWS does.
 */
import type { Json } from '../model.js';
import { queryEvaluationError } from './errors.js';
import { setField } from './json.js';
import { JsonataEvaluationError, compileJsonata } from './jsonata.js';
import type { JsonataBindings, JsonataExpression } from './jsonata.js';
import type { RandomSource } from './random.js';

type Node =
  | { kind: 'constant'; value: Json }
  | { kind: 'object'; entries: { key: string; node: Node }[] }
  | { kind: 'list'; items: Node[] }
  | { kind: 'expression'; expression: JsonataExpression; field: string };

export interface JsonataTemplate {
  /** Whether any `{% %}` is in it. */
  readonly dynamic: boolean;
  evaluate(bindings: JsonataBindings, random: RandomSource): Promise<Json>;
}

/** The expression inside `{% … %}`, or null when the text is not written as one. */
export function jsonataSource(text: string): string | null {
  return text.startsWith('{%') && text.endsWith('%}') && text.length >= 4 ? text.slice(2, -2).trim() : null;
}

/**
 * Compiles every expression in `value`; `field` names it in causes (`Output`, `Arguments`,
 * `Assign/total`). Throws JsonataSyntaxError for an expression JSONata cannot read.
 */
export function compileJsonataTemplate(value: Json, field: string): JsonataTemplate {
  const root = compileNode(value, field);
  return { dynamic: isDynamic(root), evaluate: (bindings, random) => evaluateNode(root, bindings, random) };
}

function compileNode(value: Json, field: string): Node {
  if (typeof value === 'string') {
    const source = jsonataSource(value);
    return source === null ? { kind: 'constant', value } : { kind: 'expression', expression: compileJsonata(source), field };
  }
  if (Array.isArray(value)) return { kind: 'list', items: value.map((item, i) => compileNode(item, `${field}/${i}`)) };
  if (value === null || typeof value !== 'object') return { kind: 'constant', value };
  return { kind: 'object', entries: Object.entries(value).map(([key, inner]) => ({ key, node: compileNode(inner, `${field}/${key}`) })) };
}

function isDynamic(node: Node): boolean {
  if (node.kind === 'expression') return true;
  if (node.kind === 'list') return node.items.some(isDynamic);
  return node.kind === 'object' && node.entries.some((e) => isDynamic(e.node));
}

async function evaluateNode(node: Node, bindings: JsonataBindings, random: RandomSource): Promise<Json> {
  switch (node.kind) {
    case 'constant':
      return node.value;
    case 'list': {
      const out: Json[] = [];
      for (const item of node.items) out.push(await evaluateNode(item, bindings, random));
      return out;
    }
    case 'object': {
      const out: { [key: string]: Json } = {};
      for (const { key, node: inner } of node.entries) setField(out, key, await evaluateNode(inner, bindings, random));
      return out;
    }
    case 'expression':
      return evaluateExpression(node.expression, node.field, bindings, random);
  }
}

/** One expression's value; fails with `States.QueryEvaluationError` as AWS words it. */
export async function evaluateExpression(expression: JsonataExpression, field: string, bindings: JsonataBindings, random: RandomSource): Promise<Json> {
  let value: Json | undefined;
  try {
    value = await expression.evaluate(bindings, random);
  } catch (err) {
    if (!(err instanceof JsonataEvaluationError)) throw err;
    throw queryEvaluationError(`The JSONata expression '${expression.source}' specified for the field '${field}' threw an error during evaluation: ${err.detail}`);
  }
  if (value === undefined) throw queryEvaluationError(`The JSONata expression '${expression.source}' specified for the field '${field}' returned nothing (undefined).`);
  return value;
}
