/**
 * The small pieces a Plan is made of, compiled from their definition form: durations, retry
 * policies, output placements, catch rules, compensations, and the definition's content hash.
 */
import { createHash } from 'node:crypto';
import type { CatchDefinition, CompensationDefinition, RetryDefinition } from './definition.js';
import { MAX_DURATION_MS, parseDuration } from './duration.js';
import { compileExpression, compileTemplate, conditionSource } from './expressions.js';
import type { CompiledExpression, CompiledTemplate } from './expressions.js';
import { END } from './model.js';
import type { CatchRule, CompensationSpec, Json, OutputPlacement, RetryPolicy, ToleratedFailures } from './model.js';

/** Thrown when compilePlan meets something the validator should have refused. */
export class UnvalidatedDefinitionError extends Error {
  constructor(detail: string) {
    super(`cannot compile a definition that did not pass validation: ${detail}`);
    this.name = 'UnvalidatedDefinitionError';
  }
}

/** `next: end` (in steps, choices, catches, onTimeout) is the END transition. */
export function target(name: string): string {
  return name === 'end' ? END : name;
}

export function durationMs(text: string | undefined, where: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === null) throw new UnvalidatedDefinitionError(`${where}: "${text}" is not a duration`);
  // Definitions registered before durations were bounded may hold longer ones; as long as the
  // bound they mean "never" just as well, and every time computed from them stays a date.
  return Math.min(ms, MAX_DURATION_MS);
}

export const condition = (source: string): CompiledExpression => compileExpression(conditionSource(source));

export const template = (value: Json | undefined): CompiledTemplate | undefined =>
  value === undefined ? undefined : compileTemplate(value);

/** Field by field: later layers win (definition defaults first, then the step's own). */
export function retryPolicy(layers: (RetryDefinition | undefined)[], where: string): RetryPolicy {
  const merged: RetryDefinition = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  const initialIntervalMs = durationMs(merged.initialInterval, `${where} retry.initialInterval`) ?? 1_000;
  return {
    maxAttempts: merged.maxAttempts ?? 1,
    initialIntervalMs,
    backoffCoefficient: merged.backoffCoefficient ?? 2,
    maxIntervalMs: durationMs(merged.maxInterval, `${where} retry.maxInterval`) ?? 100 * initialIntervalMs,
    jitter: merged.jitter ?? 0,
    nonRetryable: [...(merged.nonRetryable ?? [])],
  };
}

/** `none` discards, a dotted path places, absent falls back to `fallback`. */
export function placement(output: Json | undefined, fallback: string[]): OutputPlacement {
  if (output === 'none') return { kind: 'none' };
  if (typeof output === 'string') return { kind: 'path', path: output.split('.') };
  return { kind: 'path', path: [...fallback] };
}

export function catchRules(rules: CatchDefinition[] | undefined): CatchRule[] {
  return (rules ?? []).map((rule) => ({
    errors: [...rule.errors],
    next: target(rule.next),
    output: placement(rule.output, ['error']),
  }));
}

/** `10%` is a share of the items; a number is a count. Absent: no failure is tolerated. */
export function toleratedFailures(value: number | string | undefined): ToleratedFailures {
  if (typeof value === 'string' && value.trim().endsWith('%')) {
    return { kind: 'percent', percent: Number(value.trim().slice(0, -1)) };
  }
  return { kind: 'count', count: value === undefined ? 0 : Number(value) };
}

export interface StepDefaults {
  retry?: RetryDefinition;
  timeout?: string;
}

export function compensationSpec(
  spec: CompensationDefinition | undefined,
  defaults: StepDefaults,
  where: string,
): CompensationSpec | undefined {
  if (spec === undefined) return undefined;
  const retry = retryPolicy([defaults.retry, spec.retry], `${where} compensate`);
  const timeoutMs = durationMs(spec.timeout ?? defaults.timeout, `${where} compensate.timeout`);
  if (spec.task !== undefined) {
    return { kind: 'task', task: spec.task, input: template(spec.input), retry, timeoutMs, queue: spec.queue ?? spec.task };
  }
  if (spec.url === undefined) throw new UnvalidatedDefinitionError(`${where}: compensate has neither task nor url`);
  return {
    kind: 'http',
    method: (spec.method ?? 'GET').toUpperCase(),
    url: compileTemplate(spec.url),
    headers: template(spec.headers),
    body: template(spec.body),
    retry,
    timeoutMs,
  };
}

/** sha256 of the definition's canonical JSON without `version`: equal content, equal hash. */
export function definitionHash(definition: object): string {
  const { version: _version, ...content } = definition as Record<string, unknown>;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** JSON with object keys sorted at every level; undefined members are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
