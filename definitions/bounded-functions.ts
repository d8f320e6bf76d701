/**
 * JSONata's built-in functions that can build without bound, or work for long in one call that the
 * evaluation's guard cannot interrupt, replaced (through the library's own `registerFunction`) by
 * versions that check first, then call the library's own function:
 * - the size of what they would build (`$pad`, `$join`, `$string`, `$replace`, `$split`, `$match`,
 *   a picture's width in `$fromMillis`, `$now`, `$formatInteger`), refused past `maxValueSize`;
 * - `$length`, which counts characters without making a list of them (the library makes one);
 * - the work of calls the guard cannot interrupt (`$sort` and `$distinct` of lists, a regular
 *   expression over a text, `$string`, `$merge`, `$clone`, `$spread`, `$each` and `$sift` of
 *   data), counted before it is done: on the engine's thread, past the slice, the evaluation
 *   moves to the isolate (those that only read run on the data itself, not through its view);
 * - `$eval`, whose regular expressions get the same check as those written in a definition;
 * - `$now()` and `$millis()`, which give the transition's time, so evaluation stays deterministic.
 */
import jsonata from 'jsonata';
import { EvaluationGuard, GUARD, LimitBreach } from './expression-guard.js';
import { regexCost } from './regex-analysis.js';
import { slowRegexMessage } from './messages.js';
import { shownBy } from './data-view.js';

interface Focus {
  environment: { lookup(name: string): unknown };
}
type Implementation = (this: Focus, ...args: never[]) => unknown;
interface LibraryFunction {
  implementation: (this: Focus, ...args: unknown[]) => unknown;
}

/** The name the transition's time (epoch ms) is bound under; unwritable in an expression. */
export const NOW_MS = ' now-ms';

const NAMES = ['pad', 'join', 'string', 'replace', 'split', 'match', 'contains', 'sort', 'distinct', 'merge', 'clone', 'keys', 'spread', 'each', 'sift', 'eval', 'fromMillis', 'formatInteger'] as const;
type Name = (typeof NAMES)[number];
let library: Promise<Record<Name, LibraryFunction>> | undefined;

/** The library's own functions, read once from an evaluation (it exports them no other way). */
function original(name: Name): Promise<LibraryFunction> {
  library ??= jsonata(`{${NAMES.map((n) => `"${n}": $${n}`).join(', ')}}`).evaluate({}) as Promise<Record<Name, LibraryFunction>>;
  return library.then((fns) => fns[name]);
}

async function call(self: Focus, name: Name, args: unknown[]): Promise<unknown> {
  return (await original(name)).implementation.apply(self, args);
}

function guardOf(self: Focus): EvaluationGuard {
  return self.environment.lookup(GUARD) as EvaluationGuard;
}

