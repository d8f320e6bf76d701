/**
 * Compiles a validated ASL document to Segue's Plan, so the same interpreter, stores, API and
 * CLI run it. Each state becomes the step of the same meaning (Pass → set, Task → task, Choice →
 * choice, Wait → delay, Succeed → succeed, Fail → fail, Parallel → parallel, Map → map); each
 * Parallel branch and Map item processor becomes a scope. What ASL decides by its own rules (the
 * data flow, variables, choosing, waiting, failing, Retry and Catch, Map tolerance) the step
 * carries as hooks (step-hooks.ts), built from the pure ASL functions of this folder.
 */
import { definitionHash } from '../compile-parts.js';
import type { CompiledExpression } from '../expressions.js';
import { END, childScopeId } from '../model.js';
import type { CatchRule, Json, JsonObject, Plan, PlanStep, RetryPolicy, Scope } from '../model.js';
import type { ErrorDecision, HookEnvironment, HookError, HookOutcome, StepHooks } from '../step-hooks.js';
import { compileChoice } from './choice.js';
import { contextObject } from './context-object.js';
import { compileCatchFlow, compileStateFlow, errorOutput } from './dataflow.js';
import { STATES_ERRORS } from './errors.js';
import { compileFail } from './fail.js';
import { checkPayloadSize } from './limits.js';
import { compileMap, exceedsToleratedFailures, toleratedFailureError } from './map.js';
import { compilePass, compileSucceed } from './pass.js';
import { decideRetry, matchingCatcher } from './retry.js';
import type { StateEnvironment } from './state-environment.js';
import { compileTaskTimeouts } from './task.js';
import { taskTypeOf, waitsForTaskToken } from './task-resource.js';
import type { QueryLanguage, State, StateMachine } from './types.js';
import { compileWait, waitDueMs } from './wait.js';

export interface AslCompileOptions {
  /** The workflow's name (an ASL document has none of its own: it comes from its file). */
  name: string;
  version: number;
}

/** Retrying and catching are the hooks' (Retry, Catch): the step's own policy never retries. */
const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialIntervalMs: 0, backoffCoefficient: 1, maxIntervalMs: 0, jitter: 0, nonRetryable: [] };

export function compileAslPlan(machine: StateMachine, options: AslCompileOptions): Plan {
  const own = structuredClone(machine);
  const scopes = new Map<string, Scope>();
  compileMachine(own, { id: '' }, own.QueryLanguage, scopes);
  return {
    name: options.name,
    version: options.version,
    ...(own.Comment === undefined ? {} : { description: own.Comment }),
    ...(own.TimeoutSeconds === undefined ? {} : { timeoutMs: own.TimeoutSeconds * 1000 }),
    hash: definitionHash(own),
    definition: structuredClone(own) as unknown as JsonObject,
    scopes,
    // An ASL document declares no triggers: events start it only through the API.
    triggers: [],
    hasWaitSteps: false,
  };
}

function compileMachine(machine: StateMachine, scope: { id: string; owner?: Scope['owner'] }, language: QueryLanguage | undefined, scopes: Map<string, Scope>): void {
  const steps: PlanStep[] = [];
  const byName = new Map<string, PlanStep>();
  scopes.set(scope.id, Object.freeze({ ...scope, steps, byName }));
  // The interpreter starts a scope at its first step: StartAt comes first, then the rest as written.
  const names = [machine.StartAt, ...Object.keys(machine.States).filter((n) => n !== machine.StartAt)];
  names.forEach((name, index) => {
    const step = Object.freeze(compileState(name, machine.States[name]!, { scope: scope.id, index, language, scopes }));
    steps.push(step);
    byName.set(name, step);
  });
  Object.freeze(steps);
}

interface Site {
  scope: string;
  index: number;
  language: QueryLanguage | undefined;
  scopes: Map<string, Scope>;
}

