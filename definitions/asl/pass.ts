/**
 * Pass and Succeed: states whose output is a pure function of their input and definition.
 * A JSONPath Pass's result is its `Result` (copied as written, `.$` keys included) or else its
 * effective input; a JSONata Pass outputs its `Output`, or its input.
 */
import type { Json } from '../model.js';
import { compileStateFlow } from './dataflow.js';
import type { StateOutcome } from './dataflow.js';
import type { StateEnvironment } from './state-environment.js';
import type { QueryLanguage, State } from './types.js';

export type StateRun = (rawInput: Json, env: StateEnvironment) => Promise<StateOutcome>;

export function compilePass(state: State, machineLanguage: QueryLanguage | undefined): StateRun {
  const flow = compileStateFlow(state, machineLanguage);
  if (flow.queryLanguage === 'JSONata') return (rawInput, env) => flow.output(rawInput, undefined, env);
  return async (rawInput, env) => {
    const result = state.Result !== undefined ? state.Result : await flow.effectiveInput(rawInput, env);
    return flow.output(rawInput, result, env);
  };
}

/** Succeed ends its run (or branch, or iteration) with this output. */
export function compileSucceed(state: State, machineLanguage: QueryLanguage | undefined): StateRun {
  const flow = compileStateFlow(state, machineLanguage);
  return (rawInput, env) => flow.output(rawInput, undefined, env);
}
