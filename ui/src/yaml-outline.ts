/**
 * Where a place in a YAML text is, read from its lines' indentation — enough for editor help
 * while the text is being typed (and so often not valid YAML): the path of keys and list items
 * down to the mapping at that place, the keys that mapping already has, and what is typed there.
 * Block style, as definitions are written, and one level of `{ … }` on a line.
 */

export type Segment = string | number;

interface Line {
  /** Columns of the "- " list item marks at the start of the line. */
  dashes: number[];
  /** Column where the content after the marks starts. */
  col: number;
  key?: string;
  value?: string;
}

const KEY = /^([A-Za-z0-9_$][A-Za-z0-9_.$ -]*?):(?:\s+(.*))?$/;

function parseLine(text: string): Line | undefined {
  let col = text.search(/\S/);
  if (col < 0 || text[col] === '#') return undefined;
  const dashes: number[] = [];
  while (text[col] === '-' && (text[col + 1] === ' ' || col + 1 === text.length)) {
    dashes.push(col);
    const next = text.slice(col + 1).search(/\S/);
    col = next < 0 ? text.length + 1 : col + 1 + next;
  }
  const rest = text.slice(col).replace(/\s+#.*$/, '');
  const m = KEY.exec(rest.trimEnd());
  return m ? { dashes, col, key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}) } : { dashes, col };
}

export class YamlOutline {
  private readonly lines: (Line | undefined)[];

  constructor(readonly text: string) {
    this.lines = text.split('\n').map(parseLine);
  }

  /**
   * The path to the mapping whose keys sit at column `col` of line `i` (a key there, or one being
   * typed there), and the place (line, column) of each segment's entry, from the top.
   */
  pathTo(i: number, col: number): { path: Segment[]; at: { line: number; col: number }[] } {
    const path: Segment[] = [];
    const at: { line: number; col: number }[] = [];
    let c = col;
    /** Just entered a list item: its list may sit at the column of its key ("steps:" then "- …"). */
    let inList = false;
    const items = (j: number, dashes: number[]): void => {
      for (const d of [...dashes].reverse()) {
        if (d >= c) continue;
        path.unshift(this.itemIndex(j, d));
        at.unshift({ line: j, col: d + 2 });
        c = d;
        inList = true;
      }
    };
    items(i, this.lines[i]?.dashes ?? this.dashesTyped(i));
    for (let j = i - 1; j >= 0 && (c > 0 || inList); j -= 1) {
      const line = this.lines[j];
      if (!line || startOf(line) > c || (startOf(line) === c && !inList)) continue;
      if (inList && line.dashes.includes(c)) continue;
      if (line.key !== undefined && line.value === undefined && (line.col < c || (inList && line.col === c))) {
        path.unshift(line.key);
        at.unshift({ line: j, col: line.col });
        c = line.col;
        inList = false;
        items(j, line.dashes);
      } else if (line.key === undefined || line.col >= c) {
        inList = false;
        items(j, line.dashes);
      } else break;
    }
    return { path, at };
  }

  /** Dashes on a line that holds only them (an item just begun). */
  private dashesTyped(i: number): number[] {
    const text = this.text.split('\n')[i] ?? '';
    const marks = /^(\s*(?:-\s+)*-?)/.exec(text)?.[1] ?? '';
    return [...marks.matchAll(/-/g)].map((m) => m.index);
  }

  /** Which item of its list the item marked at column `d` of line `j` is, from 0. */
  private itemIndex(j: number, d: number): number {
    let index = 0;
    for (let k = j - 1; k >= 0; k -= 1) {
      const line = this.lines[k];
      if (!line || startOf(line) > d) continue;
      if (!line.dashes.includes(d)) break;
      index += 1;
    }
    return index;
  }

  /** The keys and values of the mapping whose keys sit at column `col` around line `i`. */
  entries(i: number, col: number): Map<string, string | undefined> {
    let first = i;
    for (let k = i; k >= 0; k -= 1) {
      const line = this.lines[k];
      if (!line) continue;
      if (startOf(line) < col) {
        // "- key: value": the mark of its list item starts the mapping; else the line above it does.
        if (line.col === col) first = k;
        break;
      }
      first = k;
    }
    const found = new Map<string, string | undefined>();
    for (let k = first; k < this.lines.length; k += 1) {
      const line = this.lines[k];
      if (!line) continue;
      if (k > first && startOf(line) < col) break;
      if (line.col === col && line.key !== undefined) found.set(line.key, line.value);
    }
    return found;
  }