function compileState(name: string, state: State, site: Site): PlanStep {
  const base = { name, scope: site.scope, index: site.index, next: state.End === true || state.Next === undefined ? END : state.Next, output: { kind: 'none' as const } };
  const language = site.language;
  switch (state.Type) {
    case 'Pass': {
      const run = compilePass(state, language);
      return { ...base, type: 'set', values: [], hooks: { output: checked(name, (raw, _result, env) => run(raw, env)) } };
    }
    case 'Succeed': {
      const run = compileSucceed(state, language);
      return { ...base, type: 'succeed', hooks: { output: checked(name, (raw, _result, env) => run(raw, env)) } };
    }
    case 'Fail': {
      const run = compileFail(state, language);
      const failure = async (raw: Json, env: HookEnvironment): Promise<HookError> => {
        const { error, cause } = await run(raw, stateEnvironment(env));
        return cause === undefined ? { error: error ?? '' } : { error: error ?? '', cause };
      };
      return { ...base, type: 'fail', error: state.Error ?? state.ErrorPath ?? '', hooks: { output: passThrough, failure } };
    }
    case 'Choice': {
      const run = compileChoice(state, language);
      const choices = (state.Choices ?? []).map((rule, i) => ({ when: described(rule.Condition === undefined ? `rule ${i + 1}` : String(rule.Condition)), next: rule.Next! }));
      const choose = async (raw: Json, env: HookEnvironment) => run(raw, stateEnvironment(env));
      return { ...base, type: 'choice', next: END, choices, ...(state.Default === undefined ? {} : { otherwise: state.Default }), hooks: { output: passThrough, choose } };
    }
    case 'Wait': {
      const run = compileWait(state, language);
      const flow = compileStateFlow(state, language);
      const waitUntil = async (raw: Json, env: HookEnvironment) => waitDueMs((await run(raw, stateEnvironment(env))).wait, env.facts.now);
      return { ...base, type: 'delay', hooks: { output: checked(name, (raw, _r, env) => flow.output(raw, undefined, env)), waitUntil } };
    }
    case 'Task':
      return compileTask(name, state, base, language);
    case 'Parallel':
      return compileParallel(name, state, base, site);
    case 'Map':
      return compileMapState(name, state, base, site);
  }
}

type Base = Pick<PlanStep, 'name' | 'scope' | 'index' | 'next' | 'output'>;

function compileTask(name: string, state: State, base: Base, language: QueryLanguage | undefined): PlanStep {
  const flow = compileStateFlow(state, language);
  const timeouts = compileTaskTimeouts(state, language);
  const type = taskTypeOf(state.Resource ?? '');
  const hooks: StepHooks = {
    input: (raw, env) => flow.effectiveInput(raw, stateEnvironment(env)),
    async limits(input, env) {
      const { timeoutSeconds, heartbeatSeconds } = await timeouts(input, stateEnvironment(env));
      return heartbeatSeconds === undefined ? { timeoutMs: timeoutSeconds * 1000 } : { timeoutMs: timeoutSeconds * 1000, heartbeatMs: heartbeatSeconds * 1000 };
    },
    output: checked(name, (raw, result, env) => flow.output(raw, result, env)),
    onError: errorHandling(state, flow.queryLanguage),
  };
  const callback = waitsForTaskToken(state.Resource ?? '');
  return { ...base, type: 'task', task: type, queue: type, ...(callback ? { callback } : {}), heartbeatError: 'HeartbeatTimeout', retry: NO_RETRY, catch: catchRules(state), hooks };
}

function compileParallel(name: string, state: State, base: Base, site: Site): PlanStep {
  const flow = compileStateFlow(state, site.language);
  const branches = (state.Branches ?? []).map((branch, i) => {
    const scope = childScopeId(site.scope, name, String(i + 1));
    compileMachine(branch, { id: scope, owner: { scope: site.scope, step: name, branch: String(i + 1) } }, site.language, site.scopes);
    return { name: String(i + 1), scope };
  });
  const hooks: StepHooks = {
    input: (raw, env) => flow.effectiveInput(raw, stateEnvironment(env)),
    output: checked(name, (raw, result, env) => flow.output(raw, result, env)),
    onError: errorHandling(state, flow.queryLanguage),
  };
  return { ...base, type: 'parallel', branches, catch: catchRules(state), hooks };
}

