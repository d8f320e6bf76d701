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
   * Time an evaluation may run on the engine's own thread, ms (default 20): past it, or when a
   * built-in is about to do more work than that allows, it is run again in the isolate, where the
   * full `timeoutMs` and `memoryMb` apply and other instances are not held up.
   */
  sliceMs: number;
  /** Heap an evaluation in the isolate may use, MiB (default 256); past it the step fails with ExpressionError. */
  memoryMb: number;
}

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = {
  timeoutMs: 1_000,
  maxDepth: 500,
  maxValueSize: 4 * 1024 * 1024,
  sliceMs: 20,
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
 * Shared by the evaluations of one decision: the limits, the isolate, and the time the decision's
 * evaluations have held the engine's thread since they last let others run.
 */
export class EvaluationBudget {
  private heldSince = performance.now();

  constructor(
    readonly limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS,
    readonly isolate?: ExpressionIsolate,
  ) {}

  /**
   * Called before each evaluation: once the decision's evaluations have held the thread for a
   * slice, other work runs first. (Expressions are pure, so when they run changes nothing.)
   */
  async take(): Promise<void> {
    if (!this.isolate || performance.now() - this.heldSince < this.limits.sliceMs) return;
    await this.isolate.pause();
    this.heldSince = performance.now();
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
