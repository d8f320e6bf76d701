/**
 * A Choice state: the first rule that holds gives the next state, else `Default`, else the state
 * fails with `States.NoChoiceMatched`. JSONPath rules compare values of the effective input (see
 * choice-rules.ts); JSONata rules have a `Condition` that must give true or false. The `Assign`
 * and `Output` of the rule taken apply; the state's own apply only when `Default` is taken.
 */
import type { Json } from '../model.js';
import { STATES_ERRORS, StatesError, jsonText, queryEvaluationError } from './errors.js';
import { compileChoiceRule } from './choice-rules.js';
import { compileStateFlow } from './dataflow.js';
import type { StateOutcome } from './dataflow.js';
import { jsonTypeName } from './json.js';
import { compileJsonataTemplate } from './jsonata-template.js';
import { jsonataBindings, pathScope } from './state-environment.js';
import type { StateEnvironment } from './state-environment.js';
import type { ChoiceRule, QueryLanguage, State } from './types.js';

export interface ChoiceOutcome extends StateOutcome {
  next: string;
}

type Test = (rawInput: Json, effective: Json, env: StateEnvironment) => Promise<boolean>;

export function compileChoice(state: State, machineLanguage: QueryLanguage | undefined): (rawInput: Json, env: StateEnvironment) => Promise<ChoiceOutcome> {
  const base = compileStateFlow(state, machineLanguage);
  const rules = (state.Choices ?? []).map((rule) => ({
    next: rule.Next!,
    test: compileTest(rule, base.queryLanguage),
    flow: compileStateFlow(state, machineLanguage, { Assign: rule.Assign, Output: rule.Output }),
  }));
  return async (rawInput, env) => {
    const effective = base.queryLanguage === 'JSONPath' ? await base.effectiveInput(rawInput, env) : rawInput;
    for (const rule of rules) {
      if (await rule.test(rawInput, effective, env)) return { next: rule.next, ...(await rule.flow.output(rawInput, undefined, env)) };
    }
    if (state.Default === undefined) throw new StatesError(STATES_ERRORS.noChoiceMatched, 'No Choice Rules matched the input and the Choice state has no Default.');
    return { next: state.Default, ...(await base.output(rawInput, undefined, env)) };
  };
}

function compileTest(rule: ChoiceRule, language: QueryLanguage): Test {
  if (language === 'JSONPath') {
    const compiled = compileChoiceRule(rule as Record<string, unknown>);
    return async (_raw, effective, env) => compiled.test(pathScope(env, effective));
  }
  const condition = compileJsonataTemplate(rule.Condition ?? null, 'Condition');
  return async (rawInput, _effective, env) => {
    const value = await condition.evaluate(jsonataBindings(env, { input: rawInput }), env.random);
    if (typeof value === 'boolean') return value;
    const source = typeof rule.Condition === 'string' ? rule.Condition.slice(2, -2).trim() : jsonText(rule.Condition);
    throw queryEvaluationError(`The JSONata expression '${source}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonTypeName(value)}' for value: ${jsonText(value)}`);
  };
}
