/**
 * Evaluating an expression against an instance as it stands, for trying expressions on real data:
 * the data and bindings (`$input`, `$instance`, `$error`, `$index`, `$item`) that a step's own
 * expressions get, under the engine's expression limits and isolate. It only reads: nothing is
 * committed, and the instance never knows.
 */
import { compileExpression, ExpressionEvaluationError, ExpressionSyntaxError } from '../definitions/expressions.js';
import type { Plan } from '../definitions/model.js';
import { Decision, type DecideOptions } from '../core/context.js';
import { STEPS } from '../core/steps/index.js';
import { SegueError } from './errors.js';
import type { Frame, InstanceState } from '../core/model.js';
import type { InstanceRecord } from './store/port.js';
import type { EvaluationAnswer, EvaluationRequest } from '../protocol/evaluation.js';

export async function evaluateOnInstance(record: InstanceRecord, plan: Plan, request: EvaluationRequest, options: DecideOptions): Promise<EvaluationAnswer> {
  const state = record.state;
  const frame = request.step === undefined ? state.frames.root : frameAt(record, state, request.step, request.index);
  const data = frame?.data ?? state.data ?? state.input;
  const scope = new Decision(plan, record, state, options, STEPS).bindings(frame);
  try {
    const result = await compileExpression(request.expression).evaluate(data, scope);
    return result === undefined ? { ok: true } : { ok: true, result };
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return failed(err.detail, err.code, err.offset);
    if (err instanceof ExpressionEvaluationError) return failed(err.detail, err.code, err.position);
    throw err;
  }
}

function failed(message: string, code: string | undefined, position: number | undefined): EvaluationAnswer {
  const error: { message: string; code?: string; position?: number } = { message };
  if (code !== undefined) error.code = code;
  if (position !== undefined) error.position = position;
  return { ok: false, error };
}

function frameAt(record: InstanceRecord, state: InstanceState, step: string, index: number | undefined): Frame {
  const frames = Object.values(state.frames).filter((f) => f.step === step);
  const at = [...new Set(Object.values(state.frames).map((f) => f.step))];
  if (frames.length === 0) {
    const now = at.length > 0 ? `it is at ${at.map((s) => `"${s}"`).join(', ')}` : 'it is at no step now';
    throw new SegueError('CONFLICT', `instance "${record.id}" is not at step "${step}" (${now}): a step's data is known while the instance is at it`);
  }
  if (index === undefined) return frames.sort((a, b) => (a.index ?? -1) - (b.index ?? -1))[0]!;
  const item = frames.find((f) => f.index === index);
  if (!item) {
    const indexes = frames.map((f) => f.index).filter((i) => i !== undefined);
    throw new SegueError('CONFLICT', `no item ${index} of instance "${record.id}" is at step "${step}"${indexes.length ? ` (items ${indexes.join(', ')} are)` : ''}`);
  }
  return item;
}
