/**
 * The data flow of a JSONata state: `Arguments` (what a Task, Map or Parallel works on, by default
 * the state's input), then `Output` (by default the result, or the input for a state without
 * one) and `Assign`. Both are computed from `$states.input`, `$states.result` (or
 * `$states.errorOutput` in a Catch rule), `$states.context` and the variables as they were before
 * the state: an assignment is never visible to the `Output` of the same state.
 */
import type { Json, JsonObject } from '../model.js';
import { compileJsonataTemplate } from './jsonata-template.js';
import type { JsonataTemplate } from './jsonata-template.js';
import { jsonataBindings } from './state-environment.js';
import type { StateEnvironment, StatesBinding } from './state-environment.js';

export interface JsonataFlow {
  /** The state's `Arguments`, evaluated; the raw input when it has none. */
  effectiveInput(rawInput: Json, env: StateEnvironment): Promise<Json>;
  /** `result` is undefined for a state without one (Pass, Choice, Wait, Succeed). */
  output(rawInput: Json, result: Json | undefined, env: StateEnvironment): Promise<{ output: Json; assigned: JsonObject }>;
}

export function compileJsonataFlow(fields: { Arguments?: Json; Output?: Json; Assign?: JsonObject }): JsonataFlow {
  const args = fields.Arguments === undefined ? undefined : compileJsonataTemplate(fields.Arguments, 'Arguments');
  const output = compileOutput(fields);
  return {
    async effectiveInput(rawInput, env) {
      return args === undefined ? rawInput : args.evaluate(jsonataBindings(env, { input: rawInput }), env.random);
    },
    output: (rawInput, result, env) => output({ input: rawInput, ...(result === undefined ? {} : { result }) }, result ?? rawInput, env),
  };
}

/** A Catch rule of a JSONata state: `$states.errorOutput` is the error; it is also the default output. */
export function compileJsonataCatch(catcher: { Output?: Json; Assign?: JsonObject }): (rawInput: Json, errorOutput: Json, env: StateEnvironment) => Promise<{ output: Json; assigned: JsonObject }> {
  const output = compileOutput(catcher);
  return (rawInput, errorOutput, env) => output({ input: rawInput, errorOutput }, errorOutput, env);
}

type OutputStep = (states: StatesBinding, fallback: Json, env: StateEnvironment) => Promise<{ output: Json; assigned: JsonObject }>;

function compileOutput(fields: { Output?: Json; Assign?: JsonObject }): OutputStep {
  const output = fields.Output === undefined ? undefined : compileJsonataTemplate(fields.Output, 'Output');
  const assign = compileAssign(fields.Assign);
  return async (states, fallback, env) => {
    const bindings = jsonataBindings(env, states);
    const assigned = assign === undefined ? {} : ((await assign.evaluate(bindings, env.random)) as JsonObject);
    return { output: output === undefined ? fallback : await output.evaluate(bindings, env.random), assigned };
  };
}

/** `Assign` as one template: its causes name each field as `Assign/name`. */
export function compileAssign(assign: JsonObject | undefined): JsonataTemplate | undefined {
  return assign === undefined ? undefined : compileJsonataTemplate(assign, 'Assign');
}
