/**
 * JSONPath as the Amazon States Language writes it, parsed once into segments.
 *
 * Step Functions evaluates paths with Jayway JsonPath, so this follows Jayway's grammar: a root
 * (`$` the state's input, `$$` the context object, `$name` a variable), then `.name`, `['name']`,
 * `[0]`, `[-1]`, `[0,2]`, `['a','b']`, `[*]`, `.*`, slices `[1:5]`, deep scan `..name`, and filters
 * `[?(@.price > 10 && @.tag == 'x')]`. A path is *definite* when it can select at most one value
 * (names and single indexes only); an indefinite one selects a list, possibly empty.
 */
import { parseFilter } from './jsonpath-filter.js';
import type { FilterExpression } from './jsonpath-filter.js';

export type PathRoot = { kind: 'input' } | { kind: 'context' } | { kind: 'variable'; name: string };

export type Selector =
  | { kind: 'name'; name: string }
  | { kind: 'names'; names: string[] }
  | { kind: 'index'; index: number }
  | { kind: 'indexes'; indexes: number[] }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; filter: FilterExpression };

/** One step of a path; `deep` marks a `..` step, which applies its selector at every depth. */
export interface Segment {
  selector: Selector;
  deep: boolean;
}

export interface JsonPath {
  readonly source: string;
  readonly root: PathRoot;
  readonly segments: readonly Segment[];
  /** At most one value: no wildcard, slice, filter, deep scan, or list of names or indexes. */
  readonly definite: boolean;
}

