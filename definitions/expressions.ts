/**
 * JSONata expressions and `${ }` templates, compiled once per definition version.
 *
 * A template is a literal JSON value in which strings may hold `${ expr }`: a string that is
 * exactly one `${ }` takes the expression's value and type; `${ }` inside text is interpolated;
 * objects and arrays are templated recursively (keys stay literal). `$${` writes a literal `${`.
 *
 * Evaluation runs under the budget of its scope (expression-budget.ts): the guard
 * (expression-guard.ts) is called before and after every node, the built-ins that could build
 * without bound are replaced (bounded-functions.ts), and an evaluation that outgrows its slice of
 * the engine's thread is run again, whole, in the isolate the scope gives.
 */
import jsonata from 'jsonata';
import { EvaluationGuard, GUARD, LimitBreach, Outgrown, signalIn } from './expression-guard.js';
import type { EvaluationFailure, ExpressionScope } from './expression-budget.js';
import { NOW_MS, literalOf, regexLiterals, registerBoundedFunctions } from './bounded-functions.js';
import { regexCost } from './regex-analysis.js';
import { ExpressionSyntaxError, splitTemplate } from './template-scanner.js';
import type { Json } from './model.js';

export { ExpressionSyntaxError, NEVER_CLOSED, conditionSource, splitTemplate, type TemplatePart } from './template-scanner.js';
export type { Bindings, ExpressionScope } from './expression-budget.js';

export interface CompiledExpression {
  readonly source: string;
  /** Evaluates against `data` as the root; undefined when the expression selects nothing. */
  evaluate(data: Json, scope: ExpressionScope): Promise<Json | undefined>;
}

export interface CompiledTemplate {
  /** Expressions in the template, in source order (empty for a constant). */
  readonly expressions: readonly CompiledExpression[];
  evaluate(data: Json, scope: ExpressionScope): Promise<Json>;
}

/** Evaluation failed at run time (a type error, a missing function, a failing $assert, a limit…). */
export class ExpressionEvaluationError extends Error {
  constructor(
    readonly source: string,
    readonly detail: string,
    /** JSONata's error code (T1006, D3137…), or a limit's (D1011, D1012, ValueTooLarge, OutOfMemory, SlowRegex). */
    readonly code?: string,
    /** Offset in `source` of the token it failed at, when JSONata says (a limit has none). */
    readonly position?: number,
  ) {
    super(`expression "${source}" failed: ${detail}`);
    this.name = 'ExpressionEvaluationError';
  }
}

/**
 * Bindings whose names are also JSONata functions (`$now`, `$error`): where an expression reads
 * the name as a value, it gets the binding; where it calls it, the function. The value is bound
 * under a name no expression can write, and the reads are pointed at it when compiling.
 */
const VALUE_NAMES: Record<string, string> = { now: ' now', error: ' error' };

export function compileExpression(source: string): CompiledExpression {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number; code?: string };
    throw new ExpressionSyntaxError(source, syntaxOffset(source, e.position), e.message ?? String(err), e.code);
  }
  const calls = pointValueReads(compiled.ast());
  const viewed = !onlyReads(compiled.ast());
  const regexDegree = Math.max(0, ...regexLiterals(compiled.ast()).map(({ regex }) => regexCost(regex.source, regex.flags.replace('g', '')).degree));
  compiled.registerFunction('secret', secretPlaceholder, '<s:s>');
  registerBoundedFunctions(compiled);
  installGuardHooks(compiled, calls);
  const run = async (data: Json, scope: Pick<ExpressionScope, 'bindings' | 'now'>, guard: EvaluationGuard): Promise<Json | undefined> => {
    return toJson(await compiled.evaluate(guard.view(data), bindingsFor(scope, guard)), guard);
  };
  return {
    source,
    async evaluate(data, scope) {
      const { budget } = scope;
      const pause = budget.take();
      if (pause) await pause;
      const isolate = budget.isolate;
      const guard = new EvaluationGuard(budget.limits, isolate ? 'slice' : 'whole', regexDegree, viewed);
      try {
        return await run(data, scope, guard);
      } catch (err) {
        if (!(signalIn(err) instanceof Outgrown) || !isolate) throw evaluationError(source, err);
      } finally {
        budget.spent(guard.done);
      }
      try {
        return await isolate.evaluate({ source, data, bindings: scope.bindings, now: scope.now, limits: budget.limits });
      } catch (err) {
        const failure = err as EvaluationFailure;
        throw new ExpressionEvaluationError(source, failure.message ?? String(err), failure.code, failure.position);
      }
    },
  };
}

