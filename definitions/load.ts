/** Definition text → Plan: validation first, then compilation of what passed. */
import { compilePlan } from './compile.js';
import type { WorkflowDefinition } from './definition.js';
import type { Plan, Problem } from './model.js';
import { checkDefinition } from './validate.js';

export interface LoadOptions {
  /** Version to compile under; default: the definition's own `version`, else 1. */
  version?: number;
}

export interface LoadResult {
  /** Present when there are no problems. */
  plan?: Plan;
  /** Present when the text parsed, even with problems. */
  definition?: WorkflowDefinition;
  problems: Problem[];
}

export function loadPlan(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const { definition, problems } = checkDefinition(text, file);
  if (definition === undefined || problems.length > 0) return { definition, problems };
  const plan = compilePlan(definition, { version: options.version ?? definition.version ?? 1 });
  return { plan, definition, problems };
}
