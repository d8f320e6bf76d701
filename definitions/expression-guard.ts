/**
 * The guard of one evaluation: JSONata calls it before and after evaluating every node of the
 * expression (its `__evaluate_entry`/`__evaluate_exit` hooks), and the bounded built-ins ask it
 * before building. It stops the evaluation past the time, depth and size limits, and, on the
 * engine's own thread, once the evaluation outgrows its slice (it is then run in the isolate).
 */
import type { ExpressionLimits } from './expression-budget.js';

/** The name the guard is bound under: with a space, no expression can write it. */
export const GUARD = ' guard';

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

export type GuardMode =
  /** On the engine's thread with an isolate to move to: at most a slice of time, cheap built-in calls. */
  | 'slice'
  /** Where it may run to its limits: the isolate, or a caller without one. */
  | 'whole';

export class EvaluationGuard {
  private readonly started = performance.now();
  /** Longest text a regular expression is matched against here (see regex-analysis.ts). */
  regexInputLimit: number;
  /** The start of the range (`..`) being evaluated. */
  rangeFrom = 0;

  constructor(
    readonly limits: ExpressionLimits,
    readonly mode: GuardMode,
    regexInputLimit: number,
  ) {
    this.regexInputLimit = regexInputLimit;
  }

  /** `depth` is the library's own count of nested evaluations (what its `stack` option bounds). */
  enter(depth: number): void {
    if (depth > this.limits.maxDepth) {
      throw new LimitBreach('D1011', `it nested deeper than ${this.limits.maxDepth} levels (a function that keeps calling itself?)`);
    }
    this.check();
  }

  exit(result: unknown): void {
    // Text is what grows fastest (`$s & $s` doubles it): checked at every node. Lists grow by
    // evaluation steps, which the clock and, in the isolate, the memory limit bound.
    if (typeof result === 'string' && result.length > this.limits.maxValueSize) this.tooLarge(`a text of ${result.length} characters`);
    this.check();
  }

  private check(): void {
    const ran = performance.now() - this.started;
    if (this.mode === 'slice' && ran > this.limits.sliceMs) throw new Outgrown(`it ran past ${this.limits.sliceMs} ms`);
    if (ran > this.limits.timeoutMs) throw new LimitBreach('D1012', `it ran longer than the ${this.limits.timeoutMs} ms an expression may take`);
  }

  /** A built-in is about to build `what` of `size` (characters or items): refused past the limit. */
  build(fn: string, size: number, what: 'text' | 'list'): void {
    if (size > this.limits.maxValueSize) this.tooLarge(`${fn} would build a ${what} of ${size} ${what === 'text' ? 'characters' : 'items'}`, true);
  }

  /** A built-in is about to do about `work` steps it cannot be interrupted in: too many for a slice, it moves. */
  work(fn: string, work: number): void {
    if (this.mode === 'slice' && work > INLINE_WORK) throw new Outgrown(`${fn} over this much data`);
  }

  /** A regular expression is about to be matched against `text`. */
  match(fn: string, text: string): void {
    if (this.mode === 'slice' && text.length > this.regexInputLimit) throw new Outgrown(`${fn} over a text of ${text.length} characters`);
  }

  private tooLarge(what: string, before = false): never {
    const verb = before ? '' : 'it built ';
    throw new LimitBreach('ValueTooLarge', `${verb}${what}, more than the ${this.limits.maxValueSize} an expression may build`);
  }
}

/** Steps a built-in may take in one go on the engine's thread (a few ms of work). */
const INLINE_WORK = 1e6;
