/**
 * The guard of one evaluation: JSONata calls it before and after evaluating every node of the
 * expression (its `__evaluate_entry`/`__evaluate_exit` hooks), and the bounded built-ins ask it
 * before building or working. It stops the evaluation past the time, depth and size limits, and,
 * on the engine's own thread, once the evaluation has done a slice of work (it is then run in the
 * isolate).
 *
 * The slice is counted in work, not measured in time: JSONata's evaluation awaits at every node,
 * so other instances' work runs in between, and a clock would count that, and a busy machine's
 * pauses, against the expression. Counted, where an expression runs depends on the expression and
 * its data alone.
 */
import type { ExpressionLimits } from './expression-budget.js';
import { dataView, shownBy, type Views } from './data-view.js';

/** The name the guard is bound under: with a space, no expression can write it. */
export const GUARD = ' guard';

/**
 * What things cost, in units of work (about 10 ns each): evaluating a node, reaching an object of
 * the data (its view is made), each of its keys a built-in goes through (through the view), each item of a list a node gives (the library walks it to build
 * the sequence), each character of a text, and each character of the JSON of data walked whole
 * (compared, written out, copied, merged).
 */
const WORK = { node: 100, view: 200, key: 50, item: 4, character: 0.1, encoded: 10 } as const;

/** A limit was passed: the evaluation fails with this (as ExpressionError). */
export class LimitBreach {
  constructor(
    readonly code: 'D1011' | 'D1012' | 'ValueTooLarge' | 'OutOfMemory' | 'SlowRegex',
    readonly detail: string,
  ) {}
}

/** The evaluation needs more than the engine's thread gives it: run it again in the isolate. */
export class Outgrown {
  constructor(readonly why: string) {}
}

/** JSONata wraps errors of `$eval`'d code (`{code: 'D3121', error}`): the signal inside is what counts. */
export function signalIn(err: unknown): LimitBreach | Outgrown | undefined {
  for (let e = err, hops = 0; e !== null && typeof e === 'object' && hops < 8; e = (e as { error?: unknown }).error, hops += 1) {
    if (e instanceof LimitBreach || e instanceof Outgrown) return e;
  }
  return undefined;
}

/** Work between two readings of the clock: some 100 nodes, well under a millisecond. */
const CLOCK_EVERY = 10_000;

/** A binary node of JSONata's tree. */
interface Operator {
  type?: unknown;
  value?: unknown;
  lhs?: object;
  rhs?: object;
}

/** Operators whose work the guard counts from their operands: ranges and whole comparisons. */
const WEIGHED_OPERATORS = new Set<unknown>(['..', '=', '!=', 'in']);

export type GuardMode =
  /** On the engine's thread with an isolate to move to: at most a slice of work. */
  | 'slice'
  /** Where it may run to its limits: the isolate, or a caller without one. */
  | 'whole';

export class EvaluationGuard {
  private readonly started = performance.now();
  /** The work done at which the clock is next read (every CLOCK_EVERY units, not at every node). */
  private clockAt = CLOCK_EVERY;
  /** Work done so far (see WORK). */
  done = 0;
  /** Degree of the costliest regular expression the evaluation may match (see regex-analysis.ts). */
  regexDegree: number;
  /** The operators whose operands are being evaluated, innermost last, with a range's start (see `operands`). */
  private readonly operators: { operator: Operator; from: number }[] = [];
  /** The evaluation's views of the data (see data-view.ts), and how many were counted. */
  private readonly views: Views = new Map();
  private viewsCounted = 0;

  constructor(
    readonly limits: ExpressionLimits,
    readonly mode: GuardMode,
    regexDegree: number,
    /** False for an expression the library cannot write through (see expressions.ts): no views. */
    private readonly viewed = true,
  ) {
    this.regexDegree = regexDegree;
  }

  /** `depth` is the library's own count of nested evaluations (what its `stack` option bounds). */
  enter(depth: number, node: object): void {
    const n = node as Operator;
    if (n.type === 'binary' && WEIGHED_OPERATORS.has(n.value)) this.operators.push({ operator: n, from: 0 });
    if (depth > this.limits.maxDepth) {
      throw new LimitBreach('D1011', `it nested deeper than ${this.limits.maxDepth} levels (a function that keeps calling itself?)`);
    }
    const views = this.views.size;
    this.spend(WORK.node + (views - this.viewsCounted) * WORK.view, 'it evaluated too much');
    this.viewsCounted = views;
    this.checkTime();
  }

  /** `value` as this evaluation sees it: a view the library cannot change. */
  view<T>(value: T): T {
    return this.viewed ? dataView(value, this.views) : value;
  }

  exit(result: unknown, node: object): void {
    const open = this.operators.at(-1);
    if (open && (node === open.operator.lhs || node === open.operator.rhs)) this.operands(open, node === open.operator.rhs, result);
    // Text is what grows fastest (`$s & $s` doubles it): checked at every node. Lists grow by
    // evaluation steps, which the work count, the clock and, in the isolate, the memory limit bound.
    if (typeof result === 'string') {
      if (result.length > this.limits.maxValueSize) this.tooLarge(`a text of ${result.length} characters`);
      this.spend(result.length * WORK.character, 'it worked over long texts');
    } else if (Array.isArray(result)) this.spend(result.length * WORK.item, 'it worked over long lists');
    this.checkTime();
  }

