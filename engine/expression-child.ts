/**
 * The isolate's process (see expression-processes.ts): evaluates what it is sent, whole, with the
 * same code as the engine's thread, one evaluation at a time, and answers the value or the
 * failure. Its heap is its own (`--max-old-space-size`): running out of it, or being killed at the
 * time limit, ends this process and never the engine's.
 */
import { Worker } from 'node:worker_threads';
import { compileExpression, ExpressionEvaluationError, type CompiledExpression } from '../definitions/expressions.js';
import { EvaluationBudget, type EvaluationFailure, type IsolatedEvaluation } from '../definitions/expression-budget.js';
import type { Json } from '../definitions/model.js';

/** What this process sends to the engine. */
export type ChildMessage =
  | { kind: 'ready' }
  /** The evaluation was received: its time starts now. */
  | { kind: 'started' }
  | { kind: 'done'; ok: true; value: Json | undefined }
  | { kind: 'done'; ok: false; failure: EvaluationFailure };

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

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function evaluate(request: IsolatedEvaluation): Promise<void> {
  send({ kind: 'started' });
  try {
    // No isolate in this budget: the evaluation runs to its limits here.
    const scope = { bindings: request.bindings, now: request.now, budget: new EvaluationBudget(request.limits) };
    send({ kind: 'done', ok: true, value: await expression(request.source).evaluate(request.data, scope) });
  } catch (err) {
    const failure = err instanceof ExpressionEvaluationError ? { ...(err.code ? { code: err.code } : {}), ...(err.position === undefined ? {} : { position: err.position }), message: err.detail } : { message: String((err as Error)?.message ?? err) };
    send({ kind: 'done', ok: false, failure });
  }
}

/**
 * Should the engine's process die without stopping this one (SIGKILL), a match that cannot be
 * interrupted would keep this process running: a thread of its own notices the parent is gone.
 */
function exitWithParent(): void {
  const watch = `const { workerData } = require('node:worker_threads');
setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 500);`;
  new Worker(watch, { eval: true, workerData: process.ppid }).unref();
}

process.on('message', (request: IsolatedEvaluation) => void evaluate(request));
process.on('disconnect', () => process.exit(0));
exitWithParent();
send({ kind: 'ready' });