/** The path text is not JSONPath; `offset` is the index of the fault in it. */
export class JsonPathSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${detail} (at character ${offset + 1} of "${source}")`);
    this.name = 'JsonPathSyntaxError';
  }
}

/** Variable names as Step Functions allows them: a letter or underscore, then letters, digits, underscores. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ParseOptions {
  /** Whether `$name` (a variable) may start the path; default true. */
  variables?: boolean;
}

export function parseJsonPath(source: string, options: ParseOptions = {}): JsonPath {
  const reader = new Reader(source);
  const path = readJsonPath(reader, options);
  if (!reader.done()) reader.fail(`"${reader.peek()}" cannot follow here; write .name or [index]`);
  return path;
}

/** Reads a path from where the reader stands to where it stops being one (inside a larger text). */
export function readJsonPath(reader: Reader, options: ParseOptions = {}): JsonPath {
  const start = reader.pos;
  const root = readRoot(reader, options.variables ?? true);
  const segments: Segment[] = [];
  while (reader.peek() === '.' || reader.peek() === '[') segments.push(readSegment(reader));
  return { source: reader.text.slice(start, reader.pos), root, segments, definite: isDefinite(segments) };
}

/** Names and single indexes only: the segments select at most one value. */
export function isDefinite(segments: readonly Segment[]): boolean {
  return segments.every((s) => !s.deep && (s.selector.kind === 'name' || s.selector.kind === 'index'));
}

/** Parses, or null when the text is not a path. */
export function tryParseJsonPath(source: string, options: ParseOptions = {}): JsonPath | null {
  try {
    return parseJsonPath(source, options);
  } catch (err) {
    if (err instanceof JsonPathSyntaxError) return null;
    throw err;
  }
}

/** Characters that end a name written after a dot. */
const NAME_END = /[.[\]\s()'",=!<>&|]/;

export class Reader {
  pos = 0;
  constructor(readonly text: string) {}
  done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  fail(detail: string, at = this.pos): never {
    throw new JsonPathSyntaxError(this.text, Math.min(at, Math.max(0, this.text.length - 1)), detail);
  }
  expect(s: string): void {
    if (!this.startsWith(s)) this.fail(`expected "${s}"${this.done() ? ' before the end' : ` where "${this.peek()}" is`}`);
    this.pos += s.length;
  }
  skipSpaces(): void {
    while (this.peek() === ' ') this.pos += 1;
  }
  /** An integer, possibly negative; undefined when none is here. */
  integer(): number | undefined {
    const match = /^-?\d+/.exec(this.text.slice(this.pos));
    if (match === null) return undefined;
    this.pos += match[0].length;
    return Number(match[0]);
  }
  /** A string in single or double quotes, with backslash escapes. */
  quoted(): string {
    const quote = this.peek();
    const start = this.pos;
    this.pos += 1;
    let out = '';
    while (!this.done() && this.peek() !== quote) {
      if (this.peek() === '\\' && this.pos + 1 < this.text.length) {
        this.pos += 1;
        out += unescape(this.peek());
      } else {
        out += this.peek();
      }
      this.pos += 1;
    }
    if (this.done()) this.fail(`the text in quotes is never closed with ${quote}`, start);
    this.pos += 1;
    return out;
  }
}

function unescape(char: string): string {
  return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[char] ?? char;
}

function readRoot(reader: Reader, variables: boolean): PathRoot {
  if (!reader.startsWith('$')) reader.fail('a path starts with "$"');
  reader.pos += 1;
  if (reader.peek() === '$') {
    reader.pos += 1;
    return { kind: 'context' };
  }
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(reader.text.slice(reader.pos))?.[0];
  if (name === undefined) return { kind: 'input' };
  if (!variables) reader.fail('a variable ($name) cannot be used here');
  reader.pos += name.length;
  return { kind: 'variable', name };
}

function readSegment(reader: Reader): Segment {
  if (reader.startsWith('..')) {
    reader.pos += 2;
    if (reader.peek() === '[') return { selector: readBracket(reader), deep: true };
    return { selector: readDotted(reader), deep: true };
  }
  if (reader.peek() === '.') {
    reader.pos += 1;
    if (reader.peek() === '[') return { selector: readBracket(reader), deep: false };
    return { selector: readDotted(reader), deep: false };
  }
  if (reader.peek() === '[') return { selector: readBracket(reader), deep: false };
  return reader.fail(`"${reader.peek()}" cannot follow here; write .name or [index]`);
}

/** The segments of a path inside a filter (`@.a.b`): they end where the comparison begins. */
function readOperandSegments(reader: Reader): Segment[] {
  const segments: Segment[] = [];
  while (reader.peek() === '.' || reader.peek() === '[') segments.push(readSegment(reader));
  return segments;
}

function readDotted(reader: Reader): Selector {
  if (reader.peek() === '*') {
    reader.pos += 1;
    return { kind: 'wildcard' };
  }
  const start = reader.pos;
  while (!reader.done() && !NAME_END.test(reader.peek())) reader.pos += 1;
  if (reader.pos === start) reader.fail('a name is missing after "."');
  return { kind: 'name', name: reader.text.slice(start, reader.pos) };
}

function readBracket(reader: Reader): Selector {
  const open = reader.pos;
  reader.expect('[');
  reader.skipSpaces();
  let selector: Selector;
  if (reader.peek() === '*') {
    reader.pos += 1;
    selector = { kind: 'wildcard' };
  } else if (reader.startsWith('?(')) {
    reader.pos += 2;
    selector = { kind: 'filter', filter: parseFilter(reader, readOperandSegments) };
    reader.skipSpaces();
    reader.expect(')');
  } else if (reader.peek() === "'" || reader.peek() === '"') {
    selector = readNames(reader);
  } else {
    selector = readIndexes(reader);
  }
  reader.skipSpaces();
  if (reader.peek() !== ']') reader.fail(reader.done() ? `"[" is never closed with "]"` : `"${reader.peek()}" is out of place inside [ ]`, reader.done() ? open : reader.pos);
  reader.pos += 1;
  return selector;
}

function readNames(reader: Reader): Selector {
  const names = [reader.quoted()];
  for (reader.skipSpaces(); reader.peek() === ','; reader.skipSpaces()) {
    reader.pos += 1;
    reader.skipSpaces();
    if (reader.peek() !== "'" && reader.peek() !== '"') reader.fail('a quoted name is expected after ","');
    names.push(reader.quoted());
  }
  return names.length === 1 ? { kind: 'name', name: names[0]! } : { kind: 'names', names };
}

function readIndexes(reader: Reader): Selector {
  const first = reader.integer();
  reader.skipSpaces();
  if (reader.peek() === ':') return readSlice(reader, first);
  if (first === undefined) reader.fail('write an index like [0], a name like [\'name\'], [*], a slice like [1:3] or a filter like [?(@.x > 1)]');
  const indexes = [first];
  for (reader.skipSpaces(); reader.peek() === ','; reader.skipSpaces()) {
    reader.pos += 1;
    reader.skipSpaces();
    const next = reader.integer();
    if (next === undefined) reader.fail('an index is expected after ","');
    indexes.push(next);
  }
  return indexes.length === 1 ? { kind: 'index', index: first } : { kind: 'indexes', indexes };
}

function readSlice(reader: Reader, start: number | undefined): Selector {
  reader.expect(':');
  reader.skipSpaces();
  const end = reader.integer();
  let step: number | undefined;
  reader.skipSpaces();
  if (reader.peek() === ':') {
    reader.pos += 1;
    reader.skipSpaces();
    step = reader.integer();
    if (step === 0) reader.fail('a slice step cannot be 0');
  }
  return { kind: 'slice', ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }), ...(step === undefined ? {} : { step }) };
}

/** Jayway's way of printing a definite path in messages: `$['a']['b'][0]`. */
export function normalisedPath(rootText: string, selectors: readonly Selector[]): string {
  return rootText + selectors.map((s) => (s.kind === 'name' ? `['${s.name}']` : s.kind === 'index' ? `[${s.index}]` : '')).join('');
}
