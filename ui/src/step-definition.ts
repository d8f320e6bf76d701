/**
 * A step's definition, found in its workflow's definition through the graph's groups (a node in a
 * branch or map body belongs to the group whose owner is the parallel or map step), and where the
 * instance's data holds the result of one of its attempts.
 */
import type { Graph, GraphNode } from '../../definitions/graph.js';
import type { Json } from '../../definitions/model.js';
import type { ExecutionPath, StepAttempt } from './trace.js';

export type StepDefinition = Record<string, Json>;

type JsonObject = Record<string, Json>;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stepsOf(definition: Json, graph: Graph, scope: string): Json[] | undefined {
  if (scope === '') return isObject(definition) && Array.isArray(definition.steps) ? definition.steps : undefined;
  const group = graph.groups.find((g) => g.scope === scope);
  const owner = group && graph.nodes.find((n) => n.id === group.owner);
  const ownerDefinition = owner && stepDefinition(definition, graph, owner);
  if (!group || !ownerDefinition) return undefined;
  if (group.kind === 'map') return Array.isArray(ownerDefinition.steps) ? ownerDefinition.steps : undefined;
  const branch = (Array.isArray(ownerDefinition.branches) ? ownerDefinition.branches : []).find((b) => isObject(b) && b.name === group.label);
  return isObject(branch) && Array.isArray(branch.steps) ? branch.steps : undefined;
}

export function stepDefinition(definition: Json, graph: Graph, node: GraphNode): StepDefinition | undefined {
  const step = stepsOf(definition, graph, node.scope)?.find((s) => isObject(s) && s.name === node.label);
  return isObject(step) ? step : undefined;
}

/** Where a step stores its result in its path's data: its `output` path, its name by default; null for `output: none`. */
export function outputPath(step: StepDefinition): string[] | null {
  const output = step.output;
  if (output === 'none') return null;
  return (typeof output === 'string' ? output : String(step.name)).split('.');
}

function at(value: Json | undefined, path: (string | number)[]): Json | undefined {
  let here = value;
  for (const key of path) {
    if (Array.isArray(here) && typeof key === 'number') here = here[key];
    else if (isObject(here) && typeof key === 'string') here = here[key];
    else return undefined;
  }
  return here;
}

/**
 * The data of a path as the instance holds it now: the top level's is the instance's data; an
 * item's or branch's is in its map or parallel step's result, once that step completed (and only
 * when the step does not reshape its result). Undefined when the instance does not hold it.
 */
function pathData(path: ExecutionPath, data: Json, definition: Json, graph: Graph): Json | undefined {
  const parent = path.parent;
  if (!parent) return data;
  const owner = parent.node && stepDefinition(definition, graph, parent.node);
  const where = owner && outputPath(owner);
  if (!owner || !where || owner.result !== undefined || parent.outcome !== 'completed') return undefined;
  const results = at(pathData(parent.path, data, definition, graph), where);
  return at(results, [path.index ?? path.branch ?? '']);
}

/** The attempt's result as the instance's data holds it now, with the path it is at ("images.1.fetch"). */
export function resultInData(attempt: StepAttempt, data: Json, definition: Json, graph: Graph): { path: string; value: Json } | undefined {
  const step = attempt.node && stepDefinition(definition, graph, attempt.node);
  const where = step && outputPath(step);
  if (!where || attempt.outcome !== 'completed') return undefined;
  const value = at(pathData(attempt.path, data, definition, graph), where);
  if (value === undefined) return undefined;
  return { path: [...containerPath(attempt.path, definition, graph), ...where].join('.'), value };
}

function containerPath(path: ExecutionPath, definition: Json, graph: Graph): string[] {
  const parent = path.parent;
  if (!parent?.node) return [];
  const owner = stepDefinition(definition, graph, parent.node);
  return [...containerPath(parent.path, definition, graph), ...(owner ? (outputPath(owner) ?? []) : []), String(path.index ?? path.branch)];
}