function compileMapState(name: string, state: State, base: Base, site: Site): PlanStep {
  const processor = state.ItemProcessor ?? state.Iterator!;
  const body = childScopeId(site.scope, name);
  compileMachine(processor, { id: body, owner: { scope: site.scope, step: name } }, site.language, site.scopes);
  const map = compileMap(state, site.language);
  const flow = compileStateFlow(state, site.language);
  // The Map's own result is its list of outputs; its Parameters select items, not its result.
  const output = compileStateFlow({ ...state, Parameters: undefined }, site.language);
  const hooks: StepHooks = {
    async items(raw, env) {
      const stateEnv = stateEnvironment(env);
      const settings = await map.settings(raw, stateEnv);
      const inputs: Json[] = [];
      for (const [i, item] of settings.items.entries()) inputs.push(await map.itemInput(raw, i, item, stateEnv));
      const tolerance: JsonObject = {};
      if (settings.toleratedFailureCount !== undefined) tolerance.toleratedFailureCount = settings.toleratedFailureCount;
      if (settings.toleratedFailurePercentage !== undefined) tolerance.toleratedFailurePercentage = settings.toleratedFailurePercentage;
      return { inputs, concurrency: settings.maxConcurrency, tolerance };
    },
    tolerates(tolerance, failed, total, last) {
      if (!exceedsToleratedFailures(tolerance, failed, total)) return undefined;
      if (Object.keys(tolerance).length === 0) return last;
      const exceeded = toleratedFailureError();
      return { error: exceeded.error, cause: exceeded.cause };
    },
    failedItem: (error) => errorOutput(error.error, error.cause),
    output: checked(name, (raw, result, env) => output.output(raw, result, env)),
    onError: errorHandling(state, flow.queryLanguage),
  };
  const items = described(state.ItemsPath ?? (typeof state.Items === 'string' ? state.Items : '$'));
  return { ...base, type: 'map', items, body, concurrency: 0, toleratedFailures: { kind: 'count', count: 0 }, catch: catchRules(state), hooks };
}

/** Retry, then Catch: the hooks' answer to a failed attempt of a Task, Parallel or Map. */
function errorHandling(state: State, language: QueryLanguage): NonNullable<StepHooks['onError']> {
  const retriers = state.Retry ?? [];
  const catchers = state.Catch ?? [];
  const flows = catchers.map((c) => compileCatchFlow(c, language));
  return async (raw, failure, retries, env): Promise<ErrorDecision> => {
    const error = aslErrorName(failure.error);
    const retry = decideRetry(retriers, error, retries, env.random);
    if (retry.retry) return { kind: 'retry', delayMs: retry.delayMs, retries: retry.retries };
    const index = matchingCatcher(catchers, error);
    const named: HookError = { ...failure, error };
    if (index < 0) return { kind: 'fail', error: named };
    const outcome = await flows[index]!(raw, errorOutput(error, failure.cause), stateEnvironment(env));
    return { kind: 'catch', next: catchers[index]!.Next, outcome };
  };
}

/** The interpreter's own error names in ASL's words: a lease that ran out is `States.Timeout`; a missed heartbeat (of a worker or of a callback) `States.HeartbeatTimeout`. */
function aslErrorName(error: string): string {
  if (error === 'Timeout') return STATES_ERRORS.timeout;
  return error === 'HeartbeatTimeout' ? STATES_ERRORS.heartbeatTimeout : error;
}

/** The Catch rules as the plan shows them (the graph's edges); the hooks apply them. */
function catchRules(state: State): CatchRule[] {
  return (state.Catch ?? []).map((c) => ({ errors: c.ErrorEquals, next: c.Next, output: { kind: 'none' } }));
}

type Output = (raw: Json, result: Json | undefined, env: StateEnvironment) => Promise<HookOutcome>;

/** An output hook that fails the state when what it passes on is over Step Functions' size limit. */
function checked(name: string, output: Output): StepHooks['output'] {
  return async (raw, result, env) => {
    const outcome = await output(raw, result, stateEnvironment(env));
    checkPayloadSize(name, outcome.output);
    return outcome;
  };
}

/** Choice and Fail make their output in `choose` and `failure`; this one is never asked for more than the input. */
async function passThrough(raw: Json): Promise<HookOutcome> {
  return { output: raw, assigned: {} };
}

/** A label for the graph (a Choice rule, a Map's items) where the hooks do the evaluating. */
function described(source: string): CompiledExpression {
  return {
    source,
    evaluate: () => Promise.reject(new Error(`"${source}" is evaluated by the step's ASL hooks`)),
  };
}

/** The environment of the pure ASL functions: the context object from the interpreter's facts. */
function stateEnvironment(env: HookEnvironment): StateEnvironment {
  const { facts } = env;
  const machineArn = `arn:aws:states:local:000000000000:stateMachine:${facts.workflow}`;
  const context = contextObject({
    execution: {
      id: `arn:aws:states:local:000000000000:execution:${facts.workflow}:${facts.instanceId}`,
      name: facts.instanceId,
      input: facts.input,
      startTime: new Date(facts.startedAt).toISOString(),
    },
    stateMachine: { id: machineArn, name: facts.workflow },
    state: { name: facts.step, enteredTime: new Date(facts.now).toISOString(), retryCount: facts.retryCount },
    ...(facts.taskToken === undefined ? {} : { taskToken: facts.taskToken }),
  });
  return { context, variables: env.variables, random: env.random };
}
