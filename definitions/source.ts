/**
 * Definition text (YAML, or JSON, which YAML reads the same way) → plain JSON, keeping the source
 * position of every node so that problems found later can be reported at `line:column`.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node, Pair, Scalar } from 'yaml';
import type { Problem } from './model.js';
import { about, ownerOf, quote } from './messages.js';
import type { Path } from './messages.js';
import { blockDepth, bracketDepth } from './nesting.js';

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface ParsedSource {
  /**
   * The parsed value; absent when the text is not valid YAML, or holds a number JSON cannot
   * (out of range, `.inf`, `.nan`: each would be stored as null).
   */
  value?: unknown;
  /** Syntax errors and duplicate keys. */
  problems: Problem[];
  /**
   * Where the node at `path` starts. `prefer: 'key'` points at the key of the last path element
   * (reads better for an unknown field). A path that goes past the parsed nodes falls back to
   * the deepest node found; a missing value falls back to its key.
   */
  locate(path: Path, prefer?: 'key' | 'value'): Position;
  /**
   * Where character `index` of the string at `path` is in the text; the string's start when the
   * way it is written (escapes, folding) makes the exact place uncertain.
   */
  locateInString(path: Path, index: number): Position;
}

/** Deeper than any real definition; past it the text is refused before the YAML parser sees it. */
export const MAX_DEFINITION_NESTING = 64;

/**
 * How large a definition may be with its aliases (`*name`) written out, bytes: the default limit
 * of a definition's text, so that aliases cannot make one larger than a text may be.
 */
export const MAX_EXPANDED_DEFINITION_BYTES = 1024 * 1024;

