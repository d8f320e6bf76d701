/**
 * Payload templates of JSONPath states (`Parameters`, `ResultSelector`, `ItemSelector`, and
 * `Assign`): a JSON value in which a key ending in `.$` takes its value from a path (`$.a`, `$$.x`,
 * `$name`) or an intrinsic call, and loses the `.$`; every other value is copied as written.
 * Objects inside lists are templates too. Paths and calls are parsed once, when compiled.
 */
import type { Json } from '../model.js';
import { setField } from './json.js';
import { valueForField } from './jsonpath-evaluate.js';
import type { PathScope } from './jsonpath-evaluate.js';
import { parseJsonPath } from './jsonpath-parse.js';
import type { JsonPath } from './jsonpath-parse.js';
import { evaluateIntrinsic } from './intrinsics.js';
import { looksLikeIntrinsic, parseIntrinsic } from './intrinsics-parse.js';
import type { IntrinsicCall } from './intrinsics-parse.js';
import type { RandomSource } from './random.js';

type Node =
  | { kind: 'constant'; value: Json }
  | { kind: 'object'; entries: { key: string; node: Node }[] }
  | { kind: 'list'; items: Node[] }
  | { kind: 'path'; path: JsonPath; field: string }
  | { kind: 'intrinsic'; call: IntrinsicCall; field: string };

export interface PayloadTemplate {
  evaluate(scope: PathScope, random: RandomSource): Json;
}

/** A `.$` key's value that is neither a path nor an intrinsic call, or does not parse. */
export class PayloadTemplateError extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`the value for the field '${field}' ${detail}`);
    this.name = 'PayloadTemplateError';
  }
}

/** Throws PayloadTemplateError (or a path or intrinsic syntax error) for a value it cannot use. */
export function compilePayloadTemplate(template: Json): PayloadTemplate {
  const root = compileNode(template);
  return { evaluate: (scope, random) => evaluateNode(root, scope, random) };
}

function compileNode(value: Json): Node {
  if (Array.isArray(value)) return { kind: 'list', items: value.map(compileNode) };
  if (typeof value !== 'object' || value === null) return { kind: 'constant', value };
  return {
    kind: 'object',
    entries: Object.entries(value).map(([key, inner]) => {
      if (!key.endsWith('.$')) return { key, node: compileNode(inner) };
      return { key: key.slice(0, -2), node: compileDynamic(key, inner) };
    }),
  };
}

function compileDynamic(field: string, value: Json): Node {
  if (typeof value !== 'string') throw new PayloadTemplateError(field, 'must be a text: a path like $.name or an intrinsic function call');
  if (looksLikeIntrinsic(value)) return { kind: 'intrinsic', call: parseIntrinsic(value.trim()), field };
  if (!value.startsWith('$')) throw new PayloadTemplateError(field, 'must be a path starting with $ or an intrinsic function call like States.Format(…)');
  return { kind: 'path', path: parseJsonPath(value), field };
}

function evaluateNode(node: Node, scope: PathScope, random: RandomSource): Json {
  switch (node.kind) {
    case 'constant':
      return node.value;
    case 'list':
      return node.items.map((item) => evaluateNode(item, scope, random));
    case 'object': {
      const out: { [key: string]: Json } = {};
      for (const { key, node: inner } of node.entries) setField(out, key, evaluateNode(inner, scope, random));
      return out;
    }
    case 'path':
      return valueForField(node.path, scope, node.field);
    case 'intrinsic':
      return evaluateIntrinsic(node.call, { scope, random, field: node.field });
  }
}
