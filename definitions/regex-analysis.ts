/**
 * How long a backtracking matcher (V8's, which runs JSONata regexes and input-schema patterns) can
 * take on a regular expression, found from its structure (parsed by regexpp).
 *
 * Exponential time comes from ambiguity inside a repetition: a piece of text that the loop can
 * match in two different ways, so n repetitions can be matched in 2^n ways, all tried before a
 * match fails (`(a+)+`, `(a|a)*`, `([a-z]|a)*`, `(\w|\d)+`). That is checked exactly on the
 * regex's position automaton (Glushkov): it is exponentially ambiguous when, in the automaton of
 * pairs of positions reading the same characters, a loop through a position paired with itself also
 * passes a pair of two different positions. A loop whose every position can end the match at once
 * cannot be made to fail, and so is not counted (`(a|a)*` at the end of a pattern is fast).
 *
 * Polynomial time (`\d+\d+x`, or `\d+F` tried at every start) is not refused: it is what most
 * useful patterns can do. Its degree is at most one more than the number of unbounded repetitions,
 * which gives what a match costs the evaluation's guard (see `degree`).
 */
import { RegExpParser, type AST } from '@eslint-community/regexpp';

export interface RegexCost {
  /** Some input makes the matcher take time exponential in its length. */
  exponential: boolean;
  /** A character that, repeated, leads into that exponential search (for messages). */
  character?: string;
  /**
   * The matcher takes up to about n ** degree steps on a text of n characters (0 when the pattern
   * has no unbounded repetition, Infinity when it is exponential).
   */
  degree: number;
}

/** A bounded repetition above this count is analysed as unbounded (`(a|a){50}` is 2^50 ways). */
const UNROLL_LIMIT = 10;
/** Positions beyond which a pattern is not analysed further (and counted as exponential). */
const MAX_POSITIONS = 600;
/** Pair transitions examined at most, so the analysis itself stays quick. */
const MAX_PAIR_STEPS = 2_000_000;

const cache = new Map<string, RegexCost>();
const CACHE_SIZE = 1_000;

/** The cost of matching `source` with `flags` (JS syntax; `u`, `v` and `i` are read). Throws SyntaxError. */
export function regexCost(source: string, flags: string): RegexCost {
  const key = `${flags}/${source}`;
  const known = cache.get(key);
  if (known) return known;
  const pattern = new RegExpParser().parsePattern(source, 0, source.length, { unicode: flags.includes('u'), unicodeSets: flags.includes('v') });
  const cost = analyse(pattern, flags.includes('i'), flags.includes('m'));
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, cost);
  return cost;
}

function analyse(pattern: AST.Pattern, ignoreCase: boolean, multiline: boolean): RegexCost {
  // Lookarounds are matched by their own backtracking: each is analysed as a pattern of its own.
  const subpatterns: AST.Alternative[][] = [pattern.alternatives];
  let exponential: string | null = null;
  for (let i = 0; i < subpatterns.length && exponential === null; i += 1) {
    const automaton = new PositionAutomaton(ignoreCase, (alts) => subpatterns.push(alts));
    try {
      exponential = automaton.exponentialCharacter(automaton.build(subpatterns[i]!).freeLast);
    } catch (err) {
      if (err !== TOO_COMPLEX) throw err;
      // Too large to analyse within bounds: refused rather than trusted.
      exponential = '';
    }
  }
  const loops = countUnbounded(pattern);
  const degree = loops === 0 ? 0 : loops + (anchoredAtStart(pattern, multiline) ? 0 : 1);
  return {
    exponential: exponential != null,
    ...(exponential ? { character: exponential } : {}),
    degree: exponential != null ? Infinity : degree,
  };
}

/** Character ranges [from, to], inclusive, sorted and disjoint. */
type Ranges = readonly (readonly [number, number])[];
const ALL: Ranges = [[0, 0x10ffff]];
const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: Ranges = [[0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]];

