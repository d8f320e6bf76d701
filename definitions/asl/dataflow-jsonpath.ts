/**
 * The data flow of a JSONPath state, as pure functions compiled once per state:
 * `InputPath` → `Parameters` → (the state's work) → `ResultSelector` → `ResultPath` → `OutputPath`,
 * with `Assign` computed from the result (after `ResultSelector`), or from the effective input
 * for states that have no result. A path of `null` means: the empty object for `InputPath` and
 * `OutputPath`, and "discard the result, keep the input" for `ResultPath`.
 */
import type { Json, JsonObject } from '../model.js';
import { valueForStatePath } from './jsonpath-evaluate.js';
import { parseJsonPath } from './jsonpath-parse.js';
import type { JsonPath } from './jsonpath-parse.js';
import { compilePayloadTemplate } from './payload-template.js';
import type { PayloadTemplate } from './payload-template.js';
import { writeAtReferencePath } from './reference-path.js';
import { pathScope } from './state-environment.js';
import type { StateEnvironment } from './state-environment.js';
import type { State } from './types.js';

export interface JsonPathFlow {
  /** The input the state works on: InputPath, then Parameters. */
  effectiveInput(rawInput: Json, env: StateEnvironment): Json;
  /** The state's output from its raw input and its result, and the variables it assigns. */
  output(rawInput: Json, result: Json, env: StateEnvironment): { output: Json; assigned: JsonObject };
}

/** `null` (the field written as null), a path, or absent (the default, `$`). */
type OptionalPath = JsonPath | null | undefined;

export function compileJsonPathFlow(state: State): JsonPathFlow {
  const inputPath = optionalPath(state.InputPath);
  const outputPath = optionalPath(state.OutputPath);
  const resultPath = optionalPath(state.ResultPath);
  const parameters = state.Parameters === undefined ? undefined : compilePayloadTemplate(state.Parameters);
  const resultSelector = state.ResultSelector === undefined ? undefined : compilePayloadTemplate(state.ResultSelector);
  const assign = state.Assign === undefined ? undefined : compilePayloadTemplate(state.Assign);
  return {
    effectiveInput(rawInput, env) {
      const selected = applyPath(inputPath, rawInput, env);
      return parameters === undefined ? selected : parameters.evaluate(pathScope(env, selected), env.random);
    },
    output(rawInput, result, env) {
      const selected = resultSelector === undefined ? result : resultSelector.evaluate(pathScope(env, result), env.random);
      const assigned = evaluateAssign(assign, selected, env);
      const combined = resultPath === null ? rawInput : resultPath === undefined ? selected : writeAtReferencePath(rawInput, resultPath, selected);
      return { output: applyPath(outputPath, combined, env), assigned };
    },
  };
}

/** A Catch rule of a JSONPath state: the error output is placed in the raw input at its `ResultPath`. */
export function compileJsonPathCatch(catcher: { ResultPath?: string | null; Assign?: JsonObject }): JsonPathFlow['output'] {
  const resultPath = optionalPath(catcher.ResultPath);
  const assign = catcher.Assign === undefined ? undefined : compilePayloadTemplate(catcher.Assign);
  return (rawInput, errorOutput, env) => {
    const assigned = evaluateAssign(assign, errorOutput, env);
    const output = resultPath === null ? rawInput : resultPath === undefined ? errorOutput : writeAtReferencePath(rawInput, resultPath, errorOutput);
    return { output, assigned };
  };
}

function evaluateAssign(assign: PayloadTemplate | undefined, value: Json, env: StateEnvironment): JsonObject {
  return assign === undefined ? {} : (assign.evaluate(pathScope(env, value), env.random) as JsonObject);
}

function optionalPath(text: string | null | undefined): OptionalPath {
  if (text === null) return null;
  return text === undefined ? undefined : parseJsonPath(text);
}

/** InputPath and OutputPath: `$` by default, `{}` when null. */
function applyPath(path: OptionalPath, value: Json, env: StateEnvironment): Json {
  if (path === null) return {};
  if (path === undefined) return value;
  return valueForStatePath(path, pathScope(env, value));
}
