/**
 * How the interpreter runs the hooks of a step compiled from another language (ASL): the
 * environment they read (the step's facts, the variables of its frame and of the frames it was
 * forked from, the decision's randomness), and what their outcome changes in the frame.
 */
import type { PlanStep } from '../definitions/model.js';
import type { HookEnvironment, HookError, HookOutcome } from '../definitions/step-hooks.js';
import type { VariableScope } from '../definitions/asl/variables.js';
import type { Decision } from './context.js';
import { defineField } from './data.js';
import type { ErrorInfo, Frame } from './model.js';

/** `taskToken`: the token of a task step that waits for a callback, for its input to pass on. */
export function hookEnvironment(d: Decision, frame: Frame, step: PlanStep, taskToken?: string): HookEnvironment {
  const retryCount = (frame.retries ?? []).reduce((sum, n) => sum + n, 0);
  const facts: HookEnvironment['facts'] = { instanceId: d.record.id, workflow: d.plan.name, input: d.state.input, startedAt: d.state.startedAt, step: step.name, now: d.now, retryCount };
  if (taskToken !== undefined) facts.taskToken = taskToken;
  return {
    facts,
    variables: variableScope(d, frame),
    random: d.options.random,
  };
}

function variableScope(d: Decision, frame: Frame): VariableScope {
  const own = frame.variables ?? {};
  const parent = frame.parent === undefined ? undefined : d.frame(frame.parent);
  return parent === undefined ? { own } : { own, parent: variableScope(d, parent) };
}

/** The step's output becomes the frame's data; its assignments join the frame's variables. */
export function applyOutcome(frame: Frame, outcome: HookOutcome): void {
  frame.data = outcome.output;
  const names = Object.keys(outcome.assigned);
  if (names.length === 0) return;
  const variables = { ...frame.variables };
  for (const name of names) defineField(variables, name, outcome.assigned[name]!);
  frame.variables = variables;
}

/** An interpreter error as the hooks see it: its message is the cause. */
export function hookError(error: ErrorInfo): HookError {
  return error.message === '' ? { error: error.error } : { error: error.error, cause: error.message };
}

/** A hooks' error as the interpreter records it. */
export function errorInfo(error: HookError, step: string): ErrorInfo {
  return { error: error.error, message: error.cause ?? '', step, retryable: false };
}
