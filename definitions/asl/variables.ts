/**
 * Workflow variables (`Assign`) and what each part of a run sees of them.
 *
 * The top level of a run has one scope. A Parallel branch and a Map iteration each get a scope of
 * their own inside the one their state runs in: they read the outer variables, but what they
 * assign stays in their own scope and is gone when they finish (only their output leaves them).
 * A Distributed Map's child runs are separate executions and see no outer variables at all.
 * All of one state's assignments are computed from the variables as they were before the state,
 * then applied together: `{"a": 1, "b.$": "$a"}` sets b to the old a.
 */
import type { Json, JsonObject } from '../model.js';
import { setField } from './json.js';

export interface VariableScope {
  /** This scope's own variables. */
  readonly own: JsonObject;
  readonly parent?: VariableScope;
}

export function rootScope(variables: JsonObject = {}): VariableScope {
  return { own: { ...variables } };
}

/** The scope of a Parallel branch or an inline Map iteration run from a state in `parent`. */
export function childScope(parent: VariableScope): VariableScope {
  return { own: {}, parent };
}

/** The value of `$name`, looked up from the innermost scope outwards; undefined when unset. */
export function lookupVariable(scope: VariableScope, name: string): Json | undefined {
  for (let s: VariableScope | undefined = scope; s !== undefined; s = s.parent) {
    if (Object.hasOwn(s.own, name)) return s.own[name];
  }
  return undefined;
}

/** A lookup function over a scope, as path and JSONata evaluation take it. */
export function variableReader(scope: VariableScope): (name: string) => Json | undefined {
  return (name) => lookupVariable(scope, name);
}

/** Every variable visible in the scope, inner ones hiding outer ones of the same name. */
export function visibleVariables(scope: VariableScope): JsonObject {
  const chain: VariableScope[] = [];
  for (let s: VariableScope | undefined = scope; s !== undefined; s = s.parent) chain.unshift(s);
  const out: JsonObject = {};
  for (const s of chain) for (const [name, value] of Object.entries(s.own)) setField(out, name, value);
  return out;
}

/** The scope after a state's assignments: a new scope object, the old one untouched. */
export function assignVariables(scope: VariableScope, assigned: JsonObject): VariableScope {
  if (Object.keys(assigned).length === 0) return scope;
  const own = { ...scope.own };
  for (const [name, value] of Object.entries(assigned)) setField(own, name, value);
  return scope.parent === undefined ? { own } : { own, parent: scope.parent };
}
