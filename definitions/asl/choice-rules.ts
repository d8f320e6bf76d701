/**
 * The comparison rules of a JSONPath Choice state, compiled once: `Variable` with one of the
 * String, Numeric, Boolean and Timestamp comparisons (each also in a `…Path` form comparing with
 * another value of the input), `StringMatches`, the `Is…` tests, and `And`/`Or`/`Not`.
 *
 * A comparison of values of the wrong type is simply false; a `Variable` (or a `…Path`) that
 * finds nothing fails the state with `States.Runtime`, except under `IsPresent`, which asks
 * exactly that.
 */
import type { Json } from '../model.js';
import { runtimeError } from './errors.js';
import { jsonEquals } from './json.js';
import { evaluatePath } from './jsonpath-evaluate.js';
import type { PathScope } from './jsonpath-evaluate.js';
import { parseJsonPath } from './jsonpath-parse.js';
import type { JsonPath } from './jsonpath-parse.js';
import { compileStringPattern, matchesPattern } from './string-matches.js';
import { isTimestamp, parseTimestamp } from './timestamps.js';

type Order = 'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals';
type Kind = 'String' | 'Numeric' | 'Boolean' | 'Timestamp';

const ORDERS: readonly Order[] = ['Equals', 'LessThan', 'GreaterThan', 'LessThanEquals', 'GreaterThanEquals'];
const KINDS: readonly Kind[] = ['String', 'Numeric', 'Boolean', 'Timestamp'];
const TYPE_TESTS = { IsNull: (v: Json) => v === null, IsNumeric: (v: Json) => typeof v === 'number', IsString: (v: Json) => typeof v === 'string', IsBoolean: (v: Json) => typeof v === 'boolean', IsTimestamp: isTimestamp } as const;

/** Every comparison operator a rule may use, `…Path` forms included. */
export const COMPARISON_OPERATORS: readonly string[] = [
  ...KINDS.flatMap((kind) => (kind === 'Boolean' ? ['Equals'] : ORDERS).flatMap((order) => [`${kind}${order}`, `${kind}${order}Path`])),
  'StringMatches',
  'IsPresent',
  ...Object.keys(TYPE_TESTS),
];

export interface CompiledRule {
  test(scope: PathScope): boolean;
}

/** The rule cannot be used as written; validation reports these before any run. */
export class ChoiceRuleError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ChoiceRuleError';
  }
}

export function compileChoiceRule(rule: Record<string, unknown>): CompiledRule {
  if (Array.isArray(rule.And)) return combine(rule.And, (tests) => (scope) => tests.every((t) => t.test(scope)));
  if (Array.isArray(rule.Or)) return combine(rule.Or, (tests) => (scope) => tests.some((t) => t.test(scope)));
  if (rule.Not !== undefined) {
    const inner = compileChoiceRule(rule.Not as Record<string, unknown>);
    return { test: (scope) => !inner.test(scope) };
  }
  if (typeof rule.Variable !== 'string') throw new ChoiceRuleError('a rule needs "Variable" (the path to test) with a comparison, or And, Or or Not');
  const variable = parseJsonPath(rule.Variable);
  const operator = COMPARISON_OPERATORS.find((op) => op in rule);
  if (operator === undefined) throw new ChoiceRuleError('a rule needs a comparison operator, like StringEquals or NumericGreaterThan');
  return compileComparison(variable, operator, rule[operator] as Json);
}

function combine(rules: unknown[], make: (tests: CompiledRule[]) => (scope: PathScope) => boolean): CompiledRule {
  return { test: make(rules.map((r) => compileChoiceRule(r as Record<string, unknown>))) };
}

function compileComparison(variable: JsonPath, operator: string, operand: Json): CompiledRule {
  if (operator === 'IsPresent') return { test: (scope) => evaluatePath(variable, scope).found === operand };
  if (operator in TYPE_TESTS) {
    const typeTest = TYPE_TESTS[operator as keyof typeof TYPE_TESTS];
    // A test of type asks about a value; where there is none, no type test holds.
    return {
      test: (scope) => {
        const found = evaluatePath(variable, scope);
        return (found.found && typeTest(found.value)) === operand;
      },
    };
  }
  if (operator === 'StringMatches') {
    const pattern = compileStringPattern(String(operand));
    return { test: (scope) => matches(valueOf(variable, scope), pattern) };
  }
  const byPath = operator.endsWith('Path');
  const name = byPath ? operator.slice(0, -4) : operator;
  const kind = KINDS.find((k) => name.startsWith(k))!;
  const order = name.slice(kind.length) as Order;
  const other = byPath ? parseJsonPath(String(operand)) : null;
  return {
    test: (scope) => compare(kind, order, valueOf(variable, scope), other === null ? operand : valueOf(other, scope)),
  };
}

function matches(value: Json, pattern: ReturnType<typeof compileStringPattern>): boolean {
  return typeof value === 'string' && matchesPattern(value, pattern);
}

function valueOf(path: JsonPath, scope: PathScope): Json {
  const found = evaluatePath(path, scope);
  if (!found.found) throw runtimeError(`Invalid path '${path.source}': The choice state's condition path references an invalid value.`);
  return found.value;
}

function compare(kind: Kind, order: Order, left: Json, right: Json): boolean {
  switch (kind) {
    case 'String':
      return typeof left === 'string' && typeof right === 'string' && ordered(order, left, right);
    case 'Numeric':
      return typeof left === 'number' && typeof right === 'number' && ordered(order, left, right);
    case 'Boolean':
      return typeof left === 'boolean' && typeof right === 'boolean' && jsonEquals(left, right);
    case 'Timestamp': {
      const [a, b] = [typeof left === 'string' ? parseTimestamp(left) : null, typeof right === 'string' ? parseTimestamp(right) : null];
      return a !== null && b !== null && ordered(order, a, b);
    }
  }
}

function ordered<T extends string | number | bigint>(order: Order, a: T, b: T): boolean {
  switch (order) {
    case 'Equals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'GreaterThan':
      return a > b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThanEquals':
      return a >= b;
  }
}
