/**
 * The budget an expression evaluates under, and the port through which an evaluation that needs
 * more than a short slice of the engine's thread is run elsewhere (an isolate the engine provides).
 * Nothing here does I/O: the isolate is handed in, never created here.
 */
import type { Json } from './model.js';

/** Bounds of expression evaluation: one typed options object, `createEngine({ expressions })`. */
export interface ExpressionLimits {
  /** Longest one evaluation may run, ms (default 1,000); past it the step fails with ExpressionError. */
  timeoutMs: number;
  /** Deepest nesting of evaluation (default 500): a function that keeps calling itself fails. */
  maxDepth: number;
  /**
   * Longest text (in characters) or list (in items) one evaluation may build, at any point, and the
   * size a built-in function checks before building its result (default 4 Mi, the data limit).
   */
  maxValueSize: number;
  /**
   * Work an evaluation may do on the engine's own thread (default 1,000,000, some 10 ms): each node
   * evaluated counts 100, each item of a list a node gives 1, each character of a text 0.1, and a
   * built-in that works in one go (`$sort`, a range, a regular expression) what it is about to do.
   * Past it the evaluation is run again, whole, in the isolate, where the full `timeoutMs` and
   * `memoryMb` apply and other instances are not held up. Work is counted, not timed, so where an
   * expression runs never depends on how busy the machine is.
   */
  sliceWork: number;
  /** Heap an evaluation in the isolate may use, MiB (default 256); past it the step fails with ExpressionError. */
  memoryMb: number;
}

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = {
  timeoutMs: 1_000,
  maxDepth: 500,
  maxValueSize: 4 * 1024 * 1024,
  sliceWork: 1_000_000,
  memoryMb: 256,
};

/** Names bound as `$name` during evaluation (without the `$`). */
export type Bindings = Record<string, Json | undefined>;

/** One evaluation to run in the isolate: everything it needs, as plain data. */
export interface IsolatedEvaluation {
  source: string;
  data: Json;
  bindings: Bindings;
  /** Epoch ms of the transition (what `$now()` and `$millis()` give). */
  now: number;
  limits: ExpressionLimits;
}

/** What a failed evaluation reports, in the isolate as here: JSONata's error code (or Segue's) and message. */
export interface EvaluationFailure {
  code?: string;
  message: string;
  /** Offset in the expression of the token it failed at, when JSONata says. */
  position?: number;
}

/**
 * Where evaluations that outgrow the engine's thread are run (engine/expression-isolate.ts). It
 * rejects with an EvaluationFailure, for a limit as for a JSONata error.
 */
export interface ExpressionIsolate {
  evaluate(request: IsolatedEvaluation): Promise<Json | undefined>;
  /** Lets other work on the engine's thread run before going on (one turn of its event loop). */
  pause(): Promise<void>;
}

/**
 * Shared by the evaluations of one decision: the limits, the isolate, and the work the decision's
 * evaluations have done on the engine's thread since they last let others run.
 */
export class EvaluationBudget {
  private done = 0;

  constructor(
    readonly limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS,
    readonly isolate?: ExpressionIsolate,
  ) {}

  /**
   * Called before each evaluation: once the decision's evaluations have done a slice of work,
   * other work runs first (the promise to await; none, and no wait, otherwise). Expressions are
   * pure, so when they run changes nothing.
   */
  take(): Promise<void> | undefined {
    if (!this.isolate || this.done < this.limits.sliceWork) return undefined;
    this.done = 0;
    return this.isolate.pause();
  }

  /** Counts the work of an evaluation that ran on the engine's thread. */
  spent(work: number): void {
    this.done += work;
  }
}

/** What an expression evaluates in besides its data. */
export interface ExpressionScope {
  readonly bindings: Bindings;
  /** Epoch ms of the transition: `$now()` and `$millis()` give it, never the clock on the wall. */
  readonly now: number;
  readonly budget: EvaluationBudget;
}

/** A scope with no isolate and the default limits (validation, tests, tools). */
export function plainScope(bindings: Bindings = {}, now = 0, limits?: Partial<ExpressionLimits>): ExpressionScope {
  return { bindings, now, budget: new EvaluationBudget({ ...DEFAULT_EXPRESSION_LIMITS, ...limits }) };
}
