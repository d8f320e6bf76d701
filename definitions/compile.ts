/**
 * Compiles a validated WorkflowDefinition into the Plan the engine interprets: transitions
 * resolved (fall-through included), defaults applied, durations in milliseconds, every
 * expression and template compiled once, nested step lists flattened into scopes.
 */
import {
  UnvalidatedDefinitionError,
  catchRules,
  compensationSpec,
  condition,
  definitionHash,
  durationMs,
  placement,
  retryPolicy,
  target,
  template,
  toleratedFailures,
} from './compile-parts.js';
import type { StepDefaults } from './compile-parts.js';
import type { StepDefinition, WorkflowDefinition } from './definition.js';
import { compileTemplate } from './expressions.js';
import { END, childScopeId } from './model.js';
import type { JsonObject, OutputPlacement, Plan, PlanStep, Scope } from './model.js';

export { UnvalidatedDefinitionError, definitionHash } from './compile-parts.js';

export interface CompileOptions {
  /** Version the plan is registered under (the registry may assign it). */
  version: number;
}

/** Compiles a definition that passed checkDefinition; throws UnvalidatedDefinitionError otherwise. */
export function compilePlan(definition: WorkflowDefinition, options: CompileOptions): Plan {
  // The plan owns its own copy: nothing it holds is shared with the caller's object.
  const own = structuredClone(definition);
  const scopes = new Map<string, Scope>();
  const defaults: StepDefaults = own.defaults ?? {};
  compileScope(own.steps, { id: '' }, defaults, scopes);
  return {
    name: own.name,
    version: options.version,
    description: own.description,
    inputSchema: own.input,
    timeoutMs: durationMs(own.timeout, 'workflow timeout'),
    hash: definitionHash(own),
    definition: structuredClone(own) as unknown as JsonObject,
    scopes,
    hasWaitSteps: [...scopes.values()].some((scope) => scope.steps.some((step) => step.type === 'wait')),
    triggers: (own.triggers ?? []).map((t) => ({
      event: t.event,
      ...(t.filter === undefined ? {} : { filter: condition(t.filter) }),
      ...(t.input === undefined ? {} : { input: compileTemplate(t.input) }),
      ...(t.id === undefined ? {} : { id: compileTemplate(t.id) }),
    })),
    ...(own.concurrency ? { concurrencyLimit: own.concurrency.limit } : {}),
  };
}

function compileScope(
  steps: StepDefinition[],
  scope: { id: string; owner?: Scope['owner'] },
  defaults: StepDefaults,
  scopes: Map<string, Scope>,
): void {
  const compiled: PlanStep[] = [];
  const byName = new Map<string, PlanStep>();
  // Registered before its steps compile, so a scope comes before the scopes nested in it.
  scopes.set(scope.id, Object.freeze({ ...scope, steps: compiled, byName }));
  steps.forEach((step, index) => {
    const following = steps[index + 1]?.name ?? END;
    const where = scope.id === '' ? `step "${step.name}"` : `step "${step.name}" in "${scope.id}"`;
    const planStep = deepFreeze(compileStep(step, { scope: scope.id, index, following, defaults, where, scopes }));
    compiled.push(planStep);
    byName.set(step.name, planStep);
  });
  Object.freeze(compiled);
}

interface StepContext {
  scope: string;
  index: number;
  /** The next step in the list, or END for the last one. */
  following: string;
  defaults: StepDefaults;
  /** How messages name the step. */
  where: string;
  scopes: Map<string, Scope>;
}

/** Steps whose completion produces no result to place in the data. */
const NO_RESULT = new Set(['set', 'choice', 'delay', 'compensate', 'continue', 'succeed', 'fail']);
/** Steps that end their run: they never go on to another step. */
const TERMINAL = new Set(['continue', 'succeed', 'fail']);

