/**
 * decide() on its own, as tables: a plan, the record a run of it has after some inputs, one more
 * input, and the commands and record that come out. No store, no workers, no clock.
 */
import { parse } from 'yaml';
import { compilePlan } from '../../definitions/compile.js';
import type { WorkflowDefinition } from '../../definitions/definition.js';
import type { Json, Plan } from '../../definitions/model.js';
import { DEFAULT_DECIDE_OPTIONS, type DecideOptions } from '../../core/context.js';
import { decide, initialState, type DecideResult } from '../../core/decide.js';
import type { EngineInput, InstanceRecord } from '../../core/model.js';

export const T0 = Date.parse('2026-03-01T10:00:00Z');

export function plan(yaml: string): Plan {
  return compilePlan(parse(yaml) as WorkflowDefinition, { version: 1 });
}

/** A record as the runtime creates it: PENDING, rev 0, the run's initial state. */
export function fresh(p: Plan, input: Json): InstanceRecord {
  return {
    id: 'i1',
    run: 1,
    workflow: p.name,
    version: 1,
    status: 'PENDING',
    rev: 0,
    parentId: null,
    createdAt: T0,
    updatedAt: T0,
    waits: [],
    state: initialState(input, T0),
  };
}

export const options = (now: number): DecideOptions => ({
  ...DEFAULT_DECIDE_OPTIONS,
  now,
  random: () => 0,
  defaultTaskTimeoutMs: 60_000,
  maxStepsPerInput: 100,
});

/** Starts a run of `p` on `input`, then applies `inputs` one after another (each 1 s after the last). */
export async function run(p: Plan, input: Json, ...inputs: EngineInput[]): Promise<DecideResult> {
  let result = await decide(p, fresh(p, input), { type: 'start' }, options(T0));
  for (const [i, next] of inputs.entries()) result = await decide(p, result.record, next, options(T0 + (i + 1) * 1_000));
  return result;
}

/** The history of a decision as `type step` lines, the shortest way to compare it whole. */
export function events(result: DecideResult): string[] {
  return result.history.map((e) => (e.step === undefined ? e.type : `${e.type} ${e.step}`));
}