function normalise(ranges: (readonly [number, number])[]): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = out[out.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

function complement(ranges: Ranges): Ranges {
  const out: [number, number][] = [];
  let next = 0;
  for (const [from, to] of ranges) {
    if (from > next) out.push([next, from - 1]);
    next = to + 1;
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function intersects(a: Ranges, b: Ranges): number | null {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i]![0], b[j]![0]);
    if (from <= Math.min(a[i]![1], b[j]![1])) return from;
    if (a[i]![1] < b[j]![1]) i += 1;
    else j += 1;
  }
  return null;
}

function withCase(code: number): (readonly [number, number])[] {
  const c = String.fromCodePoint(code);
  return [c, c.toLowerCase(), c.toUpperCase()].filter((s) => [...s].length === 1).map((s) => [s.codePointAt(0)!, s.codePointAt(0)!] as const);
}

/** What a piece of the pattern contributes to the automaton (Glushkov's first/last/nullable). */
interface Fragment {
  nullable: boolean;
  first: number[];
  last: number[];
  /** Matches the empty text without passing an assertion (so it cannot make the match fail). */
  freeNullable: boolean;
  /** Positions of `last` after which the rest of the fragment can be skipped without an assertion. */
  freeLast: number[];
}

const EMPTY: Fragment = { nullable: true, first: [], last: [], freeNullable: true, freeLast: [] };
const ASSERTION: Fragment = { nullable: true, first: [], last: [], freeNullable: false, freeLast: [] };

class PositionAutomaton {
  private readonly sets: Ranges[] = [];
  /** Positions that may come next after each position, with the number of ways the pattern allows it. */
  private readonly follow: Map<number, number>[] = [];

  constructor(
    private readonly ignoreCase: boolean,
    private readonly lookaround: (alternatives: AST.Alternative[]) => void,
  ) {}

  build(alternatives: AST.Alternative[]): Fragment {
    return this.alternation(alternatives);
  }

  private position(set: Ranges): Fragment {
    if (this.sets.length >= MAX_POSITIONS) throw TOO_COMPLEX;
    const p = this.sets.length;
    this.sets.push(set);
    this.follow.push(new Map());
    return { nullable: false, first: [p], last: [p], freeNullable: false, freeLast: [p] };
  }

  private alternation(alternatives: readonly AST.Alternative[]): Fragment {
    const parts = alternatives.map((a) => this.sequence(a.elements));
    return {
      nullable: parts.some((p) => p.nullable),
      first: parts.flatMap((p) => p.first),
      last: parts.flatMap((p) => p.last),
      freeNullable: parts.some((p) => p.freeNullable),
      freeLast: parts.flatMap((p) => p.freeLast),
    };
  }

  private sequence(elements: readonly AST.Element[]): Fragment {
    return elements.map((e) => this.element(e)).reduce((a, b) => this.concat(a, b), EMPTY);
  }

  private link(from: readonly number[], to: readonly number[]): void {
    for (const p of from) for (const q of to) this.follow[p]!.set(q, (this.follow[p]!.get(q) ?? 0) + 1);
  }

  private concat(a: Fragment, b: Fragment): Fragment {
    this.link(a.last, b.first);
    return {
      nullable: a.nullable && b.nullable,
      first: a.nullable ? [...a.first, ...b.first] : a.first,
      last: b.nullable ? [...a.last, ...b.last] : b.last,
      freeNullable: a.freeNullable && b.freeNullable,
      freeLast: b.freeNullable ? [...a.freeLast, ...b.freeLast] : b.freeLast,
    };
  }

