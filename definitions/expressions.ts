/**
 * JSONata expressions and `${ }` templates, compiled once per definition version.
 *
 * A template is a literal JSON value in which strings may hold `${ expr }`: a string that is
 * exactly one `${ }` takes the expression's value and type; `${ }` inside text is interpolated;
 * objects and arrays are templated recursively (keys stay literal). `$${` writes a literal `${`.
 */
import jsonata from 'jsonata';
import safeRegex from 'safe-regex2';
import type { Json } from './model.js';

/** Names bound as `$name` during evaluation (without the `$`). */
export type Bindings = Record<string, Json | undefined>;

export interface CompiledExpression {
  readonly source: string;
  /** Evaluates against `data` as the root; undefined when the expression selects nothing. */
  evaluate(data: Json, bindings: Bindings): Promise<Json | undefined>;
}

export interface CompiledTemplate {
  /** Expressions in the template, in source order (empty for a constant). */
  readonly expressions: readonly CompiledExpression[];
  evaluate(data: Json, bindings: Bindings): Promise<Json>;
}

/** JSONata refused the source text; `offset` is the character index of the fault in `source`. */
export class ExpressionSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${detail} in expression "${source}"`);
    this.name = 'ExpressionSyntaxError';
  }
}

/** Evaluation failed at run time (a type error, a missing function, a failing $assert…). */
export class ExpressionEvaluationError extends Error {
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`expression "${source}" failed: ${detail}`);
    this.name = 'ExpressionEvaluationError';
  }
}

/**
 * Bounds of one evaluation (SPEC §4): past `timeoutMs` or `maxDepth` nested evaluations (a function
 * calling itself, say) it fails with ExpressionError instead of holding the engine. Read at every
 * evaluation, so `setExpressionLimits` applies to plans compiled before it was called.
 */
const limits = { timeout: 1_000, stack: 500 };

export function setExpressionLimits(options: { timeoutMs?: number; maxDepth?: number }): void {
  if (options.timeoutMs !== undefined) limits.timeout = options.timeoutMs;
  if (options.maxDepth !== undefined) limits.stack = options.maxDepth;
}

export function compileExpression(source: string): CompiledExpression {
  let compiled: ReturnType<typeof jsonata>;
  try {
    compiled = jsonata(source, limits);
  } catch (err) {
    const e = err as { message?: string; position?: number; token?: string };
    throw new ExpressionSyntaxError(source, syntaxOffset(source, e.position), e.message ?? String(err));
  }
  compiled.registerFunction('secret', secretPlaceholder, '<s:s>');
  return {
    source,
    async evaluate(data, bindings) {
      try {
        return toJson(await compiled.evaluate(data, bindings));
      } catch (err) {
        throw new ExpressionEvaluationError(source, evaluationProblem(err));
      }
    },
  };
}

/**
 * A regular expression in `source` that can take exponential time on some inputs, like /(a+)+$/,
 * with where it starts; null when there is none. Validation refuses them: a match cannot be
 * stopped once it runs (the expression time limit is checked between steps, not inside a match).
 * `source` must be valid JSONata.
 */
export function slowRegex(source: string): { offset: number; literal: string } | null {
  const seen = new Set<unknown>();
  const visit = (node: unknown): { offset: number; literal: string } | null => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return null;
    seen.add(node);
    const n = node as { type?: unknown; value?: unknown; position?: unknown };
    if (n.type === 'regex' && n.value instanceof RegExp && !safeRegex(n.value)) {
      const literal = `/${n.value.source}/${n.value.flags.replace('g', '')}`;
      return { offset: typeof n.position === 'number' ? Math.max(0, n.position - literal.length) : 0, literal };
    }
    for (const child of Object.values(node)) {
      const found = visit(child);
      if (found) return found;
    }
    return null;
  };
  return visit(jsonata(source).ast());
}

/**
 * `$secret('name')` gives a placeholder, never the value: secrets are filled in only when a task
 * is handed to its worker or an HTTP call is made (engine/secrets.ts), so they never enter the
 * instance data, the history or the stored tasks.
 */
export function secretPlaceholder(name: string): string {
  return `${SECRET_OPEN}${name}${SECRET_CLOSE}`;
}
export const SECRET_OPEN = '«secret:';
export const SECRET_CLOSE = '»';

function evaluationProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'D1012') return `it ran longer than the ${limits.timeout}ms an expression may take`;
  if (e.code === 'D1011') return `it nested deeper than ${limits.stack} levels (a function that keeps calling itself?)`;
  return e.message ?? String(err);
}

/** JSONata reports the position just after the offending token; point at the token instead. */
function syntaxOffset(source: string, position: number | undefined): number {
  if (position === undefined || !Number.isFinite(position)) return 0;
  return Math.max(0, Math.min(source.length, position) - 1);
}

/** Condition fields (`when`, `items`, `until`, `correlate`) may wrap their expression in `${ }`. */
export function conditionSource(text: string): string {
  const trimmed = text.trim();
  const parts = splitTemplate(trimmed);
  if (parts.length === 1 && parts[0]!.kind === 'expr' && parts[0]!.start === 2 && parts[0]!.end === trimmed.length - 1) {
    return parts[0]!.source;
  }
  return trimmed;
}

export type TemplatePart =
  | { kind: 'text'; text: string }
  /** `start`/`end` index the expression source within the string (between `${` and `}`). */
  | { kind: 'expr'; source: string; start: number; end: number };

/**
 * Splits a string into literal text and `${ }` expressions. Braces nest, and braces inside
 * JSONata string literals, backquoted names and comments do not count.
 * Throws ExpressionSyntaxError for a `${` that is never closed.
 */
export function splitTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      literal += text[i];
      i += 1;
      continue;
    }
    const start = i + 2;
    const end = findClosingBrace(text, start);
    if (end < 0) throw new ExpressionSyntaxError(text, i, 'a "${" is never closed with "}"');
    if (literal) parts.push({ kind: 'text', text: literal });
    literal = '';
    parts.push({ kind: 'expr', source: text.slice(start, end).trim(), start, end });
    i = end + 1;
  }
  if (literal || parts.length === 0) parts.push({ kind: 'text', text: literal });
  return parts;
}

function findClosingBrace(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipQuoted(text, i, c);
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
      continue;
    }
    if (c === '{') depth += 1;
    if (c === '}') {
      if (depth === 0) return i;
      depth -= 1;
    }
    i += 1;
  }
  return -1;
}

function skipQuoted(text: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

export function compileTemplate(value: Json): CompiledTemplate {
  const expressions: CompiledExpression[] = [];
  const node = compileNode(value, expressions);
  return { expressions, evaluate: (data, bindings) => node(data, bindings) };
}

type Node = (data: Json, bindings: Bindings) => Promise<Json>;

function compileNode(value: Json, out: CompiledExpression[]): Node {
  if (typeof value === 'string') return compileString(value, out);
  if (Array.isArray(value)) {
    const items = value.map((v) => compileNode(v, out));
    return async (data, bindings) => {
      const result: Json[] = [];
      for (const item of items) result.push(await item(data, bindings));
      return result;
    };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, compileNode(v, out)] as const);
    return async (data, bindings) => {
      const result: Record<string, Json> = {};
      // defineProperty: a key named `__proto__` is a field like any other, not the prototype.
      for (const [k, node] of entries) Object.defineProperty(result, k, { value: await node(data, bindings), writable: true, enumerable: true, configurable: true });
      return result;
    };
  }
  return async () => value;
}

function compileString(text: string, out: CompiledExpression[]): Node {
  const parts = splitTemplate(text);
  const compiled = parts.map((p) => (p.kind === 'text' ? p.text : compileExpression(p.source)));
  for (const c of compiled) if (typeof c !== 'string') out.push(c);
  if (compiled.length === 1) {
    const only = compiled[0]!;
    if (typeof only === 'string') return async () => only;
    return async (data, bindings) => (await only.evaluate(data, bindings)) ?? null;
  }
  return async (data, bindings) => {
    let s = '';
    for (const c of compiled) s += typeof c === 'string' ? c : interpolated(await c.evaluate(data, bindings));
    return s;
  };
}

function interpolated(value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** JSONata may return sequences (arrays with extra flags) and functions; keep only plain JSON. */
function toJson(value: unknown): Json | undefined {
  if (value === undefined || value === null || typeof value !== 'object') {
    return typeof value === 'function' ? undefined : (value as Json | undefined);
  }
  return JSON.parse(JSON.stringify(value)) as Json;
}
