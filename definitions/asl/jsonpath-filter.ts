/**
 * Filters inside a JSONPath (`[?(@.price > 10 && @.tag == 'x')]`), parsed and evaluated the way
 * Jayway JsonPath does: `@` is the item being tested, `$` the whole document; comparisons only
 * hold between values of one type (a number never equals the text of that number); `=~` must
 * match the whole text; a missing property makes every comparison false except `!=`.
 */
import type { Json } from '../model.js';
import { jsonEquals } from './json.js';
import type { Reader, Segment } from './jsonpath-parse.js';

export type Operand =
  | { kind: 'path'; base: '@' | '$'; segments: Segment[] }
  | { kind: 'literal'; value: Json }
  | { kind: 'regex'; regex: RegExp };

export type FilterExpression =
  | { kind: 'or' | 'and'; left: FilterExpression; right: FilterExpression }
  | { kind: 'not'; operand: FilterExpression }
  | { kind: 'exists'; operand: Operand }
  | { kind: 'compare'; op: Operator; left: Operand; right: Operand };

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '=~', 'nin', 'in', 'subsetof', 'anyof', 'noneof', 'size', 'empty'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Reads the path segments after `@` or `$` in an operand; given by the path parser. */
export type SegmentReader = (reader: Reader) => Segment[];

/** Reads a filter up to (not including) its closing `)`. The reader sits after `?(`. */
export function parseFilter(reader: Reader, readSegments: SegmentReader): FilterExpression {
  return new FilterParser(reader, readSegments).or();
}

class FilterParser {
  constructor(
    private readonly reader: Reader,
    private readonly readSegments: SegmentReader,
  ) {}

