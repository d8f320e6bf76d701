/**
 * A Fail state's error and cause: `Error`/`Cause` as written, or from `ErrorPath`/`CausePath`
 * (a path, or an intrinsic call such as States.Format), or JSONata `{% %}` in `Error`/`Cause`.
 * Either may be absent: AWS then reports none.
 */
import type { Json } from '../model.js';
import { runtimeError } from './errors.js';
import { valueForField } from './jsonpath-evaluate.js';
import { parseJsonPath } from './jsonpath-parse.js';
import { evaluateIntrinsic } from './intrinsics.js';
import { looksLikeIntrinsic, parseIntrinsic } from './intrinsics-parse.js';
import { compileJsonataTemplate } from './jsonata-template.js';
import { jsonataBindings, pathScope } from './state-environment.js';
import type { StateEnvironment } from './state-environment.js';
import { queryLanguageOf } from './types.js';
import type { QueryLanguage, State } from './types.js';

export interface FailOutcome {
  error?: string;
  cause?: string;
}

type Part = (input: Json, env: StateEnvironment) => Promise<string | undefined>;

export function compileFail(state: State, machineLanguage: QueryLanguage | undefined): (rawInput: Json, env: StateEnvironment) => Promise<FailOutcome> {
  const jsonata = queryLanguageOf(state, machineLanguage) === 'JSONata';
  const error = jsonata ? jsonataPart(state.Error, 'Error') : jsonPathPart(state.Error, state.ErrorPath, 'ErrorPath');
  const cause = jsonata ? jsonataPart(state.Cause, 'Cause') : jsonPathPart(state.Cause, state.CausePath, 'CausePath');
  return async (rawInput, env) => {
    const [e, c] = [await error(rawInput, env), await cause(rawInput, env)];
    return { ...(e === undefined ? {} : { error: e }), ...(c === undefined ? {} : { cause: c }) };
  };
}

function jsonPathPart(literal: string | undefined, pathText: string | undefined, field: string): Part {
  if (pathText === undefined) return async () => literal;
  if (looksLikeIntrinsic(pathText)) {
    const call = parseIntrinsic(pathText.trim());
    return async (input, env) => asText(evaluateIntrinsic(call, { scope: pathScope(env, input), random: env.random, field }), field);
  }
  const path = parseJsonPath(pathText);
  return async (input, env) => asText(valueForField(path, pathScope(env, input), field), field);
}

function jsonataPart(value: string | undefined, field: string): Part {
  if (value === undefined) return async () => undefined;
  const template = compileJsonataTemplate(value, field);
  return async (input, env) => asText(await template.evaluate(jsonataBindings(env, { input }), env.random), field);
}

function asText(value: Json, field: string): string {
  if (typeof value === 'string') return value;
  throw runtimeError(`The value of the field '${field}' must be a string, but was: ${JSON.stringify(value)}`);
}