export function parseSource(text: string, file: string): ParsedSource {
  const depth = Math.max(bracketDepth(text), blockDepth(text));
  if (depth > MAX_DEFINITION_NESTING) {
    const message = `the text nests ${depth} levels deep, more than the ${MAX_DEFINITION_NESTING} a definition may; flatten it, or move parts into child workflows`;
    const start = (): Position => ({ line: 1, column: 1 });
    return { problems: [{ file, line: 1, column: 1, message }], locate: start, locateInString: start };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = (path: Path, prefer: 'key' | 'value' = 'value'): Position =>
    position(findOffset(doc, path, prefer));
  const locateInString = (path: Path, index: number): Position => position(stringOffset(text, doc, path, index));
  if (doc.errors.length > 0) {
    const json = file.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
    return { problems: syntaxProblems(text, file, doc, position, json), locate, locateInString };
  }
  const amplified = aliasProblem(text, doc);
  if (amplified) {
    const { line, column } = position(amplified.offset);
    return { problems: [{ file, line, column, message: amplified.message }], locate, locateInString };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch {
    // Aliases that expand without bound (a "billion laughs"): refuse instead of expanding.
    const message = 'this YAML repeats its aliases (*name) too many times; write the values out instead';
    return { problems: [{ file, line: 1, column: 1, message }], locate, locateInString };
  }
  const problem = (path: Path, at: Position, message: string): Problem => {
    const owner = ownerOf(value, path);
    return { file, ...at, message: about(owner, message), ...(owner.step === undefined ? {} : { step: owner.step }) };
  };
  const problems = duplicateKeys(doc.contents).map(({ path, first }) =>
    problem(path, locate(path, 'key'), `is written twice (first on line ${position(first).line}); keep only one`),
  );
  const numbers = unrepresentableNumbers(doc.contents).map(({ path, node }) => problem(path, position(node.range?.[0] ?? 0), numberAdvice(node)));
  // Not handed on: the checks after this one would see Infinity or NaN where the author wrote a number.
  if (numbers.length > 0) return { problems: [...problems, ...numbers], locate, locateInString };
  return { value, problems, locate, locateInString };
}

/**
 * Aliases that would make the definition larger than MAX_EXPANDED_DEFINITION_BYTES written out,
 * or that sit inside the value they repeat (which never ends): where the first alias past the
 * limit is, and why. Measured on the syntax tree, from the text each anchored value takes, so a
 * text that would expand to gigabytes is refused without being expanded.
 */
function aliasProblem(text: string, doc: Document): { offset: number; message: string } | undefined {
  const aliases: Alias[] = [];
  const targets = new Map<Alias, Node>();
  const anchors = new Map<string, Node>();
  // Visiting in document order, as YAML resolves an alias: to the last anchor of its name before it.
  visit(doc, {
    Node: (_, node) => {
      if (isAlias(node)) {
        aliases.push(node);
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  if (aliases.length === 0) return undefined;
  const textBytes = (node: Node): number => (node.range ? Buffer.byteLength(text.slice(node.range[0], node.range[1])) : 0);
  const sizes = new Map<Node, number>();
  const measuring = new Set<Node>();
  /** The bytes `target` takes written out, its own aliases written out too; Infinity when it holds itself. */
  const size = (target: Node): number => {
    const known = sizes.get(target);
    if (known !== undefined) return known;
    if (measuring.has(target)) return Infinity;
    measuring.add(target);
    let bytes = textBytes(target);
    visit(target, { Alias: (_, alias) => void (bytes += growth(alias)) });
    measuring.delete(target);
    sizes.set(target, bytes);
    return bytes;
  };
  const growth = (alias: Alias): number => {
    const target = targets.get(alias);
    return target === undefined ? 0 : size(target) - textBytes(alias);
  };
  let total = Buffer.byteLength(text);
  let first: Alias | undefined;
  for (const alias of aliases) {
    total += growth(alias);
    if (first === undefined && total > MAX_EXPANDED_DEFINITION_BYTES) first = alias;
  }
  if (first === undefined) return undefined;
  const offset = first.range?.[0] ?? 0;
  if (total === Infinity) {
    const cycle = aliases.find((alias) => growth(alias) === Infinity) ?? first;
    return {
      offset: cycle.range?.[0] ?? offset,
      message: `*${cycle.source} repeats a value it is itself part of, so written out it would never end; write the value out instead`,
    };
  }
  const mib = (bytes: number): string => `${Number((bytes / 2 ** 20).toFixed(1))} MiB`;
  return {
    offset,
    message: `*${first.source} here makes the definition larger than the ${mib(MAX_EXPANDED_DEFINITION_BYTES)} it may be with its aliases written out (it would be ${mib(total)}); repeat large values less, or pass them in the start input`,
  };
}

function findOffset(doc: Document, path: Path, prefer: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i += 1) {
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = findPair(node.items, seg);
      if (pair === undefined) return offset;
      const keyOffset = rangeStart(pair.key) ?? offset;
      const valueOffset = rangeStart(pair.value);
      const last = i === path.length - 1;
      if ((last && prefer === 'key') || valueOffset === undefined || isEmptyScalar(pair.value)) return keyOffset;
      node = pair.value;
      offset = valueOffset;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** The last pair with that key: with duplicate keys, the last one is the value that counts. */
function findPair(items: readonly unknown[], key: string | number): Pair | undefined {
  for (let i = items.length - 1; i >= 0; i -= 1) {
    const pair = items[i];
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(key)) return pair;
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return (node as Node).range?.[0];
  return undefined;
}

/** `key:` with nothing after it: YAML puts an empty scalar at the end of the line. */
function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.source === '';
}

function nodeAt(doc: Document, path: Path): unknown {
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isMap(node)) node = findPair(node.items, seg)?.value;
    else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
    else return undefined;
  }
  return node;
}

function stringOffset(text: string, doc: Document, path: Path, index: number): number {
  const node = nodeAt(doc, path);
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return findOffset(doc, path, 'value');
  return exactOffset(text, node as Scalar<string>, index) ?? node.range[0];
}

/**
 * Maps a character of a scalar's value back to the text, for the ways of writing a string where
 * that mapping is one to one: plain and quoted strings without escapes, and literal blocks (`|`).
 * The candidate is checked against the text, so a wrong guess falls back to the string's start.
 */
function exactOffset(text: string, node: Scalar<string>, index: number): number | undefined {
  const [start, end] = node.range!;
  const value = node.value;
  const char = value.slice(index, index + 1);
  if (node.type === 'PLAIN' || node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    const open = node.type === 'PLAIN' ? 0 : 1;
    const body = text.slice(start + open, end - open);
    return body === value ? start + open + index : undefined;
  }
  if (node.type !== 'BLOCK_LITERAL') return undefined;
  const before = value.slice(0, index);
  const lineInValue = before.split('\n').length - 1;
  const column = index - (before.lastIndexOf('\n') + 1);
  const lines = text.slice(start, end).split('\n');
  const sourceLine = lines[lineInValue + 1];
  if (sourceLine === undefined) return undefined;
  const valueLine = value.split('\n')[lineInValue] ?? '';
  // The block's indentation is what the source line has in front of the value's line.
  const indent = sourceLine.length - valueLine.length;
  if (indent < 0 || sourceLine.slice(indent) !== valueLine || sourceLine.slice(0, indent).trim() !== '') return undefined;
  if (sourceLine[indent + column] !== char) return undefined;
  const lineStart = start + lines.slice(0, lineInValue + 1).reduce((n, l) => n + l.length + 1, 0);
  return lineStart + indent + column;
}

interface Duplicate {
  path: Path;
  /** Offset of the first occurrence of the key. */
  first: number;
}

/** In the order of the text. */
function duplicateKeys(root: unknown): Duplicate[] {
  const found: (Duplicate & { at: number })[] = [];
  eachNode(root, [], (node, path) => {
    if (!isMap(node)) return;
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const at = pair.key.range?.[0] ?? 0;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, at);
      else found.push({ path: [...path, key], first, at });
    }
  });
  return found.sort((a, b) => a.at - b.at);
}

/** Numbers YAML reads as Infinity or NaN (`1e400`, `.inf`, `.nan`), which JSON has no way to hold. */
function unrepresentableNumbers(root: unknown): { path: Path; node: Scalar }[] {
  const found: { path: Path; node: Scalar }[] = [];
  eachNode(root, [], (node, path) => {
    if (isScalar(node) && typeof node.value === 'number' && !Number.isFinite(node.value)) found.push({ path, node });
  });
  return found;
}

const SHOWN_NUMBER_LENGTH = 40;

function numberAdvice(node: Scalar): string {
  const source = node.source ?? String(node.value);
  const written = source.length > SHOWN_NUMBER_LENGTH ? `${source.slice(0, SHOWN_NUMBER_LENGTH)}…` : source;
  const why = Number.isNaN(node.value) ? 'which is not a number JSON can hold' : 'a number out of range';
  return `is ${written}, ${why}: write a number between -${Number.MAX_VALUE} and ${Number.MAX_VALUE}, or quote it to keep it as text`;
}

/** `visit` for `node` and every node inside it, with its path; aliases are not followed. */
function eachNode(node: unknown, path: Path, visitNode: (node: unknown, path: Path) => void): void {
  visitNode(node, path);
  if (isSeq(node)) node.items.forEach((item, i) => eachNode(item, [...path, i], visitNode));
  else if (isMap(node)) for (const pair of node.items) if (isScalar(pair.key)) eachNode(pair.value, [...path, String(pair.key.value)], visitNode);
}

/**
 * One problem per line with a syntax error: the parser's later errors on a line are mostly
 * consequences of the first.
 */
function syntaxProblems(
  text: string,
  file: string,
  doc: Document,
  position: (offset: number) => Position,
  json: boolean,
): Problem[] {
  const problems: Problem[] = [];
  const lines = new Set<number>();
  for (const error of doc.errors) {
    const { line, column } = position(error.pos[0]);
    if (lines.has(line)) continue;
    lines.add(line);
    const sourceLine = text.split('\n')[line - 1] ?? '';
    const message = json
      ? `this is not valid JSON: ${JSON_ADVICE}`
      : `this is not valid YAML: ${syntaxAdvice(error.code, error.message, sourceLine)}`;
    problems.push({ file, line, column, message });
  }
  return problems;
}

const JSON_ADVICE = 'check the commas between fields, the ":" after each field name, and that quotes and brackets are closed';

function syntaxAdvice(code: string, message: string, sourceLine: string): string {
  if (sourceLine.includes('${') && /[{[]/.test(sourceLine.replace(/\$\{/g, '')) && !/["']\$\{/.test(sourceLine)) {
    return `text holding \${ } inside { } or [ ] must be quoted, like ${quote('${ orderId }')}`;
  }
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'a tab is used to indent this line; indent with spaces';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a field here has no ":" after its name (write it like type: task), or the indentation is off';
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one document (a second "---"); keep one workflow per file';
    case 'BAD_DQ_ESCAPE':
      return 'a "\\" in double quotes starts an escape that does not exist; write "\\\\" for a backslash, or use single quotes';
    case 'BAD_ALIAS':
      return 'an alias (*name) refers to an anchor (&name) that is not defined before it';
    default:
      return plainSyntaxMessage(message);
  }
}

function plainSyntaxMessage(message: string): string {
  if (/^Missing closing "?quote/.test(message)) return 'a quoted text is never closed; add the closing quote';
  const unclosed = /must be sufficiently indented and end with a ([}\]])/.exec(message);
  if (unclosed) return `a "${unclosed[1] === '}' ? '{' : '['}" is never closed with "${unclosed[1]}"`;
  if (/must start at the same column|without - indicator|indent/i.test(message)) {
    return 'the indentation is off here: fields of one step, and items of one list, must start at the same column';
  }
  const token = /^Unexpected .* in YAML stream: "(.*)"$/.exec(message)?.[1];
  if (token !== undefined) return `${quote(token)} is out of place here`;
  return 'the text here cannot be read; check the indentation, the ":" after each field name, the commas, and that quotes and brackets are closed';
}
