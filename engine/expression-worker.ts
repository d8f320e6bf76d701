/**
 * The isolate's worker thread (see expression-isolate.ts): evaluates what it is sent, whole, with
 * the same code as the engine's thread, and answers the value or the failure.
 */
import { parentPort } from 'node:worker_threads';
import { compileExpression, ExpressionEvaluationError, type CompiledExpression } from '../definitions/expressions.js';
import { EvaluationBudget, type IsolatedEvaluation } from '../definitions/expression-budget.js';

const compiled = new Map<string, CompiledExpression>();
const MAX_COMPILED = 500;

function expression(source: string): CompiledExpression {
  let found = compiled.get(source);
  if (!found) {
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    found = compileExpression(source);
    compiled.set(source, found);
  }
  return found;
}

parentPort!.on('message', async (request: IsolatedEvaluation) => {
  try {
    // No isolate in this budget: the evaluation runs to its limits here.
    const scope = { bindings: request.bindings, now: request.now, budget: new EvaluationBudget(request.limits) };
    parentPort!.postMessage({ ok: true, value: await expression(request.source).evaluate(request.data, scope) });
  } catch (err) {
    const failure = err instanceof ExpressionEvaluationError ? { code: err.code, message: err.detail } : { message: String((err as Error)?.message ?? err) };
    parentPort!.postMessage({ ok: false, failure });
  }
});
