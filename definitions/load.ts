/**
 * Definition text → Plan: validation first, then compilation of what passed. A document with
 * `StartAt` and `States` is Amazon States Language (asl/), anything else Segue's own language.
 */
import { compileAslPlan } from './asl/compile-plan.js';
import { isAslDocument } from './asl/recognise.js';
import type { StateMachine } from './asl/types.js';
import { checkAslDefinition } from './asl/validate.js';
import { compilePlan } from './compile.js';
import type { WorkflowDefinition } from './definition.js';
import type { JsonObject, Plan, Problem } from './model.js';
import { parseSource } from './source.js';
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
  if (isAslDocument(parseSource(text, file).value)) return loadAslPlan(text, file, options);
  const { definition, problems } = checkDefinition(text, file);
  if (definition === undefined || problems.length > 0) return { definition, problems };
  const plan = compilePlan(definition, { version: options.version ?? definition.version ?? 1 });
  return { plan, definition, problems };
}

function loadAslPlan(text: string, file: string, options: LoadOptions): LoadResult {
  const { definition, problems } = checkAslDefinition(text, file);
  if (definition === undefined) return { problems };
  const plan = compileAslPlan(definition, { name: aslWorkflowName(file), version: options.version ?? 1 });
  // Stored as written; the registry compiles it again by its shape (compileStoredPlan).
  return { plan, definition: definition as unknown as WorkflowDefinition, problems };
}

/**
 * An ASL document names no workflow: its file does. `orders.asl.json` is the workflow
 * `orders`; characters a workflow name cannot hold become `-`.
 */
export function aslWorkflowName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  const name = base.replace(/(\.asl)?\.(json|ya?ml)$/i, '').replace(/[^A-Za-z0-9._-]/g, '-');
  return name === '' ? 'workflow' : name;
}

/** The plan of a stored definition, whichever language it is in. */
export function compileStoredPlan(definition: JsonObject, name: string, version: number): Plan {
  if (isAslDocument(definition)) return compileAslPlan(definition as unknown as StateMachine, { name, version });
  return compilePlan(definition as unknown as WorkflowDefinition, { version });
}
