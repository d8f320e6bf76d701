/**
 * What a state's evaluation may read besides its input: the context object (`$$`, or
 * `$states.context` in JSONata), the variables in scope, and the random source. The engine
 * builds one per state entered; every pure ASL function takes it as an argument.
 */
import type { Json, JsonObject } from '../model.js';
import type { PathScope } from './jsonpath-evaluate.js';
import type { JsonataBindings } from './jsonata.js';
import type { RandomSource } from './random.js';
import { variableReader, visibleVariables } from './variables.js';
import type { VariableScope } from './variables.js';

export interface StateEnvironment {
  context: Json;
  variables: VariableScope;
  random: RandomSource;
}

/** How JSONPath evaluation sees `$` (the given value), `$$` and `$name`. */
export function pathScope(env: StateEnvironment, input: Json): PathScope {
  return { input, context: env.context, variables: variableReader(env.variables) };
}

/** What `$states` holds in a JSONata expression. */
export interface StatesBinding {
  input: Json;
  result?: Json;
  errorOutput?: Json;
}

/** The JSONata bindings: the variables in scope, and `$states` (which no variable may shadow). */
export function jsonataBindings(env: StateEnvironment, states: StatesBinding): JsonataBindings {
  const bound: JsonObject = { ...states, context: env.context } as JsonObject;
  return { ...visibleVariables(env.variables), states: bound };
}
