/**
 * What a Map state needs before and after its iterations, as pure functions: the items
 * (`ItemsPath` of the effective input, or JSONata `Items`, by default the input itself), each
 * item's input (`ItemSelector`, or the legacy `Parameters`, with `$$.Map.Item.Index/Value`), how
 * many run at once (`MaxConcurrency(Path)`, 0 = no limit), how many may fail
 * (`ToleratedFailureCount/Percentage(Path)`), and its `Label`.
 */
import type { Json } from '../model.js';
import { STATES_ERRORS, StatesError, jsonText, queryEvaluationError, runtimeError } from './errors.js';
import { withMapItem } from './context-object.js';
import { compileStateFlow } from './dataflow.js';
import { jsonTypeName } from './json.js';
import { valueForStatePath } from './jsonpath-evaluate.js';
import { parseJsonPath } from './jsonpath-parse.js';
import { compileJsonataTemplate, jsonataSource } from './jsonata-template.js';
import { compileNumericSetting } from './numeric-settings.js';
import { compilePayloadTemplate } from './payload-template.js';
import { jsonataBindings, pathScope } from './state-environment.js';
import type { StateEnvironment } from './state-environment.js';
import type { QueryLanguage, State } from './types.js';

export interface MapSettings {
  items: Json[];
  /** 0: no limit. */
  maxConcurrency: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  label?: string;
}

export interface CompiledMap {
  /** From the Map state's raw input: its items and settings. */
  settings(rawInput: Json, env: StateEnvironment): Promise<MapSettings>;
  /** The input of item number `index` (`value`). */
  itemInput(rawInput: Json, index: number, value: Json, env: StateEnvironment): Promise<Json>;
}

export function compileMap(state: State, machineLanguage: QueryLanguage | undefined): CompiledMap {
  const flow = compileStateFlow(state, machineLanguage);
  const jsonata = flow.queryLanguage === 'JSONata';
  const items = jsonata ? compileJsonataItems(state) : compileItemsPath(state);
  const selector = state.ItemSelector ?? (jsonata ? undefined : state.Parameters);
  const itemInput = jsonata ? compileJsonataSelector(selector) : compileJsonPathSelector(selector);
  const maxConcurrency = compileNumericSetting(state, 'MaxConcurrency', 'integer', jsonata);
  const count = compileNumericSetting(state, 'ToleratedFailureCount', 'integer', jsonata);
  const percentage = compileNumericSetting(state, 'ToleratedFailurePercentage', 'float', jsonata);
  // A JSONPath Map works on its input after InputPath; its legacy Parameters select each item.
  const inputPath = compileStateFlow({ ...state, Parameters: undefined }, machineLanguage);
  const effective = async (rawInput: Json, env: StateEnvironment) => (jsonata ? rawInput : inputPath.effectiveInput(rawInput, env));
  return {
    async settings(rawInput, env) {
      const input = await effective(rawInput, env);
      const settings: MapSettings = { items: await items(input, env), maxConcurrency: (await maxConcurrency(input, env)) ?? 0 };
      const tolerated = await count(input, env);
      if (tolerated !== undefined) {
        if (tolerated < 0) throw runtimeError('ToleratedFailureCount cannot be negative.');
        settings.toleratedFailureCount = tolerated;
      }
      const share = await percentage(input, env);
      if (share !== undefined) {
        if (share < 0 || share > 100) throw runtimeError('ToleratedFailurePercentage must be between 0 and 100.');
        settings.toleratedFailurePercentage = share;
      }
      if (settings.maxConcurrency < 0) throw runtimeError('MaxConcurrency cannot be negative.');
      if (state.Label !== undefined) settings.label = state.Label;
      return settings;
    },
    async itemInput(rawInput, index, value, env) {
      return itemInput(await effective(rawInput, env), index, value, env);
    },
  };
}

type Items = (input: Json, env: StateEnvironment) => Promise<Json[]>;

function compileItemsPath(state: State): Items {
  const path = state.ItemsPath === undefined ? null : parseJsonPath(state.ItemsPath);
  return async (input, env) => {
    const items = path === null ? input : valueForStatePath(path, pathScope(env, input));
    if (!Array.isArray(items)) throw runtimeError(`Map state input must be an array but was: ${jsonText(items)}`);
    return items;
  };
}

function compileJsonataItems(state: State): Items {
  if (state.Items === undefined) {
    return async (input) => {
      if (!Array.isArray(input)) throw queryEvaluationError(`Map state input must be an array but was: ${jsonText(input)}`);
      return input;
    };
  }
  const template = compileJsonataTemplate(state.Items, 'Items');
  const source = typeof state.Items === 'string' ? (jsonataSource(state.Items) ?? state.Items) : jsonText(state.Items);
  return async (input, env) => {
    const items = await template.evaluate(jsonataBindings(env, { input }), env.random);
    if (Array.isArray(items)) return items;
    throw queryEvaluationError(`The JSONata expression '${source}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${jsonTypeName(items)}' for value: ${jsonText(items)}`);
  };
}

type ItemInput = (input: Json, index: number, value: Json, env: StateEnvironment) => Promise<Json>;

function compileJsonPathSelector(selector: Json | undefined): ItemInput {
  if (selector === undefined) return async (_input, _index, value) => value;
  const template = compilePayloadTemplate(selector);
  return async (input, index, value, env) => template.evaluate(pathScope({ ...env, context: withMapItem(env.context, index, value) }, input), env.random);
}

function compileJsonataSelector(selector: Json | undefined): ItemInput {
  if (selector === undefined) return async (_input, _index, value) => value;
  const template = compileJsonataTemplate(selector, 'ItemSelector');
  return async (input, index, value, env) => template.evaluate(jsonataBindings({ ...env, context: withMapItem(env.context, index, value) }, { input }), env.random);
}

/**
 * Whether `failed` of `total` iterations is more than the Map tolerates; by default it tolerates
 * none. When it is, the Map fails with `States.ExceedToleratedFailureThreshold`.
 */
export function exceedsToleratedFailures(settings: Pick<MapSettings, 'toleratedFailureCount' | 'toleratedFailurePercentage'>, failed: number, total: number): boolean {
  const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = settings;
  if (count === undefined && percentage === undefined) return failed > 0;
  const overCount = count === undefined || failed > count;
  const overShare = percentage === undefined || (total > 0 && (100 * failed) / total > percentage);
  return overCount && overShare;
}

export function toleratedFailureError(): StatesError {
  return new StatesError(STATES_ERRORS.exceedToleratedFailureThreshold, 'The specified tolerated failure threshold was exceeded');
}
