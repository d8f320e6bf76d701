/**
 * Workflow graphs over the API: the state machine of a stored version, and of a definition being
 * validated. Both answer `buildGraph(plan)`, the model `segue graph` draws, so every renderer (the
 * web console among them) shows the same nodes and transitions.
 */
import { buildGraph } from '../definitions/graph.js';
import { loadPlan } from '../definitions/load.js';
import type { Handler, HandlerContext } from './handler-context.js';

type GraphOperations = 'getWorkflowGraph' | 'validateWorkflow';

export function graphHandlers({ engine }: HandlerContext): Record<GraphOperations, Handler> {
  return {
    getWorkflowGraph: async (call) => {
      const plan = await engine.plan(call.params.name as string, call.params.version as number);
      return { status: 200, body: buildGraph(plan) };
    },
    validateWorkflow: async (call) => {
      const { plan, problems } = loadPlan(call.body as string, call.file!);
      return { status: 200, body: { valid: problems.length === 0, errors: problems, ...(plan ? { graph: buildGraph(plan) } : {}) } };
    },
  };
}
