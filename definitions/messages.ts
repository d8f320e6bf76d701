/**
 * Wording shared by every validation check: who a problem is about (`step "charge"`), how a field
 * is named (`"next" of catch rule 1`), how a value is shown, and "did you mean" suggestions.
 * Messages are read by people who write YAML, not code: no JSON pointers, no schema jargon.
 */

/** A location in the parsed definition: object keys and array indexes, like ajv's instancePath split. */
export type Path = readonly (string | number)[];

/** A problem before it is positioned in the source text. */
export interface Finding {
  path: Path;
  message: string;
  /** Point at the key of the last path element (unknown fields) instead of its value. */
  at?: 'key' | 'value';
  /** For a string value: the index of the faulty character inside it. */
  index?: number;
  step?: string;
}

/** Who a path is about: the innermost step holding it (or the workflow), and the path below it. */
export interface Owner {
  /** `step "charge"`, `step number 3`, or '' for the workflow itself. */
  subject: string;
  step?: string;
  /** The step object (or the whole definition) the path starts from. */
  node: unknown;
  /** The path below the step (or below the root). */
  rel: Path;
}

export function ownerOf(root: unknown, path: Path): Owner {
  let owner: Owner = { subject: '', node: root, rel: [] };
  let start = 0;
  for (let i = 0; i < path.length; i += 1) {
    const seg = path[i];
    const rel = path.slice(start, i);
    if (typeof seg === 'number' && isStepList(rel, start === 0)) {
      const node = valueAt(root, path.slice(0, i + 1));
      const name = isRecord(node) && typeof node.name === 'string' && node.name !== '' ? node.name : undefined;
      const subject = name === undefined ? `step number ${seg + 1}` : `step "${name}"`;
      owner = { subject, node, rel: [], ...(name === undefined ? {} : { step: name }) };
      start = i + 1;
    }
  }
  return { ...owner, rel: path.slice(start) };
}

/** Lists of steps: the workflow's `steps`, a map step's `steps`, a parallel branch's `steps`. */
function isStepList(rel: Path, atRoot: boolean): boolean {
  if (rel.length === 1) return rel[0] === 'steps';
  return !atRoot && rel.length === 3 && rel[0] === 'branches' && typeof rel[1] === 'number' && rel[2] === 'steps';
}

export function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isRecord(node) && typeof seg === 'string') node = node[seg];
    else return undefined;
  }
  return node;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names a field below a step or the root: `"retry.maxAttempts"`, `"next" of catch rule 1`. */
export function fieldLabel(node: unknown, rel: Path): string {
  const parts: string[] = [];
  let run: string[] = [];
  rel.forEach((seg, i) => {
    if (typeof seg === 'string') {
      run.push(seg);
      return;
    }
    const list = run.pop() ?? '';
    const item = ITEM_NOUNS[list];
    if (item === undefined) {
      parts.push(`entry ${seg + 1} of ${quote([...run, list].join('.'))}`);
    } else {
      if (run.length > 0) parts.push(quote(run.join('.')));
      parts.push(itemName(item, valueAt(node, rel.slice(0, i + 1)), seg));
    }
    run = [];
  });
  if (run.length > 0) parts.push(quote(run.join('.')));
  return parts.reverse().join(' of ');
}

const ITEM_NOUNS: Record<string, string> = {
  catch: 'catch rule',
  choices: 'choice',
  branches: 'branch',
  schedules: 'schedule',
  triggers: 'trigger',
  errors: 'error name',
  steps: 'step number',
};

function itemName(noun: string, value: unknown, index: number): string {
  if (noun === 'branch' && isRecord(value) && typeof value.name === 'string' && value.name !== '') {
    return `branch "${value.name}"`;
  }
  return `${noun} ${index + 1}`;
}

/**
 * A sentence about the thing at `path`: `step "x": "timeout" is …`, or `step "x" is …` when the
 * path is the step itself, or `the workflow is …` at the root.
 */
export function about(owner: Owner, rest: string): string {
  if (owner.rel.length === 0) return `${owner.subject || 'the workflow'} ${rest}`;
  return `${prefix(owner)}${fieldLabel(owner.node, owner.rel)} ${rest}`;
}

/** `step "x": ` or '' for the workflow itself. */
export function prefix(owner: Owner): string {
  return owner.subject ? `${owner.subject}: ` : '';
}

export function quote(text: string): string {
  return `"${text}"`;
}

const SHOWN_LENGTH = 40;

/** A value as shown inside a message: short, never a whole payload. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') return quote(value.length > SHOWN_LENGTH ? `${value.slice(0, SHOWN_LENGTH)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map of fields';
  return String(value);
}

/** The closest candidate to `word`, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(word.length * 0.45)));
  return bestDistance <= allowed && best !== word ? best : undefined;
}

/** ` (did you mean "retry"?)` or ''. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i += 1) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** `a, b or c`. */
export function listWords(words: readonly string[], last = 'or'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

/** The first sentence of a schema description, made to follow a colon: "the task type …". */
export function hint(description: string | undefined): string {
  if (!description) return '';
  const first = /^(.*?[^.])\.(?:\s|$)/.exec(description)?.[1] ?? description.replace(/\.$/, '');
  // Keep acronyms like "JSON" or "ISO" as they are.
  return /^[A-Z]{2}/.test(first) ? first : first.charAt(0).toLowerCase() + first.slice(1);
}

export const DURATION_ADVICE = 'write it like 30s, 5m, 2h, 3d or PT5M';

/**
 * Said of a regular expression (a JSONata regex, an input schema's pattern) that can take
 * exponential time (definitions/regex-analysis.ts), with the character whose repetition shows it.
 */
export function slowRegexMessage(character: string | undefined): string {
  const text = character === undefined || character === '' ? 'some texts' : `a long run of ${JSON.stringify(character)} followed by a character it does not expect`;
  return (
    `can take exponential time on ${text}: inside a repetition, the same text can be matched in more than one way ` +
    '(as in (a+)+ or (a|ab|b)*); make each repeated part match a given text one way only, e.g. (a+)+ as a+, (a|ab|b)* as [ab]*'
  );
}
