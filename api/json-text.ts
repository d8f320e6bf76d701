/**
 * JSON request bodies: JSON.parse for the value, and on failure a small scanner that finds where
 * the text stops being JSON. V8's own messages sometimes lack the position and sometimes quote
 * the whole body; ours name the line, column and offending character, and nothing more. A number
 * too large for a double parses as Infinity, which JSON cannot hold (it would be stored as null):
 * such a text is refused, naming the JSON path of the number.
 */

import { bracketDepth } from '../definitions/nesting.js';

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string };

/** Deeper than any sensible payload, and far from where encoding it again would exhaust the stack. */
export const MAX_JSON_NESTING = 512;

/** `subject` names the text in the message: `the body`, `--input`. */
export function parseJsonText(text: string, subject = 'the body'): JsonParse {
  const depth = bracketDepth(text);
  if (depth > MAX_JSON_NESTING) return { ok: false, message: `${subject} nests ${depth} levels deep, more than the ${MAX_JSON_NESTING} allowed` };
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, message: describeSyntaxError(text, subject) };
  }
  const where = MAY_OVERFLOW.test(text) ? nonFinitePath(value) : undefined;
  if (where !== undefined) {
    return {
      ok: false,
      message: `${subject} holds a number out of range at ${formatJsonPath(where)}: numbers must lie between -${Number.MAX_VALUE} and ${Number.MAX_VALUE}; send a larger one as a string`,
    };
  }
  return { ok: true, value };
}

/**
 * A number past Number.MAX_VALUE (about 1.8e308) has an exponent of three digits or more, or, with
 * a smaller one, 210 digits or more before its point: a text with neither is not walked.
 */
const MAY_OVERFLOW = /[eE]\+?\d{3}|\d{209}/;

/**
 * Where the first number that is not finite is. `path` is the walk's own, extended and cut back
 * as it goes; its depth is bounded by MAX_JSON_NESTING.
 */
function nonFinitePath(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : [...path];
  if (typeof value !== 'object' || value === null) return undefined;
  const entries: Iterable<[string | number, unknown]> = Array.isArray(value) ? value.entries() : Object.entries(value);
  for (const [key, member] of entries) {
    if (typeof member !== 'number' && (typeof member !== 'object' || member === null)) continue;
    path.push(key);
    const found = nonFinitePath(member, path);
    path.pop();
    if (found) return found;
  }
  return undefined;
}

const SHOWN_KEY_LENGTH = 40;

/** `$.input.items[2]["unit price"]`; a long key is cut, so a message never carries much of the body. */
function formatJsonPath(path: readonly (string | number)[]): string {
  const segment = (key: string | number): string => {
    if (typeof key === 'number') return `[${key}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(key) && key.length <= SHOWN_KEY_LENGTH) return `.${key}`;
    return `[${JSON.stringify(key.length > SHOWN_KEY_LENGTH ? `${key.slice(0, SHOWN_KEY_LENGTH)}…` : key)}]`;
  };
  return `$${path.map(segment).join('')}`;
}

class Stop {
  constructor(
    readonly at: number,
    readonly expected: string,
  ) {}
}

/** "… is not valid JSON: line 1, column 8 (offset 7): expected a value, found '}'". */
function describeSyntaxError(text: string, subject: string): string {
  const stop = locate(text);
  const before = text.slice(0, stop.at);
  const line = before.split('\n').length;
  const column = stop.at - before.lastIndexOf('\n');
  const found = stop.at >= text.length ? 'the end of the text' : show(text[stop.at]!);
  return `${subject} is not valid JSON: line ${line}, column ${column} (offset ${stop.at}): expected ${stop.expected}, found ${found}`;
}

function show(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x20 ? `a control character (U+${code.toString(16).padStart(4, '0').toUpperCase()})` : `'${ch}'`;
}

/** Where a recursive-descent read of `text` fails; the end of the text when it does not fail. */
function locate(text: string): Stop {
  const scanner = new Scanner(text);
  try {
    scanner.value();
    scanner.ws();
    return new Stop(scanner.i, scanner.i < text.length ? 'nothing more after the JSON value' : 'more');
  } catch (err) {
    if (err instanceof Stop) return err;
    // Nesting too deep for the scanner's recursion: say where it started instead.
    return new Stop(0, 'JSON nested less deeply');
  }
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Scanner {
  i = 0;

  constructor(private readonly text: string) {}

  ws(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i += 1;
  }

  value(): void {
    this.ws();
    const ch = this.text[this.i];
    if (ch === '{') return this.members('}', () => this.property());
    if (ch === '[') return this.members(']', () => this.value());
    if (ch === '"') return this.string();
    const word = ['true', 'false', 'null'].find((w) => this.text.startsWith(w, this.i));
    if (word) this.i += word.length;
    else this.number();
  }

  private expect(ch: string, what: string): void {
    if (this.text[this.i] !== ch) throw new Stop(this.i, what);
    this.i += 1;
  }

  private property(): void {
    this.ws();
    if (this.text[this.i] !== '"') throw new Stop(this.i, 'a property name in double quotes');
    this.string();
    this.ws();
    this.expect(':', "':' after the property name");
    this.value();
  }

  /** `open (item (',' item)*)? close`; a trailing comma is reported where the next item should be. */
  private members(close: string, item: () => void): void {
    this.i += 1;
    this.ws();
    if (this.text[this.i] === close) {
      this.i += 1;
      return;
    }
    for (;;) {
      item();
      this.ws();
      if (this.text[this.i] !== ',') return this.expect(close, `',' or '${close}'`);
      this.i += 1;
    }
  }

  private string(): void {
    this.i += 1;
    for (;;) {
      const ch = this.text[this.i];
      if (ch === undefined || ch.charCodeAt(0) < 0x20) throw new Stop(this.i, 'the closing \'"\' of the string');
      this.i += 1;
      if (ch === '"') return;
      if (ch === '\\') this.escape();
    }
  }

  private escape(): void {
    const ch = this.text[this.i];
    if (ch === 'u') {
      if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 1, this.i + 5))) throw new Stop(this.i + 1, 'four hex digits after \\u');
      this.i += 5;
    } else if (ch !== undefined && '"\\/bfnrt'.includes(ch)) this.i += 1;
    else throw new Stop(this.i, 'an escape character (one of " \\ / b f n r t u)');
  }

  private number(): void {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (!m) throw new Stop(this.i, 'a value');
    this.i += m[0].length;
  }
}
