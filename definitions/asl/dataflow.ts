/**
 * One data flow for every state, whichever query language it uses: what the state works on
 * (its effective input), and what it outputs and assigns once it has its result. States without
 * a result (Pass without `Result`, Choice, Wait, Succeed) pass `undefined` as the result.
 */
import type { Json, JsonObject } from '../model.js';
import { compileJsonataCatch, compileJsonataFlow } from './dataflow-jsonata.js';
import { compileJsonPathCatch, compileJsonPathFlow } from './dataflow-jsonpath.js';
import type { StateEnvironment } from './state-environment.js';
import { queryLanguageOf } from './types.js';
import type { Catcher, QueryLanguage, State } from './types.js';

export interface StateOutcome {
  output: Json;
  /** The variables the state assigns (applied after it, see variables.ts). */
  assigned: JsonObject;
}

export interface StateFlow {
  readonly queryLanguage: QueryLanguage;
  effectiveInput(rawInput: Json, env: StateEnvironment): Promise<Json>;
  output(rawInput: Json, result: Json | undefined, env: StateEnvironment): Promise<StateOutcome>;
}

/** The fields of the state that shape its data; `fields` replaces some (a Choice rule's Assign). */
export function compileStateFlow(state: State, machineLanguage: QueryLanguage | undefined, fields: Partial<State> = {}): StateFlow {
  const queryLanguage = queryLanguageOf(state, machineLanguage);
  const own = { ...state, ...fields };
  if (queryLanguage === 'JSONata') return { queryLanguage, ...compileJsonataFlow(own) };
  const flow = compileJsonPathFlow(own);
  return {
    queryLanguage,
    effectiveInput: async (rawInput, env) => flow.effectiveInput(rawInput, env),
    async output(rawInput, result, env) {
      if (result !== undefined) return flow.output(rawInput, result, env);
      // Without a result, what the state outputs is its effective input, through OutputPath.
      const effective = flow.effectiveInput(rawInput, env);
      return flow.output(effective, effective, env);
    },
  };
}

export type CatchFlow = (rawInput: Json, errorOutput: Json, env: StateEnvironment) => Promise<StateOutcome>;

/** The output and assignments of a Catch rule that caught `errorOutput` ({Error, Cause}). */
export function compileCatchFlow(catcher: Catcher, queryLanguage: QueryLanguage): CatchFlow {
  if (queryLanguage === 'JSONata') return compileJsonataCatch(catcher);
  const flow = compileJsonPathCatch(catcher);
  return async (rawInput, errorOutput, env) => flow(rawInput, errorOutput, env);
}

/** The error output a Catch rule receives: `{"Error": …, "Cause": …}`, Cause only when known. */
export function errorOutput(error: string, cause: string | undefined): JsonObject {
  return cause === undefined ? { Error: error } : { Error: error, Cause: cause };
}