/** Each replacement with the library's signature for the name (jsonata 2.2.2's, as its functions.js has them). */
const BOUNDED: Record<string, [Implementation, string]> = {
  pad: [
    function (this: Focus, str: string | undefined, width: number, char?: string) {
      if (str !== undefined) guardOf(this).build('$pad', Math.abs(Math.trunc(width)) * Math.max(1, char?.length ?? 1), 'text');
      return call(this, 'pad', [str, width, char]);
    },
    '<s-ns?:s>',
  ],
  join: [
    function (this: Focus, strs: string[] | undefined, separator?: string) {
      if (strs !== undefined) {
        let size = Math.max(0, strs.length - 1) * (separator?.length ?? 0);
        for (const s of strs) size += s.length;
        guardOf(this).build('$join', size, 'text');
      }
      return call(this, 'join', [strs, separator]);
    },
    '<a<s>s?:s>',
  ],
  string: [
    function (this: Focus, arg: unknown, prettify = false) {
      if (arg !== undefined && typeof arg !== 'string') {
        const guard = guardOf(this);
        guard.build('$string', guard.measure('$string', arg, prettify), 'text');
      }
      // Written out from the data itself: only reads, and far faster than through the view.
      return call(this, 'string', [shownBy(arg), prettify]);
    },
    '<x-b?:s>',
  ],
  length: [
    function (str: string | undefined) {
      return str === undefined ? undefined : codePoints(str);
    },
    '<s-:n>',
  ],
  replace: [
    async function (this: Focus, str: string | undefined, pattern: unknown, replacement: unknown, limit?: number) {
      if (str === undefined) return undefined;
      const guard = guardOf(this);
      if (typeof pattern === 'function') guard.match('$replace', str);
      let replacer = replacement;
      if (typeof replacement === 'string') {
        // Matches do not overlap, so all the `$n` of all replacements copy at most the text once each.
        const refs = replacement.split('$').length - 1;
        const matches = Math.min(limit ?? Infinity, str.length + 1);
        guard.build('$replace', str.length + matches * replacement.length + refs * str.length, 'text');
      } else if (typeof replacement === 'function') {
        let built = str.length;
        replacer = async (...args: unknown[]) => {
          const piece = await (replacement as (...a: unknown[]) => unknown)(...args);
          built += typeof piece === 'string' ? piece.length : 0;
          guard.build('$replace', built, 'text');
          return piece;
        };
      }
      return call(this, 'replace', [str, pattern, replacer, limit]);
    },
    '<s-(sf)(sf)n?:s>',
  ],
  split: [
    function (this: Focus, str: string | undefined, separator: unknown, limit?: number) {
      if (str !== undefined) {
        const guard = guardOf(this);
        if (typeof separator === 'function') guard.match('$split', str);
        if (separator === '') guard.build('$split', Math.min(limit ?? Infinity, str.length), 'list');
      }
      return call(this, 'split', [str, separator, limit]);
    },
    '<s-(sf)n?:a<s>>',
  ],
  match: [
    async function (this: Focus, str: string | undefined, regex: unknown, limit?: number) {
      if (str === undefined) return undefined;
      const guard = guardOf(this);
      if (typeof regex === 'function') guard.match('$match', str);
      // Each match is an object of some 40 characters: ask the library for one more than fit.
      const fit = Math.floor(guard.limits.maxValueSize / 40);
      const result = (await call(this, 'match', [str, regex, Math.min(limit ?? Infinity, fit + 1)])) as unknown[];
      if (result.length > fit) guard.build('$match', str.length, 'list');
      return result;
    },
    '<s-f<s:o>n?:a<o>>',
  ],
  contains: [
    function (this: Focus, str: string | undefined, pattern: unknown) {
      if (str !== undefined && typeof pattern === 'function') guardOf(this).match('$contains', str);
      return call(this, 'contains', [str, pattern]);
    },
    '<s-(sf):b>',
  ],
  sort: [
    function (this: Focus, arr: unknown[] | undefined, comparator?: unknown) {
      // The library's merge copies its lists at every step: n² work, interrupted only by a comparator of the expression's own.
      if (arr !== undefined && comparator === undefined) guardOf(this).work('$sort', arr.length * arr.length);
      return call(this, 'sort', [arr, comparator]);
    },
    '<af?:a>',
  ],
  distinct: [
    function (this: Focus, arr: unknown) {
      if (Array.isArray(arr)) guardOf(this).work('$distinct', arr.length * arr.length);
      return call(this, 'distinct', [arr]);
    },
    '<x:x>',
  ],
  merge: [
    function (this: Focus, objects: unknown[] | undefined) {
      if (objects === undefined) return undefined;
      const guard = guardOf(this);
      guard.measure('$merge', objects);
      // Merged from the data itself (far faster than through views), and seen through a view again.
      return call(this, 'merge', [objects.map(shownBy)]).then((merged) => guard.view(merged));
    },
    '<a<o>:o>',
  ],
  clone: [
    function (this: Focus, value: unknown) {
      // The library copies through the JSON text of the value.
      if (value !== undefined) guardOf(this).build('$clone', guardOf(this).measure('$clone', value), 'text');
      return call(this, 'clone', [shownBy(value)]);
    },
    '<(oa)-:o>',
  ],
  keys: [
    function (this: Focus, value: unknown) {
      // Only names come out: read from the data itself, far faster than through views.
      return call(this, 'keys', [shownBy(value)]);
    },
    '<x-:a<s>>',
  ],
  spread: [
    function (this: Focus, value: unknown) {
      guardOf(this).keysOf('$spread', value);
      return call(this, 'spread', [value]);
    },
    '<x-:a<o>>',
  ],
  each: [
    function (this: Focus, value: unknown, fn: unknown) {
      guardOf(this).keysOf('$each', value);
      return call(this, 'each', [value, fn]);
    },
    '<o-f:a>',
  ],
  sift: [
    function (this: Focus, value: unknown, fn?: unknown) {
      guardOf(this).keysOf('$sift', value);
      return call(this, 'sift', [value, fn]);
    },
    '<o-f?:o>',
  ],
  eval: [
    function (this: Focus, expr: string | undefined, focus?: unknown) {
      if (expr !== undefined) checkEvalRegexes(guardOf(this), expr);
      return call(this, 'eval', [expr, focus]);
    },
    '<sx?:x>',
  ],
  fromMillis: [
    function (this: Focus, millis: number | undefined, picture?: string, timezone?: string) {
      if (picture !== undefined) guardOf(this).build('$fromMillis', pictureWidth(picture), 'text');
      return call(this, 'fromMillis', [millis, picture, timezone]);
    },
    '<n-s?s?:s>',
  ],
  formatInteger: [
    function (this: Focus, value: number | undefined, picture: string) {
      guardOf(this).build('$formatInteger', pictureWidth(`[${picture}]`), 'text');
      return call(this, 'formatInteger', [value, picture]);
    },
    '<n-s:s>',
  ],
  now: [
    function (this: Focus, picture?: string, timezone?: string) {
      const millis = this.environment.lookup(NOW_MS) as number;
      if (picture !== undefined) guardOf(this).build('$now', pictureWidth(picture), 'text');
      return call(this, 'fromMillis', [millis, picture, timezone]);
    },
    '<s?s?:s>',
  ],
  millis: [
    function (this: Focus) {
      return this.environment.lookup(NOW_MS);
    },
    '<:n>',
  ],
};

