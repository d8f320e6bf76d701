/**
 * The call syntax of the 18 intrinsic functions: `States.Format('Hello {}', $.name)`, nested calls,
 * quoted strings with `\'`, `\{`, `\}` and `\\` escapes, numbers, true/false/null, and paths
 * (`$.a`, `$$.Map.Item.Value`, `$variable`). Parsed once; the number of arguments of each call is
 * checked here, so evaluation never sees a call it cannot make.
 */
import type { Json } from '../model.js';
import { readJsonPath, JsonPathSyntaxError, Reader } from './jsonpath-parse.js';
import type { JsonPath } from './jsonpath-parse.js';

export type IntrinsicArgument =
  | IntrinsicCall
  | { kind: 'literal'; value: Json; offset: number }
  /** `raw` keeps the escapes, so States.Format can tell `\{}` from a placeholder. */
  | { kind: 'string'; value: string; raw: string; offset: number }
  | { kind: 'path'; path: JsonPath; offset: number };

export interface IntrinsicCall {
  kind: 'call';
  /** Without the `States.` prefix: `Format`, `ArrayGetItem`… */
  name: IntrinsicName;
  args: IntrinsicArgument[];
  offset: number;
}

/** How many arguments each function takes: [least, most]. */
export const INTRINSIC_ARITY = {
  Format: [1, Infinity],
  StringToJson: [1, 1],
  JsonToString: [1, 1],
  Array: [0, Infinity],
  ArrayPartition: [2, 2],
  ArrayContains: [2, 2],
  ArrayRange: [3, 3],
  ArrayGetItem: [2, 2],
  ArrayLength: [1, 1],
  ArrayUnique: [1, 1],
  Base64Encode: [1, 1],
  Base64Decode: [1, 1],
  Hash: [2, 2],
  JsonMerge: [3, 3],
  MathRandom: [2, 3],
  MathAdd: [2, 2],
  StringSplit: [2, 2],
  UUID: [0, 0],
} as const satisfies Record<string, readonly [number, number]>;

export type IntrinsicName = keyof typeof INTRINSIC_ARITY;
export const INTRINSIC_NAMES = Object.keys(INTRINSIC_ARITY) as IntrinsicName[];

/** Step Functions allows up to 10 intrinsic functions nested in one field. */
export const MAX_INTRINSIC_NESTING = 10;

/** The text is not a valid intrinsic call; `offset` is the index of the fault in it. */
export class IntrinsicSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${detail} (at character ${offset + 1} of "${source}")`);
    this.name = 'IntrinsicSyntaxError';
  }
}

/** Whether a `.$` value is meant as an intrinsic call rather than a path. */
export function looksLikeIntrinsic(text: string): boolean {
  return /^\s*States\./.test(text);
}

export function parseIntrinsic(source: string): IntrinsicCall {
  const reader = new Reader(source);
  try {
    reader.skipSpaces();
    const call = readCall(reader, 1);
    reader.skipSpaces();
    if (!reader.done()) reader.fail(`"${reader.peek()}" follows the end of the call; nothing may come after its ")"`);
    return call;
  } catch (err) {
    if (err instanceof JsonPathSyntaxError) throw new IntrinsicSyntaxError(source, err.offset, err.detail);
    throw err;
  }
}

function readCall(reader: Reader, depth: number): IntrinsicCall {
  const offset = reader.pos;
  const match = /^States\.([A-Za-z0-9]+)/.exec(reader.text.slice(reader.pos));
  if (match === null) reader.fail('an intrinsic function call starts with "States." and a function name, like States.Format');
  const name = match[1]!;
  if (!(name in INTRINSIC_ARITY)) reader.fail(`"States.${name}" is not an intrinsic function`, offset);
  if (depth > MAX_INTRINSIC_NESTING) reader.fail(`more than ${MAX_INTRINSIC_NESTING} intrinsic functions are nested here`, offset);
  reader.pos += match[0].length;
  reader.expect('(');
  const args: IntrinsicArgument[] = [];
  reader.skipSpaces();
  if (reader.peek() !== ')') {
    args.push(readArgument(reader, depth));
    for (reader.skipSpaces(); reader.peek() === ','; reader.skipSpaces()) {
      reader.pos += 1;
      reader.skipSpaces();
      args.push(readArgument(reader, depth));
    }
  }
  if (reader.done()) reader.fail(`the call to States.${name} is never closed with ")"`, offset);
  reader.expect(')');
  const call: IntrinsicCall = { kind: 'call', name: name as IntrinsicName, args, offset };
  const [least, most] = INTRINSIC_ARITY[call.name];
  if (args.length < least || args.length > most) reader.fail(`States.${name} takes ${arityText(least, most)}, not ${args.length}`, offset);
  return call;
}

function arityText(least: number, most: number): string {
  const count = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  if (least === most) return least === 0 ? 'no arguments' : count(least);
  if (most === Infinity) return `at least ${count(least)}`;
  return `${least} or ${count(most)}`;
}

function readArgument(reader: Reader, depth: number): IntrinsicArgument {
  const offset = reader.pos;
  const c = reader.peek();
  if (reader.startsWith('States.')) return readCall(reader, depth + 1);
  if (c === "'") return readString(reader);
  if (c === '$') return { kind: 'path', path: readJsonPath(reader), offset };
  const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(reader.text.slice(reader.pos))?.[0];
  if (number !== undefined) {
    reader.pos += number.length;
    return { kind: 'literal', value: Number(number), offset };
  }
  for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
    if (reader.startsWith(word)) {
      reader.pos += word.length;
      return { kind: 'literal', value, offset };
    }
  }
  if (c === '"') reader.fail("texts in an intrinsic function are written in single quotes, like 'text'");
  return reader.fail(reader.done() || c === ')' ? 'an argument is missing here' : `"${c}" cannot start an argument; write a path like $.name, a number, a text in single quotes or another States. call`);
}

/**
 * The escapes intrinsic strings know. Any other backslash is kept with the character after it, so
 * JSON text in quotes (`'{"a": "say \\"hi\\""}'`) reaches States.StringToJson as written.
 */
const ESCAPES: Record<string, string> = { "\\'": "'", '\\{': '{', '\\}': '}', '\\\\': '\\' };

/** What a backslash pair (`\\'`) in an intrinsic text stands for; undefined when it escapes nothing. */
export function intrinsicEscape(pair: string): string | undefined {
  return ESCAPES[pair];
}

function readString(reader: Reader): IntrinsicArgument {
  const offset = reader.pos;
  reader.pos += 1;
  let value = '';
  const rawStart = reader.pos;
  while (!reader.done() && reader.peek() !== "'") {
    if (reader.peek() === '\\') {
      const escaped = reader.text.slice(reader.pos, reader.pos + 2);
      value += intrinsicEscape(escaped) ?? escaped;
      reader.pos += 2;
    } else {
      value += reader.peek();
      reader.pos += 1;
    }
  }
  if (reader.done()) reader.fail("the text in quotes is never closed with '", offset);
  const raw = reader.text.slice(rawStart, reader.pos);
  reader.pos += 1;
  return { kind: 'string', value, raw, offset };
}

/** The `{}` placeholders of a States.Format template written as a literal (escaped braces excluded). */
export function placeholderCount(raw: string): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 1) {
    if (raw[i] === '\\') i += 1;
    else if (raw[i] === '{' && raw[i + 1] === '}') count += 1;
  }
  return count;
}
