/**
 * Numbers a state reads at run time from a path or a JSONata expression: `MaxConcurrencyPath`,
 * `ToleratedFailureCount(Path)`, `ToleratedFailurePercentage(Path)`, `TimeoutSecondsPath`,
 * `HeartbeatSecondsPath`, and their JSONata forms. A path's value may be a number or the text of
 * one (AWS reads `"1"` as 1); anything else fails the state with AWS's cause.
 */
import type { Json } from '../model.js';
import { jsonText, queryEvaluationError, runtimeError } from './errors.js';
import { jsonTypeName } from './json.js';
import { valueForStatePath } from './jsonpath-evaluate.js';
import { parseJsonPath } from './jsonpath-parse.js';
import { compileJsonataTemplate } from './jsonata-template.js';
import { jsonataBindings, pathScope } from './state-environment.js';
import type { StateEnvironment } from './state-environment.js';
import type { State } from './types.js';

export type NumberKind = 'integer' | 'float';

export type NumericField = 'MaxConcurrency' | 'ToleratedFailureCount' | 'ToleratedFailurePercentage' | 'TimeoutSeconds' | 'HeartbeatSeconds';

/** Reads a setting: undefined when the state has neither the field nor its `…Path`. */
export type NumericSetting = (input: Json, env: StateEnvironment) => Promise<number | undefined>;

/**
 * `field` is the setting's name (`MaxConcurrency`); the state may hold it as a literal, as a
 * JSONata `{% %}` (JSONata states), or as `<field>Path` (JSONPath states).
 */
export function compileNumericSetting(state: State, field: NumericField, kind: NumberKind, jsonata: boolean): NumericSetting {
  const literal = state[field];
  const pathText = state[`${field}Path`];
  if (typeof pathText === 'string') {
    const path = parseJsonPath(pathText);
    return async (input, env) => {
      const value = valueForStatePath(path, pathScope(env, input));
      const number = asNumber(value, kind);
      if (number === null) throw runtimeError(`The ${field}Path field refers to value "${typeof value === 'string' ? value : jsonText(value)}" which is not a valid ${kind}: ${pathText}`);
      return number;
    };
  }
  if (literal === undefined) return async () => undefined;
  if (!jsonata || typeof literal !== 'string') return async () => literal as number;
  const template = compileJsonataTemplate(literal, field);
  return async (input, env) => {
    const value = await template.evaluate(jsonataBindings(env, { input }), env.random);
    if (typeof value === 'number' && (kind === 'float' || Number.isInteger(value))) return value;
    const source = literal.slice(2, -2).trim();
    throw queryEvaluationError(`The JSONata expression '${source}' specified for the field '${field}' returned an unexpected result type. Expected '${kind}', but was '${jsonTypeName(value)}' for value: ${jsonText(value)}`);
  };
}

function asNumber(value: Json, kind: NumberKind): number | null {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(number)) return null;
  return kind === 'integer' && !Number.isInteger(number) ? null : number;
}