/** Replaces the unbounded built-ins of one compiled expression. */
export function registerBoundedFunctions(expression: jsonata.Expression): void {
  for (const [name, [implementation, signature]] of Object.entries(BOUNDED)) {
    expression.registerFunction(name, implementation as unknown as (this: jsonata.Focus, ...args: unknown[]) => unknown, signature);
  }
}

/** Code points, as the library counts them (a lone surrogate is one), without a list of them. */
function codePoints(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

/** The widest text a date or number picture asks for: its length, or a `,min-max` width in `[…]`. */
function pictureWidth(picture: string): number {
  let widest = picture.length;
  for (const m of picture.matchAll(/\[[^\]]*?,\s*(\d+|\*)?\s*(?:-\s*(\d+|\*))?\s*\]/g)) {
    for (const n of [m[1], m[2]]) if (n !== undefined && n !== '*') widest = Math.max(widest, Number(n) + picture.length);
  }
  return widest;
}

/** `$eval`'s text gets the check a definition's expressions get at registration. */
function checkEvalRegexes(guard: EvaluationGuard, source: string): void {
  let ast: unknown;
  try {
    ast = jsonata(source).ast();
  } catch {
    return; // the library's own $eval reports the syntax error
  }
  for (const { regex } of regexLiterals(ast)) {
    const cost = regexCost(regex.source, regex.flags.replace('g', ''));
    if (cost.exponential) throw new LimitBreach('SlowRegex', `$eval was given the regular expression ${literalOf(regex)}, which ${slowRegexMessage(cost.character)}`);
    guard.regexDegree = Math.max(guard.regexDegree, cost.degree);
  }
}

/** The regular expression literals of a JSONata AST, with the index just after each (JSONata's `position`). */
export function regexLiterals(ast: unknown): { regex: RegExp; position: number }[] {
  const found: { regex: RegExp; position: number }[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node) || node instanceof RegExp) return;
    seen.add(node);
    const n = node as { type?: unknown; value?: unknown; position?: unknown };
    if (n.type === 'regex' && n.value instanceof RegExp) found.push({ regex: n.value, position: typeof n.position === 'number' ? n.position : 0 });
    for (const child of Object.values(node)) visit(child);
  };
  visit(ast);
  return found;
}

/** A regex as written in JSONata: `/source/flags`, without the `g` the library adds. */
export function literalOf(regex: RegExp): string {
  return `/${regex.source}/${regex.flags.replace('g', '')}`;
}
