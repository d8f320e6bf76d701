/**
 * A Wait state: how long it waits (`Seconds`, `SecondsPath`, or a JSONata `Seconds`) or until
 * when (`Timestamp`, `TimestampPath`, or a JSONata `Timestamp`), and its output, which is its
 * input (through `OutputPath` or `Output`). Bad values fail the state with AWS's causes.
 */
import type { Json } from '../model.js';
import { jsonText, queryEvaluationError, runtimeError } from './errors.js';
import { compileStateFlow } from './dataflow.js';
import type { StateOutcome } from './dataflow.js';
import { evaluatePath } from './jsonpath-evaluate.js';
import { parseJsonPath } from './jsonpath-parse.js';
import { compileJsonataTemplate } from './jsonata-template.js';
import { jsonataBindings, pathScope } from './state-environment.js';
import type { StateEnvironment } from './state-environment.js';
import { timestampMs } from './timestamps.js';
import type { QueryLanguage, State } from './types.js';

/** Either a number of whole seconds, or a moment (milliseconds since the epoch). */
export type WaitFor = { seconds: number } | { untilMs: number };

export interface WaitOutcome extends StateOutcome {
  wait: WaitFor;
}

const TIMESTAMP_FORMAT = 'ISO-8601 extended offset date-time format string';

export function compileWait(state: State, machineLanguage: QueryLanguage | undefined): (rawInput: Json, env: StateEnvironment) => Promise<WaitOutcome> {
  const flow = compileStateFlow(state, machineLanguage);
  const waitFor = flow.queryLanguage === 'JSONata' ? compileJsonataWait(state) : compileJsonPathWait(state);
  return async (rawInput, env) => {
    const effective = flow.queryLanguage === 'JSONPath' ? await flow.effectiveInput(rawInput, env) : rawInput;
    const wait = await waitFor(effective, env);
    return { wait, ...(await flow.output(rawInput, undefined, env)) };
  };
}

type WaitFunction = (input: Json, env: StateEnvironment) => Promise<WaitFor>;

function compileJsonPathWait(state: State): WaitFunction {
  if (typeof state.Seconds === 'number') return async () => ({ seconds: state.Seconds as number });
  if (state.Timestamp !== undefined) {
    const untilMs = timestampMs(state.Timestamp);
    return async () => (untilMs === null ? badTimestampField(state.Timestamp!) : { untilMs });
  }
  const field = state.SecondsPath !== undefined ? 'SecondsPath' : 'TimestampPath';
  const source = state.SecondsPath ?? state.TimestampPath ?? '$';
  const path = parseJsonPath(source);
  return async (input, env) => {
    const found = evaluatePath(path, pathScope(env, input));
    if (!found.found) throw runtimeError(`The ${field} parameter does not reference an input value: ${source}`);
    const value = found.value;
    if (field === 'SecondsPath') {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw runtimeError(`The SecondsPath parameter cannot be parsed as a long value: ${source} == ${jsonText(value)}`);
      if (value < 0) throw runtimeError(`The SecondsPath parameter references a negative value: ${source} == ${value}`);
      return { seconds: value };
    }
    const untilMs = typeof value === 'string' ? timestampMs(value) : null;
    if (untilMs === null) throw runtimeError(`The TimestampPath parameter does not reference a valid ${TIMESTAMP_FORMAT}: ${source} == ${jsonText(value)}`);
    return { untilMs };
  };
}

function compileJsonataWait(state: State): WaitFunction {
  const isSeconds = state.Seconds !== undefined;
  const template = compileJsonataTemplate((isSeconds ? state.Seconds : state.Timestamp) ?? null, isSeconds ? 'Seconds' : 'Timestamp');
  return async (input, env) => {
    const value = await template.evaluate(jsonataBindings(env, { input }), env.random);
    if (isSeconds) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw queryEvaluationError(`The Seconds field must be a non-negative integer, but was: ${jsonText(value)}`);
      }
      return { seconds: value };
    }
    const untilMs = typeof value === 'string' ? timestampMs(value) : null;
    if (untilMs === null) throw queryEvaluationError(`The Timestamp field cannot be parsed as an ${TIMESTAMP_FORMAT}: ${typeof value === 'string' ? value : jsonText(value)}`);
    return { untilMs };
  };
}

function badTimestampField(text: string): never {
  throw runtimeError(`The Timestamp field cannot be parsed as an ${TIMESTAMP_FORMAT}: ${text}`);
}

/** When a wait that started at `nowMs` is over. */
export function waitDueMs(wait: WaitFor, nowMs: number): number {
  return 'seconds' in wait ? nowMs + wait.seconds * 1000 : wait.untilMs;
}