function compileStep(step: StepDefinition, ctx: StepContext): PlanStep {
  const output: OutputPlacement = NO_RESULT.has(step.type) ? { kind: 'none' } : placement(step.output, [step.name]);
  const base = {
    name: step.name,
    scope: ctx.scope,
    index: ctx.index,
    next: TERMINAL.has(step.type) ? END : step.next !== undefined ? target(step.next) : ctx.following,
    output,
    result: template(step.result),
  };
  switch (step.type) {
    case 'task':
    case 'http':
    case 'workflow':
      return compileCallStep(step, base, ctx);
    case 'set':
      return { ...base, type: 'set', values: setValues(step) };
    case 'choice':
      return {
        ...base,
        type: 'choice',
        choices: (step.choices ?? []).map((c) => ({ when: condition(c.when), next: target(c.next) })),
        otherwise: step.otherwise === undefined ? undefined : target(step.otherwise),
      };
    case 'parallel':
    case 'map':
      return compileNestingStep(step, base, ctx);
    case 'wait':
      return {
        ...base,
        type: 'wait',
        event: required(step, 'event', ctx),
        correlate: step.correlate === undefined ? undefined : condition(step.correlate),
        timeoutMs: durationMs(step.timeout, `${ctx.where} timeout`),
        onTimeout: step.onTimeout === undefined ? undefined : target(step.onTimeout),
      };
    case 'delay':
      return {
        ...base,
        type: 'delay',
        durationMs: durationMs(step.duration, `${ctx.where} duration`),
        until: step.until === undefined ? undefined : condition(step.until),
      };
    case 'compensate':
      return { ...base, type: 'compensate' };
    case 'continue':
      return { ...base, type: 'continue', input: template(step.input) };
    case 'succeed':
      // A succeed step's `output` is the workflow's output template, not a placement.
      return { ...base, type: 'succeed', value: template(step.output) };
    case 'fail':
      return { ...base, type: 'fail', error: required(step, 'error', ctx), message: template(step.message) };
    default:
      throw new UnvalidatedDefinitionError(`${ctx.where}: unknown type "${step.type}"`);
  }
}

type Base = Pick<PlanStep, 'name' | 'scope' | 'index' | 'next' | 'output' | 'result'>;

/** task, http and workflow steps: the ones `defaults` apply to. */
function compileCallStep(step: StepDefinition, base: Base, ctx: StepContext): PlanStep {
  const common = {
    ...base,
    timeoutMs: durationMs(step.timeout ?? ctx.defaults.timeout, `${ctx.where} timeout`),
    retry: retryPolicy([ctx.defaults.retry, step.retry], ctx.where),
    catch: catchRules(step.catch),
    compensate: compensationSpec(step.compensate, ctx.defaults, ctx.where),
  };
  if (step.type === 'task') {
    const task = required(step, 'task', ctx);
    return {
      ...common,
      type: 'task',
      task,
      queue: step.queue ?? task,
      input: template(step.input),
      heartbeatMs: durationMs(step.heartbeat, `${ctx.where} heartbeat`),
    };
  }
  if (step.type === 'http') {
    return {
      ...common,
      type: 'http',
      method: (step.method ?? 'GET').toUpperCase(),
      url: compileTemplate(required(step, 'url', ctx)),
      headers: template(step.headers),
      body: template(step.body),
    };
  }
  return { ...common, type: 'workflow', workflow: required(step, 'workflow', ctx), version: step.version, input: template(step.input) };
}

/** parallel and map steps: their nested step lists become scopes of their own. */
function compileNestingStep(step: StepDefinition, base: Base, ctx: StepContext): PlanStep {
  if (step.type === 'parallel') {
    const branches = (step.branches ?? []).map((branch) => {
      const id = childScopeId(ctx.scope, step.name, branch.name);
      compileScope(branch.steps, { id, owner: { scope: ctx.scope, step: step.name, branch: branch.name } }, ctx.defaults, ctx.scopes);
      return { name: branch.name, scope: id };
    });
    return {
      ...base,
      type: 'parallel',
      branches,
      catch: catchRules(step.catch),
      compensate: compensationSpec(step.compensate, ctx.defaults, ctx.where),
    };
  }
  const body = childScopeId(ctx.scope, step.name);
  compileScope(step.steps ?? [], { id: body, owner: { scope: ctx.scope, step: step.name } }, ctx.defaults, ctx.scopes);
  return {
    ...base,
    type: 'map',
    items: condition(required(step, 'items', ctx)),
    body,
    concurrency: step.concurrency ?? 0,
    toleratedFailures: toleratedFailures(step.toleratedFailures),
    catch: catchRules(step.catch),
  };
}

function setValues(step: StepDefinition): { path: string[]; value: ReturnType<typeof compileTemplate> }[] {
  return Object.entries(step.values ?? {}).map(([path, value]) => ({ path: path.split('.'), value: compileTemplate(value) }));
}

function required<K extends 'task' | 'url' | 'workflow' | 'event' | 'error' | 'items'>(
  step: StepDefinition,
  field: K,
  ctx: StepContext,
): string {
  const value = step[field];
  if (typeof value !== 'string') throw new UnvalidatedDefinitionError(`${ctx.where} has no "${field}"`);
  return value;
}

/** Steps are shared by every instance of a plan: freezing them turns a stray write into an error. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