/** The bindings JSONata gets: the scope's (as views the library cannot change), the guard, the time. */
function bindingsFor(scope: Pick<ExpressionScope, 'bindings' | 'now'>, guard: EvaluationGuard): Record<string, unknown> {
  const bound: Record<string, unknown> = { [GUARD]: guard, [NOW_MS]: scope.now };
  for (const name in scope.bindings) bound[VALUE_NAMES[name] ?? name] = guard.view(scope.bindings[name]);
  return bound;
}

function installGuardHooks(compiled: jsonata.Expression, procedures: WeakSet<object>): void {
  type Node = object;
  type Env = { lookup(name: string): unknown; base: { depth: number } };
  const guardIn = (env: Env): EvaluationGuard => env.lookup(GUARD) as EvaluationGuard;
  compiled.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, (node: Node, _input: unknown, env: Env) => {
    guardIn(env).enter(env.base.depth, node);
  });
  compiled.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, (node: Node, _input: unknown, env: Env, result: unknown) => {
    guardIn(env).exit(result, node);
    // The library writes `token` and `position` onto whatever it is asked to call: data (an object,
    // a list) is refused here, as the library would refuse it, before anything is written.
    const value = procedures.has(node) ? sequenceValue(result) : undefined;
    if (value !== null && typeof value === 'object' && !isCallable(value)) {
      const n = node as { position?: number; value?: unknown; steps?: { value?: unknown }[] };
      throw { code: 'T1006', position: n.position, token: n.steps?.[0]?.value ?? n.value };
    }
  });
}

/** What the library makes of a node's result once evaluated: an empty sequence is nothing, a sequence of one its item. */
function sequenceValue(result: unknown): unknown {
  if (!Array.isArray(result) || (result as { sequence?: unknown }).sequence !== true) return result;
  if (result.length === 0) return undefined;
  return result.length === 1 && (result as { keepSingleton?: unknown }).keepSingleton !== true ? result[0] : result;
}

/** A function JSONata made (a lambda with its environment, a built-in); never something from data. */
function isCallable(value: object): boolean {
  const v = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown; environment?: { lookup?: unknown }; implementation?: unknown };
  if (v._jsonata_lambda === true) return typeof v.environment?.lookup === 'function';
  return v._jsonata_function === true && typeof v.implementation === 'function';
}

/** Node types in which the library writes into nothing it was given (see data-view.ts for where it does). */
const READING_NODES = new Set(['path', 'name', 'string', 'number', 'value', 'variable', 'binary', 'condition', 'block', 'regex']);
/** Marks of a node that make the library write: `[]`, grouping, focus and index binding, stages. */
const WRITING_MARKS = ['keepSingletonArray', 'keepArray', 'group', 'stages', 'tuple', 'focus', 'index', 'predicate'];

/**
 * Whether the expression only reads (no function calls, no constructors, no marks above): its
 * data needs no view, which keeps the commonest expressions, `\${ orderId }`, as cheap as without one.
 */
function onlyReads(ast: unknown): boolean {
  const seen = new Set<unknown>();
  const reads = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object' || seen.has(node) || node instanceof RegExp) return true;
    seen.add(node);
    if (Array.isArray(node)) return node.every(reads);
    const n = node as Record<string, unknown>;
    if (typeof n.type === 'string' && !READING_NODES.has(n.type) && !(n.type === 'unary' && n.value === '-')) return false;
    if (WRITING_MARKS.some((mark) => n[mark] !== undefined && n[mark] !== false)) return false;
    return Object.values(n).every(reads);
  };
  return reads(ast);
}

/**
 * Points reads of VALUE_NAMES at their bound values, unless the expression binds the name itself
 * (`$now := …`, `function($error)…`). Returns the nodes evaluated to get a function to call.
 */
function pointValueReads(ast: unknown): WeakSet<object> {
  const procedures = new WeakSet<object>();
  const reads: { value: string }[] = [];
  const ownNames = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (node: unknown, called: boolean): void => {
    if (node === null || typeof node !== 'object' || seen.has(node) || node instanceof RegExp) return;
    seen.add(node);
    const n = node as Record<string, unknown> & { type?: unknown; value?: unknown };
    if (called) procedures.add(n);
    if (n.type === 'variable' && typeof n.value === 'string' && n.value in VALUE_NAMES && !called) reads.push(n as { value: string });
    if (n.type === 'bind' && (n.lhs as { value?: unknown } | undefined)?.value !== undefined) ownNames.add(String((n.lhs as { value: unknown }).value));
    if (n.type === 'lambda' && Array.isArray(n.arguments)) for (const a of n.arguments as { value?: unknown }[]) ownNames.add(String(a.value));
    for (const [key, child] of Object.entries(n)) {
      const isCall = (key === 'procedure' && (n.type === 'function' || n.type === 'partial')) || (key === 'rhs' && n.type === 'apply');
      if (Array.isArray(child)) for (const c of child) visit(c, false);
      else visit(child, isCall);
    }
  };
  visit(ast, false);
  for (const read of reads) if (!ownNames.has(read.value)) read.value = VALUE_NAMES[read.value]!;
  return procedures;
}

