/**
 * Size limits, each configurable through the engine's `limits` option and enforced
 * with an error that says which limit, by how much, and what to do.
 */
import type { Json, Plan } from '../definitions/model.js';
import { formatBytes } from './bytes.js';
import { SegueError } from './errors.js';

export interface Limits {
  /** A start input, an event payload, a task output or error: bytes of JSON. Default 1 MiB. */
  maxPayloadBytes: number;
  /** The instance's state (its data, frames and buffered events): bytes of JSON. Default 4 MiB. */
  maxInstanceDataBytes: number;
  /** A definition's text, bytes. Default 1 MiB. */
  maxDefinitionBytes: number;
  /** Steps in one definition, counting those inside branches and map bodies. Default 1000. */
  maxSteps: number;
  /** Parallel/map steps nested inside each other. Default 8. */
  maxNestingDepth: number;
  /** Branches of one parallel step. Default 100. */
  maxBranches: number;
  /** Items one map step may run over. Default 10,000. */
  maxMapItems: number;
  /** History events in one run; past it the instance fails (use `continue`). Default 20,000. */
  maxHistoryPerRun: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxPayloadBytes: 1024 * 1024,
  maxInstanceDataBytes: 4 * 1024 * 1024,
  maxDefinitionBytes: 1024 * 1024,
  maxSteps: 1_000,
  maxNestingDepth: 8,
  maxBranches: 100,
  maxMapItems: 10_000,
  maxHistoryPerRun: 20_000,
};

export function jsonBytes(value: Json | undefined): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value));
}

/** Throws LIMIT_EXCEEDED when `value` is larger than the payload limit. */
export function checkPayload(what: string, value: Json | undefined, limits: Pick<Limits, 'maxPayloadBytes'>): void {
  const size = jsonBytes(value);
  if (size > limits.maxPayloadBytes) {
    throw new SegueError('LIMIT_EXCEEDED', `${what} is ${formatBytes(size)}, more than the ${formatBytes(limits.maxPayloadBytes)} limit; keep large data elsewhere and pass a reference`);
  }
}

/** Throws LIMIT_EXCEEDED when a definition is too large or too deep for the limits. */
export function checkDefinitionLimits(text: string, plan: Plan, limits: Limits): void {
  const size = Buffer.byteLength(text);
  if (size > limits.maxDefinitionBytes) {
    throw new SegueError('LIMIT_EXCEEDED', `the definition is ${formatBytes(size)}, more than the ${formatBytes(limits.maxDefinitionBytes)} limit`);
  }
  let steps = 0;
  for (const scope of plan.scopes.values()) {
    steps += scope.steps.length;
    const depth = scope.id === '' ? 0 : scope.id.split('/').length;
    if (depth > limits.maxNestingDepth) {
      throw new SegueError('LIMIT_EXCEEDED', `"${scope.owner?.step}" nests parallel and map steps ${depth} deep, more than the limit of ${limits.maxNestingDepth}; move the inner part into a child workflow`);
    }
    for (const step of scope.steps) {
      if (step.type === 'parallel' && step.branches.length > limits.maxBranches) {
        throw new SegueError('LIMIT_EXCEEDED', `step "${step.name}" has ${step.branches.length} branches, more than the limit of ${limits.maxBranches}; use a map step over a list instead`);
      }
    }
  }
  if (steps > limits.maxSteps) {
    throw new SegueError('LIMIT_EXCEEDED', `the definition has ${steps} steps, more than the limit of ${limits.maxSteps}; split it into child workflows`);
  }
}