  /**
   * The range operator builds its list in one go, and comparing walks both sides whole: their work
   * is counted once the operands are known, before it is done. (Found as they are evaluated, not
   * in the expression's tree, so the text given to `$eval` is counted too.)
   */
  private operands(open: { operator: Operator; from: number }, last: boolean, value: unknown): void {
    if (last) this.operators.pop();
    if (open.operator.value === '..') {
      if (!last) open.from = typeof value === 'number' ? value : 0;
      else if (typeof value === 'number') this.work('the range operator', 8 * (value - open.from));
    } else if (value !== null && typeof value === 'object') {
      this.measure('a comparison', value);
    }
  }

  private checkTime(): void {
    if (this.done < this.clockAt) return;
    this.clockAt = this.done + CLOCK_EVERY;
    const ran = performance.now() - this.started;
    if (this.mode === 'slice') {
      // A backstop for work the count misses. The clock also counts other instances' work and a
      // busy machine's pauses, so it only moves the evaluation (the isolate decides), never fails it.
      if (ran > this.limits.timeoutMs / 4) throw new Outgrown(`it ran past ${this.limits.timeoutMs / 4} ms on the engine's thread`);
    } else if (ran > this.limits.timeoutMs) {
      throw new LimitBreach('D1012', `it ran longer than the ${this.limits.timeoutMs} ms an expression may take`);
    }
  }

  /** A built-in is about to build `what` of `size` (characters or items): refused past the limit. */
  build(fn: string, size: number, what: 'text' | 'list'): void {
    if (size > this.limits.maxValueSize) this.tooLarge(`${fn} would build a ${what} of ${size} ${what === 'text' ? 'characters' : 'items'}`, true);
  }

  /** A built-in or an operator is about to do `work` (see WORK) it cannot be interrupted in. */
  work(fn: string, work: number): void {
    this.spend(work, `${fn} over this much data`);
  }

  /** A built-in is about to go through the keys of `value` (of each object in it, if a list). */
  keysOf(fn: string, value: unknown): void {
    const shown = shownBy(value);
    let keys = 0;
    for (const item of Array.isArray(shown) ? shown : [shown]) {
      const o = shownBy(item);
      if (o !== null && typeof o === 'object') keys += Object.keys(o).length;
    }
    this.spend(keys * WORK.key, `${fn} over this much data`);
  }

  /** A regular expression is about to be matched against `text`. */
  match(fn: string, text: string): void {
    const n = text.length;
    this.spend(Math.max(n, n ** this.regexDegree), `${fn} over a text of ${n} characters`);
  }

  /**
   * `value` is about to be walked whole (compared, written out, copied): counts the work, and gives
   * the length of its JSON, measured no further than `maxValueSize` + 1 (`pretty`: indented).
   */
  measure(fn: string, value: unknown, pretty = false): number {
    const left = this.mode === 'slice' ? Math.max(0, this.limits.sliceWork - this.done) / WORK.encoded : Infinity;
    const size = encodedSizeUpTo(value, Math.min(this.limits.maxValueSize, left) + 1, pretty);
    this.spend(size * WORK.encoded, `${fn} over this much data`);
    return size;
  }

  private spend(work: number, why: string): void {
    this.done += work;
    if (this.mode === 'slice' && this.done > this.limits.sliceWork) throw new Outgrown(why);
  }

  private tooLarge(what: string, before = false): never {
    const verb = before ? '' : 'it built ';
    throw new LimitBreach('ValueTooLarge', `${verb}${what}, more than the ${this.limits.maxValueSize} an expression may build`);
  }
}

/** About the length of `JSON.stringify(value)` (indented when `pretty`), counting no further than `stop`. */
function encodedSizeUpTo(value: unknown, stop: number, pretty: boolean): number {
  let size = 0;
  const visit = (shown: unknown, depth: number): void => {
    if (size >= stop) return;
    const v = shownBy(shown);
    const indent = pretty ? 2 * depth + 1 : 0;
    if (typeof v === 'function' || isFunctionObject(v)) size += 2; // written as ""
    else if (typeof v === 'string') size += v.length + 2;
    else if (v === null || typeof v !== 'object') size += 24;
    else if (Array.isArray(v)) {
      size += 2 + indent;
      for (const item of v) {
        size += 1 + indent;
        visit(item, depth + 1);
        if (size >= stop) return;
      }
    } else {
      size += 2 + indent;
      for (const key of Object.keys(v)) {
        size += key.length + 4 + indent;
        visit((v as Record<string, unknown>)[key], depth + 1);
        if (size >= stop) return;
      }
    }
  };
  visit(value, 0);
  return size;
}

function isFunctionObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && ((v as { _jsonata_function?: unknown })._jsonata_function === true || (v as { _jsonata_lambda?: unknown })._jsonata_lambda === true);
}