  private element(e: AST.Element): Fragment {
    switch (e.type) {
      case 'Character':
        return this.position(this.ignoreCase ? normalise(withCase(e.value)) : [[e.value, e.value]]);
      case 'CharacterSet':
        return this.position(characterSet(e));
      case 'CharacterClass':
      case 'ExpressionCharacterClass':
        return this.position(this.characterClass(e));
      case 'Group':
      case 'CapturingGroup':
        return this.alternation(e.alternatives);
      case 'Quantifier':
        return this.quantifier(e);
      case 'Assertion':
        if (e.kind === 'lookahead' || e.kind === 'lookbehind') this.lookaround(e.alternatives);
        return ASSERTION;
      case 'Backreference':
        // Whatever the group matched: as much as any text, repeated.
        return this.star(() => this.position(ALL));
    }
  }

  private quantifier(q: AST.Quantifier): Fragment {
    const unbounded = q.max > UNROLL_LIMIT;
    const required = unbounded ? Math.min(q.min, 2) : q.min;
    let result: Fragment = EMPTY;
    for (let i = 0; i < required; i += 1) result = this.concat(result, this.element(q.element));
    if (unbounded) return this.concat(result, this.star(() => this.element(q.element)));
    for (let i = required; i < q.max; i += 1) result = this.concat(result, optional(this.element(q.element)));
    return result;
  }

  private star(body: () => Fragment): Fragment {
    const f = body();
    this.link(f.last, f.first);
    return optional(f);
  }

  private characterClass(c: AST.CharacterClass | AST.ExpressionCharacterClass): Ranges {
    // Set operations of the `v` flag are read as the union of their operands: a superset, which can
    // only find more ambiguity, never less.
    const parts: (readonly [number, number])[] = [];
    const visit = (node: AST.Node): void => {
      if (node.type === 'Character') parts.push(...(this.ignoreCase ? withCase(node.value) : [[node.value, node.value] as const]));
      else if (node.type === 'CharacterClassRange') {
        parts.push([node.min.value, node.max.value]);
        if (this.ignoreCase) for (let c = node.min.value; c <= Math.min(node.max.value, 0x24f); c += 1) parts.push(...withCase(c));
      } else if (node.type === 'CharacterSet') parts.push(...characterSet(node));
      else for (const child of childrenOf(node)) visit(child);
    };
    for (const child of childrenOf(c)) visit(child);
    const set = normalise(parts);
    return c.negate ? complement(set) : set;
  }

  /**
   * A character that leads into an exponentially ambiguous loop, or null when there is none. Two
   * positions reading one character step together; a strongly connected part of those pairs that
   * holds some (p, p) and either some (p, q), p ≠ q, or a step made in two ways (the inner and the
   * outer loop of `(a*)*`) is text the loop matches two ways, over and over.
   */
  exponentialCharacter(freeLast: readonly number[]): string | null {
    const n = this.sets.length;
    const twoWays: [number, number][] = [];
    const pairs = new PairGraph(n, (p, q, visit) => {
      for (const [p2, ways] of this.follow[p]!) {
        for (const q2 of this.follow[q]!.keys()) {
          if (intersects(this.sets[p2]!, this.sets[q2]!) === null) continue;
          if (p === q && p2 === q2 && ways > 1) twoWays.push([p * n + q, p2 * n + q2]);
          visit(p2, q2);
        }
      }
    });
    const components = pairs.componentsFromDiagonal();
    const componentOf = new Map<number, number>();
    components.forEach((c, i) => c.forEach(([p, q]) => componentOf.set(p * n + q, i)));
    const free = new Set(freeLast);
    const ambiguous = new Set(twoWays.filter(([a, b]) => componentOf.get(a) !== undefined && componentOf.get(a) === componentOf.get(b)).map(([a]) => componentOf.get(a)!));
    for (const [i, component] of components.entries()) {
      const split = component.find(([p, q]) => p !== q);
      if (!component.some(([p, q]) => p === q) || (!split && !ambiguous.has(i))) continue;
      // Every position of the loop can end the match: the matcher succeeds instead of backtracking.
      if (component.every(([p, q]) => free.has(p) && free.has(q))) continue;
      const [p, q] = split ?? component[0]!;
      return String.fromCodePoint(intersects(this.sets[p]!, this.sets[q]!) ?? 0x61);
    }
    return null;
  }
}

