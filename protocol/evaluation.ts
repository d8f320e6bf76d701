/** POST /v1/instances/{id}/evaluate: an expression tried on an instance, and its answer. */
import type { Json } from '../definitions/model.js';

export interface EvaluationRequest {
  expression: string;
  /** A step the instance is at now: its data and bindings; absent, the instance's data. */
  step?: string;
  /** Which item of a map the step runs in, when several are at it (default: the first). */
  index?: number;
}

/** The value (absent when the expression selects nothing), or the failure with where it is in the expression. */
export type EvaluationAnswer =
  | { ok: true; result?: Json }
  | { ok: false; error: { message: string; code?: string; position?: number } };
