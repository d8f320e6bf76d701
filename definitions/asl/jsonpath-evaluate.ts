/**
 * Evaluating a parsed JSONPath the way Jayway JsonPath (which Step Functions uses) does:
 * a definite path gives its one value, or the reason it found none in Jayway's words
 * (`Missing property in path $['a']`, `No results for path: $['a']['b']`); an indefinite path
 * gives the list of what it matched, empty when nothing did, and never fails.
 */
import type { Json } from '../model.js';
import { jsonText, runtimeError } from './errors.js';
import { isObject, jsonTypeName } from './json.js';
import { testFilter } from './jsonpath-filter.js';
import { isDefinite, normalisedPath } from './jsonpath-parse.js';
import type { JsonPath, PathRoot, Segment, Selector } from './jsonpath-parse.js';

export type Selection = { found: true; value: Json } | { found: false; reason: string };

/** Where the roots of a path point: `$` the input, `$$` the context object, `$name` a variable. */
export interface PathScope {
  input: Json;
  context?: Json;
  variables?: (name: string) => Json | undefined;
}

export function evaluatePath(path: JsonPath, scope: PathScope): Selection {
  const root = rootValue(path.root, scope);
  if (root === undefined) return { found: false, reason: `The variable '${(path.root as { name: string }).name}' is not defined` };
  return selectFrom(path, root);
}

function rootValue(root: PathRoot, scope: PathScope): Json | undefined {
  if (root.kind === 'input') return scope.input;
  if (root.kind === 'context') return scope.context ?? {};
  return scope.variables?.(root.name);
}

/** Applies the path's segments to `root` (the value its root stands for). */
export function selectFrom(path: JsonPath, root: Json): Selection {
  if (path.definite) return selectDefinite(path, root);
  let nodes: Json[] = [root];
  for (const segment of path.segments) nodes = nodes.flatMap((node) => step(segment, node, root));
  return { found: true, value: nodes };
}

function rootText(root: PathRoot): string {
  return root.kind === 'input' ? '$' : root.kind === 'context' ? '$$' : `$${root.name}`;
}

function selectDefinite(path: JsonPath, root: Json): Selection {
  let node: Json = root;
  const selectors = path.segments.map((s) => s.selector);
  for (let i = 0; i < selectors.length; i += 1) {
    const selector = selectors[i]!;
    const last = i === selectors.length - 1;
    const upTo = normalisedPath(rootText(path.root), selectors.slice(0, i + 1));
    const before = normalisedPath(rootText(path.root), selectors.slice(0, i));
    if (selector.kind === 'name') {
      if (!isObject(node)) return { found: false, reason: `Expected to find an object with property ['${selector.name}'] in path ${before} but found '${jsonTypeName(node)}'` };
      if (!(selector.name in node)) {
        return { found: false, reason: last ? `No results for path: ${upTo}` : `Missing property in path ${upTo}` };
      }
      node = node[selector.name]!;
    } else if (selector.kind === 'index') {
      if (!Array.isArray(node)) return { found: false, reason: `Expected to find an array with index [${selector.index}] in path ${before} but found '${jsonTypeName(node)}'` };
      const at = selector.index < 0 ? node.length + selector.index : selector.index;
      if (at < 0 || at >= node.length) {
        return { found: false, reason: last ? `No results for path: ${upTo}` : `Index out of bounds when evaluating path ${upTo}` };
      }
      node = node[at]!;
    }
  }
  return { found: true, value: node };
}


function step(segment: Segment, node: Json, root: Json): Json[] {
  if (!segment.deep) return select(segment.selector, node, root);
  const out: Json[] = [];
  const visit = (value: Json): void => {
    out.push(...select(segment.selector, value, root));
    for (const child of children(value)) visit(child);
  };
  visit(node);
  return out;
}

function children(value: Json): Json[] {
  if (Array.isArray(value)) return value;
  return isObject(value) ? Object.values(value) : [];
}

function select(selector: Selector, node: Json, root: Json): Json[] {
  switch (selector.kind) {
    case 'name':
      return isObject(node) && selector.name in node ? [node[selector.name]!] : [];
    case 'names':
      return isObject(node) ? selector.names.filter((n) => n in node).map((n) => node[n]!) : [];
    case 'index':
    case 'indexes': {
      if (!Array.isArray(node)) return [];
      const indexes = selector.kind === 'index' ? [selector.index] : selector.indexes;
      return indexes.map((i) => (i < 0 ? node.length + i : i)).filter((i) => i >= 0 && i < node.length).map((i) => node[i]!);
    }
    case 'wildcard':
      return children(node);
    case 'slice':
      return Array.isArray(node) ? slice(node, selector) : [];
    case 'filter': {
      const candidates = Array.isArray(node) ? node : isObject(node) ? [node] : [];
      return candidates.filter((item) =>
        testFilter(selector.filter, (operand) => {
          const base = operand.base === '@' ? item : root;
          const path: JsonPath = { source: '', root: { kind: 'input' }, segments: operand.segments, definite: isDefinite(operand.segments) };
          const found = selectFrom(path, base);
          return found.found ? found.value : undefined;
        }),
      );
    }
  }
}

function slice(items: Json[], { start, end, step = 1 }: { start?: number; end?: number; step?: number }): Json[] {
  const n = items.length;
  const clamp = (i: number) => Math.max(0, Math.min(n, i < 0 ? n + i : i));
  const out: Json[] = [];
  if (step > 0) {
    for (let i = clamp(start ?? 0); i < clamp(end ?? n); i += step) out.push(items[i]!);
  } else {
    const from = start === undefined ? n - 1 : Math.min(n - 1, start < 0 ? n + start : start);
    const to = end === undefined ? -1 : clamp(end);
    for (let i = from; i > to; i += step) out.push(items[i]!);
  }
  return out;
}

/** The JSON text of the input a path was looked up in, as AWS quotes it in causes. */
export function inputText(scope: PathScope, path: JsonPath): string {
  return jsonText(path.root.kind === 'context' ? scope.context : path.root.kind === 'input' ? scope.input : scope.variables?.(path.root.name));
}

/**
 * The value of a path written in a field (a `.$` key, `ErrorPath`, an intrinsic's argument):
 * AWS fails the state with `States.Runtime` when a definite path finds nothing.
 */
export function valueForField(path: JsonPath, scope: PathScope, field: string): Json {
  const found = evaluatePath(path, scope);
  if (found.found) return found.value;
  throw runtimeError(`The JSONPath '${path.source}' specified for the field '${field}' could not be found in the input '${inputText(scope, path)}'`);
}

/**
 * The value of `InputPath`, `OutputPath` and the other whole-state paths, which AWS words
 * differently: `Invalid path '$.x' : No results for path: $['x']`.
 */
export function valueForStatePath(path: JsonPath, scope: PathScope): Json {
  const found = evaluatePath(path, scope);
  if (found.found) return found.value;
  throw runtimeError(`Invalid path '${path.source}' : ${found.reason}`);
}