  /** The values of `key` in the items of the list marked at column `d` around line `i` (the names of a list's steps). */
  itemValues(i: number, d: number, key: string): string[] {
    const inList = (line: Line): boolean => startOf(line) > d || line.dashes.includes(d);
    let first = i;
    for (let k = i; k >= 0; k -= 1) {
      const line = this.lines[k];
      if (!line) continue;
      if (!inList(line)) break;
      first = k;
    }
    const values: string[] = [];
    for (let k = first; k < this.lines.length; k += 1) {
      const line = this.lines[k];
      if (!line) continue;
      if (!inList(line)) break;
      if (line.dashes.at(-1) !== d) continue;
      const value = this.entries(k, d + 2).get(key);
      if (value) values.push(unquote(value));
    }
    return values;
  }
}

function startOf(line: Line): number {
  return Math.min(line.col, ...line.dashes);
}

export function unquote(value: string): string {
  const v = value.trim();
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}

/** What is being typed at an offset of the text: a key (in block or `{ }` style), or the value of a key. */
export interface Place {
  kind: 'key' | 'value';
  /** The mapping the key is in, or whose key the value is of. */
  path: Segment[];
  /** The entries (line, column) of each path segment, for looking at their siblings. */
  at: { line: number; col: number }[];
  line: number;
  /** Column where keys of that mapping sit (block style), or undefined in `{ }` style. */
  col?: number;
  key?: string;
  /** The word typed so far, and where it starts (offset in the text). */
  prefix: string;
  from: number;
}

export function placeAt(outline: YamlOutline, offset: number): Place | undefined {
  const text = outline.text;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(0, lineStart).split('\n').length - 1;
  const before = text.slice(lineStart, offset);
  if (/#/.test(before.replace(/"[^"]*"|'[^']*'/g, ''))) return undefined;
  // In `key: { a: 1, b|` the key is typed inside a flow mapping, the value of `key`.
  const flow = /^(\s*(?:-\s+)*)([A-Za-z0-9_$][\w.$-]*):\s*\{((?:[^{}]*,)?)\s*([\w$-]*)$/.exec(before);
  if (flow) {
    const col = flow[1]!.length;
    const { path, at } = outline.pathTo(line, col);
    return { kind: 'key', path: [...path, flow[2]!], at: [...at, { line, col }], line, prefix: flow[4]!, from: offset - flow[4]!.length };
  }
  const key = /^(\s*(?:-\s+)*)([\w$-]*)$/.exec(before);
  if (key) {
    const col = key[1]!.length;
    const { path, at } = outline.pathTo(line, col);
    return { kind: 'key', path, at, line, col, prefix: key[2]!, from: offset - key[2]!.length };
  }
  const value = /^(\s*(?:-\s+)*)([A-Za-z0-9_$][\w.$ -]*?):\s+(["']?)([\w.$ -]*)$/.exec(before);
  if (value && !value[4]!.includes(' ')) {
    const col = value[1]!.length;
    const { path, at } = outline.pathTo(line, col);
    return { kind: 'value', path, at, line, col, key: value[2]!, prefix: value[4]!, from: offset - value[4]!.length };
  }
  return undefined;
}

/** The key at an offset — on the key itself, or anywhere on its line with `line` (for the caret): its mapping's path and its name. */
export function keyAt(outline: YamlOutline, offset: number, onLine = false): { path: Segment[]; at: { line: number; col: number }[]; line: number; col: number; key: string } | undefined {
  const text = outline.text;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset) < 0 ? text.length : text.indexOf('\n', offset);
  const lineText = text.slice(lineStart, lineEnd);
  const line = text.slice(0, lineStart).split('\n').length - 1;
  const m = /^(\s*(?:-\s+)*)([A-Za-z0-9_$][\w.$ -]*?):(?=\s|$)/.exec(lineText);
  const column = offset - lineStart;
  if (!m || column < m[1]!.length || (!onLine && column > m[0].length)) return undefined;
  const col = m[1]!.length;
  return { ...outline.pathTo(line, col), line, col, key: m[2]! };
}