const TOO_COMPLEX = Symbol('too complex');

function optional(f: Fragment): Fragment {
  return { ...f, nullable: true, freeNullable: true, freeLast: f.last };
}

function characterSet(s: AST.CharacterSet): Ranges {
  if (s.kind === 'any' || s.kind === 'property') return ALL;
  const set = s.kind === 'digit' ? DIGIT : s.kind === 'word' ? WORD : SPACE;
  return s.negate ? complement(set) : set;
}

function childrenOf(node: AST.Node): AST.Node[] {
  const n = node as unknown as { elements?: AST.Node[]; alternatives?: AST.Node[]; left?: AST.Node; right?: AST.Node };
  return [...(n.elements ?? []), ...(n.alternatives ?? []), ...(n.left ? [n.left] : []), ...(n.right ? [n.right] : [])];
}

/**
 * The graph of pairs of positions, explored from the pairs (p, p) with Tarjan's algorithm
 * (iteratively: a pattern's pairs can be many), giving the strongly connected parts that loop.
 */
class PairGraph {
  private steps = 0;

  constructor(
    private readonly n: number,
    private readonly successors: (p: number, q: number, visit: (p: number, q: number) => void) => void,
  ) {}

  componentsFromDiagonal(): [number, number][][] {
    const index = new Map<number, number>();
    const low = new Map<number, number>();
    const onStack = new Set<number>();
    const stack: number[] = [];
    const components: [number, number][][] = [];
    let counter = 0;
    const key = (p: number, q: number): number => p * this.n + q;
    const next = (k: number): number[] => {
      const out: number[] = [];
      this.successors(Math.floor(k / this.n), k % this.n, (p, q) => {
        this.steps += 1;
        if (this.steps > MAX_PAIR_STEPS) throw TOO_COMPLEX;
        out.push(key(p, q));
      });
      return out;
    };
    const connect = (root: number): void => {
      const work: { node: number; succ: number[]; i: number }[] = [];
      const open = (node: number): void => {
        index.set(node, counter);
        low.set(node, counter);
        counter += 1;
        stack.push(node);
        onStack.add(node);
        work.push({ node, succ: next(node), i: 0 });
      };
      open(root);
      while (work.length > 0) {
        const top = work[work.length - 1]!;
        if (top.i < top.succ.length) {
          const s = top.succ[top.i++]!;
          if (!index.has(s)) open(s);
          else if (onStack.has(s)) low.set(top.node, Math.min(low.get(top.node)!, index.get(s)!));
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
        if (low.get(top.node) !== index.get(top.node)) continue;
        const component: [number, number][] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push([Math.floor(member / this.n), member % this.n]);
        } while (member !== top.node);
        // A single pair loops only if it reaches itself.
        if (component.length > 1 || next(top.node).includes(top.node)) components.push(component);
      }
    };
    for (let p = 0; p < this.n; p += 1) if (!index.has(key(p, p))) connect(key(p, p));
    return components;
  }
}

function countUnbounded(node: AST.Node): number {
  let count = node.type === 'Quantifier' && node.max > UNROLL_LIMIT ? 1 : node.type === 'Backreference' ? 1 : 0;
  const n = node as unknown as { element?: AST.Node };
  for (const child of [...childrenOf(node), ...(n.element ? [n.element] : [])]) count += countUnbounded(child);
  return count;
}

/** Every alternative starts with `^`, so the match is tried at the start only (in multiline mode, at every line). */
function anchoredAtStart(pattern: AST.Pattern, multiline: boolean): boolean {
  return !multiline && pattern.alternatives.every((a) => {
    const first = a.elements[0];
    return first?.type === 'Assertion' && first.kind === 'start';
  });
}