  or(): FilterExpression {
    const { reader } = this;
    let left = this.and();
    for (reader.skipSpaces(); reader.startsWith('||'); reader.skipSpaces()) {
      reader.pos += 2;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  and(): FilterExpression {
    const { reader } = this;
    let left = this.unary();
    for (reader.skipSpaces(); reader.startsWith('&&'); reader.skipSpaces()) {
      reader.pos += 2;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  unary(): FilterExpression {
    const { reader } = this;
    reader.skipSpaces();
    if (reader.peek() === '!' && reader.peek(1) !== '=') {
      reader.pos += 1;
      return { kind: 'not', operand: this.unary() };
    }
    if (reader.peek() === '(') {
      reader.pos += 1;
      const inner = this.or();
      reader.skipSpaces();
      reader.expect(')');
      return inner;
    }
    const left = this.operand();
    reader.skipSpaces();
    const op = OPERATORS.find((o) => reader.startsWith(o) && (/^[=!<>]/.test(o) || !/[A-Za-z]/.test(reader.peek(o.length))));
    if (op === undefined) {
      if (left.kind !== 'path') reader.fail('a comparison operator like == or > is expected here');
      return { kind: 'exists', operand: left };
    }
    reader.pos += op.length;
    reader.skipSpaces();
    return { kind: 'compare', op, left, right: this.operand() };
  }

  operand(): Operand {
    const { reader } = this;
    reader.skipSpaces();
    const c = reader.peek();
    if (c === '@' || c === '$') {
      reader.pos += 1;
      return { kind: 'path', base: c, segments: this.readSegments(reader) };
    }
    if (c === "'" || c === '"') return { kind: 'literal', value: reader.quoted() };
    if (c === '/') return { kind: 'regex', regex: readRegex(reader) };
    if (c === '[') return { kind: 'literal', value: this.list() };
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(reader.text.slice(reader.pos))?.[0];
    if (number !== undefined) {
      reader.pos += number.length;
      return { kind: 'literal', value: Number(number) };
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (reader.startsWith(word)) {
        reader.pos += word.length;
        return { kind: 'literal', value };
      }
    }
    return reader.fail('a value is expected here: @.name, a number, a quoted text, true, false, null or a /regex/');
  }

  list(): Json[] {
    const { reader } = this;
    reader.expect('[');
    const items: Json[] = [];
    reader.skipSpaces();
    while (reader.peek() !== ']') {
      const item = this.operand();
      if (item.kind !== 'literal') return reader.fail('a list in a filter holds only numbers, quoted texts, true, false or null');
      items.push(item.value);
      reader.skipSpaces();
      if (reader.peek() === ',') {
        reader.pos += 1;
        reader.skipSpaces();
      } else if (reader.peek() !== ']') {
        reader.fail('"," or "]" is expected in the list');
      }
    }
    reader.pos += 1;
    return items;
  }
}

function readRegex(reader: Reader): RegExp {
  const start = reader.pos;
  reader.pos += 1;
  let body = '';
  while (!reader.done() && reader.peek() !== '/') {
    if (reader.peek() === '\\') {
      body += reader.peek();
      reader.pos += 1;
    }
    body += reader.peek();
    reader.pos += 1;
  }
  if (reader.done()) reader.fail('the regular expression is never closed with "/"', start);
  reader.pos += 1;
  const flags = /^[imsx]*/.exec(reader.text.slice(reader.pos))![0];
  reader.pos += flags.length;
  try {
    // Jayway matches the whole text (Java's Matcher.matches), hence the anchors.
    return new RegExp(`^(?:${body})$`, flags.replace('x', ''));
  } catch {
    return reader.fail('this regular expression is not valid', start);
  }
}

/** How an operand path is looked up: its value, or undefined when it selects nothing. */
export type OperandLookup = (operand: Extract<Operand, { kind: 'path' }>) => Json | undefined;

export function testFilter(filter: FilterExpression, lookup: OperandLookup): boolean {
  switch (filter.kind) {
    case 'or':
      return testFilter(filter.left, lookup) || testFilter(filter.right, lookup);
    case 'and':
      return testFilter(filter.left, lookup) && testFilter(filter.right, lookup);
    case 'not':
      return !testFilter(filter.operand, lookup);
    case 'exists':
      return valueOf(filter.operand, lookup) !== undefined;
    case 'compare':
      return compare(filter.op, valueOf(filter.left, lookup), filter.right.kind === 'regex' ? filter.right.regex : valueOf(filter.right, lookup));
  }
}

function valueOf(operand: Operand, lookup: OperandLookup): Json | undefined {
  if (operand.kind === 'literal') return operand.value;
  if (operand.kind === 'path') return lookup(operand);
  return undefined;
}

function compare(op: Operator, left: Json | undefined, right: Json | RegExp | undefined): boolean {
  if (op === '!=') return !compare('==', left, right);
  if (left === undefined || right === undefined) return false;
  if (right instanceof RegExp) return op === '=~' && typeof left === 'string' && right.test(left);
  switch (op) {
    case '==':
      return jsonEquals(left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return ordered(op, left, right);
    case 'in':
      return Array.isArray(right) && right.some((r) => jsonEquals(left, r));
    case 'nin':
      return Array.isArray(right) && !right.some((r) => jsonEquals(left, r));
    case 'subsetof':
      return Array.isArray(left) && Array.isArray(right) && left.every((l) => right.some((r) => jsonEquals(l, r)));
    case 'anyof':
      return Array.isArray(left) && Array.isArray(right) && left.some((l) => right.some((r) => jsonEquals(l, r)));
    case 'noneof':
      return Array.isArray(left) && Array.isArray(right) && !left.some((l) => right.some((r) => jsonEquals(l, r)));
    case 'size':
      return (typeof left === 'string' || Array.isArray(left)) && left.length === right;
    case 'empty':
      return (typeof left === 'string' || Array.isArray(left)) && (left.length === 0) === right;
    default:
      return false;
  }
}

function ordered(op: '<' | '<=' | '>' | '>=', left: Json, right: Json): boolean {
  const comparable = (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  if (op === '<') return left < right;
  if (op === '<=') return left <= right;
  if (op === '>') return left > right;
  return left >= right;
}
