/**
 * decide() on its own, as tables: a plan, the record a run of it has after some inputs, one more
 * input, and the commands and record that come out. No store, no workers, no clock.
 */
import { expect } from 'vitest';
import { loadPlan } from '../../definitions/load.js';
import { formatProblems } from '../../definitions/validate.js';
import type { Json, Plan } from '../../definitions/model.js';
import { DEFAULT_DECIDE_OPTIONS, type DecideOptions } from '../../core/context.js';
import { decide, initialState, type DecideResult } from '../../core/decide.js';
import type { Command, EngineInput, InstanceRecord } from '../../core/model.js';

export const T0 = Date.parse('2026-03-01T10:00:00Z');

/** A plan from YAML that must pass validation (a field misspelt in a table fails the table). */
export function plan(yaml: string): Plan {
  const { plan: loaded, problems } = loadPlan(yaml, 'table.yaml', { version: 1 });
  if (!loaded) throw new Error(formatProblems(problems));
  return loaded;
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

/** The command for attempt 1 of a task on the queue of its type, with the default lease. */
export function scheduled(id: string, step: string, type: string, input: Json): Command {
  return { type: 'scheduleTask', task: { id, step, type, queue: type, input, attempt: 1, timeoutMs: 60_000, heartbeatMs: null } };
}

/** One row of a table: a run of `plan` on `input` through `inputs`, and what its last decision gives. */
export interface Row {
  name: string;
  plan: Plan;
  input: Json;
  inputs?: EngineInput[];
  /** Exactly the commands of the last decision. */
  commands: Command[];
  /** The record after it, as far as given (toMatchObject). */
  record: object;
  /** Exactly its history, as `type step` lines, when given. */
  history?: string[];
}

/** Checks one row. */
export async function check(row: Row): Promise<DecideResult> {
  const result = await run(row.plan, row.input, ...(row.inputs ?? []));
  expect(result.commands).toEqual(row.commands);
  expect(result.record).toMatchObject(row.record);
  if (row.history) expect(events(result)).toEqual(row.history);
  return result;
}
