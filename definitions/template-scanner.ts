/**
 * Finding the `${ }` expressions in a template string. The closing `}` is found by reading the
 * expression as JSONata's own tokenizer does: braces nest, and braces inside string literals,
 * backquoted names, comments and regular expressions do not count. A `/` after an operand (a name,
 * a number, a string, `)`, `]` or `}`) divides; anywhere else it starts a regular expression.
 */
import jsonata from 'jsonata';

/** JSONata refused the source text; `offset` is the character index of the fault in `source`. */
export class ExpressionSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly detail: string,
    /** JSONata's error code (S0101…), or NEVER_CLOSED. */
    readonly code?: string,
  ) {
    super(`${detail} in expression "${source}"`);
    this.name = 'ExpressionSyntaxError';
  }
}

/** The code of a `${` that no `}` closes. */
export const NEVER_CLOSED = 'TemplateNeverClosed';

export type TemplatePart =
  | { kind: 'text'; text: string }
  /** `start`/`end` index the expression source within the string (between `${` and `}`). */
  | { kind: 'expr'; source: string; start: number; end: number };

/**
 * Splits a string into literal text and `${ }` expressions. Throws ExpressionSyntaxError for a
 * `${` that is never closed, or whose expression has a string, name, comment or regular expression
 * that is never closed (with JSONata's own message for it).
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
    const end = closingBrace(text, start, i);
    if (literal) parts.push({ kind: 'text', text: literal });
    literal = '';
    parts.push({ kind: 'expr', source: text.slice(start, end).trim(), start, end });
    i = end + 1;
  }
  if (literal || parts.length === 0) parts.push({ kind: 'text', text: literal });
  return parts;
}

/** Condition fields (`when`, `items`, `until`, `correlate`) may wrap their expression in `${ }`. */
export function conditionSource(text: string): string {
  const trimmed = text.trim();
  let parts: TemplatePart[];
  try {
    parts = splitTemplate(trimmed);
  } catch {
    return trimmed; // not one `${ }`: the whole text is the expression (and JSONata reports its faults)
  }
  const only = parts[0];
  if (parts.length === 1 && only!.kind === 'expr' && only!.start === 2 && only!.end === trimmed.length - 1) return only!.source;
  return trimmed;
}

const SPACE = ' \t\n\r\v';
/** Characters that end a name (JSONata's operator characters). */
const OPERATOR = '.[]{}(),@#;:?+-*/%|=<>^&!~';
const WORD_OPERATORS = new Set(['and', 'or', 'in']);

function closingBrace(text: string, from: number, dollar: number): number {
  let depth = 0;
  let afterOperand = false;
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (SPACE.includes(c)) {
      i += 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) throw unterminated(text, from, dollar);
      i = close + 2;
    } else if (c === '"' || c === "'") {
      i = endOfString(text, i, c);
      if (i < 0) throw unterminated(text, from, dollar);
      afterOperand = true;
    } else if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close < 0) throw unterminated(text, from, dollar);
      i = close + 1;
      afterOperand = true;
    } else if (c === '/' && !afterOperand) {
      i = endOfRegex(text, i + 1);
      if (i < 0) throw unterminated(text, from, dollar);
      afterOperand = true;
    } else if (c === '}' && depth === 0) {
      return i;
    } else if (OPERATOR.includes(c)) {
      if (c === '{') depth += 1;
      if (c === '}') depth -= 1;
      afterOperand = c === ')' || c === ']' || c === '}';
      i += 1;
    } else {
      let j = i;
      while (j < text.length && !SPACE.includes(text[j]!) && !OPERATOR.includes(text[j]!) && !`"'\``.includes(text[j]!)) j += 1;
      afterOperand = !WORD_OPERATORS.has(text.slice(i, j));
      i = Math.max(j, i + 1);
    }
  }
  throw new ExpressionSyntaxError(text, dollar, 'a "${" is never closed with "}"', NEVER_CLOSED);
}

/** Index just after the closing quote, or -1. */
function endOfString(text: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return i < text.length ? i + 1 : -1;
}

/** Index just after a regular expression's closing `/` and flags, or -1 (as JSONata's scanRegex finds it). */
function endOfRegex(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === '/' && depth === 0) {
      let backslashes = 0;
      while (text[i - backslashes - 1] === '\\') backslashes += 1;
      if (backslashes % 2 === 0) {
        let end = i + 1;
        while (text[end] === 'i' || text[end] === 'm') end += 1;
        return end;
      }
    }
    if ('([{'.includes(c) && text[i - 1] !== '\\') depth += 1;
    if (')]}'.includes(c) && text[i - 1] !== '\\') depth -= 1;
  }
  return -1;
}

/** Something in the expression is never closed: JSONata's own error for the rest of the text says what. */
function unterminated(text: string, from: number, dollar: number): ExpressionSyntaxError {
  try {
    jsonata(text.slice(from));
  } catch (err) {
    const e = err as { message?: string; position?: number; code?: string };
    const at = typeof e.position === 'number' ? Math.min(text.length, from + Math.max(0, e.position - 1)) : from;
    return new ExpressionSyntaxError(text, at, e.message ?? String(err), e.code);
  }
  return new ExpressionSyntaxError(text, dollar, 'a "${" is never closed with "}"', NEVER_CLOSED);
}