/**
 * The regular expressions in `source` that can take exponential time on some inputs, like
 * /(a+)+$/ or /(a|a)*$/, with where each starts. Validation refuses them: a match cannot be
 * stopped once it runs on the engine's thread. `source` must be valid JSONata.
 */
export function slowRegexes(source: string): { offset: number; literal: string; character?: string }[] {
  return regexLiterals(jsonata(source).ast()).flatMap(({ regex, position }) => {
    const cost = regexCost(regex.source, regex.flags.replace('g', ''));
    if (!cost.exponential) return [];
    const literal = literalOf(regex);
    return [{ offset: Math.max(0, position - literal.length), literal, ...(cost.character !== undefined ? { character: cost.character } : {}) }];
  });
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

function evaluationError(source: string, err: unknown): ExpressionEvaluationError {
  const signal = signalIn(err);
  if (signal instanceof LimitBreach) return new ExpressionEvaluationError(source, signal.detail, signal.code);
  const e = err as { code?: string; message?: string; position?: number };
  return new ExpressionEvaluationError(source, e.message ?? String(err), e.code, e.position === undefined ? undefined : syntaxOffset(source, e.position));
}

/** JSONata reports the position just after the offending token; point at the token instead. */
function syntaxOffset(source: string, position: number | undefined): number {
  if (position === undefined || !Number.isFinite(position)) return 0;
  return Math.max(0, Math.min(source.length, position) - 1);
}

export function compileTemplate(value: Json): CompiledTemplate {
  const expressions: CompiledExpression[] = [];
  const node = compileNode(value, expressions);
  return { expressions, evaluate: (data, scope) => node(data, scope) };
}

type TemplateNode = (data: Json, scope: ExpressionScope) => Promise<Json>;

function compileNode(value: Json, out: CompiledExpression[]): TemplateNode {
  if (typeof value === 'string') return compileString(value, out);
  if (Array.isArray(value)) {
    const items = value.map((v) => compileNode(v, out));
    return async (data, scope) => {
      const result: Json[] = [];
      for (const item of items) result.push(await item(data, scope));
      return result;
    };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, compileNode(v, out)] as const);
    return async (data, scope) => {
      const result: Record<string, Json> = {};
      // defineProperty: a key named `__proto__` is a field like any other, not the prototype.
      for (const [k, node] of entries) Object.defineProperty(result, k, { value: await node(data, scope), writable: true, enumerable: true, configurable: true });
      return result;
    };
  }
  return async () => value;
}

function compileString(text: string, out: CompiledExpression[]): TemplateNode {
  const parts = splitTemplate(text);
  const compiled = parts.map((p) => (p.kind === 'text' ? p.text : compileExpression(p.source)));
  for (const c of compiled) if (typeof c !== 'string') out.push(c);
  if (compiled.length === 1) {
    const only = compiled[0]!;
    if (typeof only === 'string') return async () => only;
    return async (data, scope) => (await only.evaluate(data, scope)) ?? null;
  }
  return async (data, scope) => {
    let s = '';
    for (const c of compiled) s += typeof c === 'string' ? c : interpolated(await c.evaluate(data, scope));
    return s;
  };
}

function interpolated(value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * JSONata may return sequences (arrays with extra flags) and functions; keep only plain JSON. The
 * copy is work like any other: a large value is copied where the evaluation may do it.
 */
function toJson(value: unknown, guard: EvaluationGuard): Json | undefined {
  if (value === undefined || value === null || typeof value !== 'object') {
    return typeof value === 'function' ? undefined : (value as Json | undefined);
  }
  // What is kept must fit where it goes: bounded like any text the evaluation builds.
  const max = guard.limits.maxValueSize;
  if (guard.measure('its result', value) > max) throw new LimitBreach('ValueTooLarge', `its result, written as JSON, is longer than the ${max} characters an expression may build`);
  return JSON.parse(JSON.stringify(value)) as Json;
}
