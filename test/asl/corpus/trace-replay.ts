/**
 * Replays the recorded trace of a corpus case state by state, for the states whose outcome is a
 * pure function of their input, their definition and the variables before them (Pass, Choice,
 * Wait, Succeed, Fail; a Task whose one recorded result is known), and compares what the pure
 * ASL functions give with what AWS recorded: output, assigned variables, the Choice's next
 * state, and the error and cause of a state that failed.
 */
import type { Json, JsonObject } from '../../../definitions/model.js';
import { compileChoice } from '../../../definitions/asl/choice.js';
import { contextObject } from '../../../definitions/asl/context-object.js';
import { compileStateFlow } from '../../../definitions/asl/dataflow.js';
import { StatesError } from '../../../definitions/asl/errors.js';
import { compileFail } from '../../../definitions/asl/fail.js';
import { compileMap } from '../../../definitions/asl/map.js';
import { checkPayloadSize } from '../../../definitions/asl/limits.js';
import { compilePass, compileSucceed } from '../../../definitions/asl/pass.js';
import type { StateEnvironment } from '../../../definitions/asl/state-environment.js';
import type { QueryLanguage, State, StateMachine } from '../../../definitions/asl/types.js';
import { assignVariables, childScope, rootScope } from '../../../definitions/asl/variables.js';
import type { VariableScope } from '../../../definitions/asl/variables.js';
import { compileWait } from '../../../definitions/asl/wait.js';
import { matchesRecorded } from './corpus.js';
import type { CorpusCase, TraceEntry } from './corpus.js';

export interface StateCheck {
  caseId: string;
  state: string;
  type: string;
  passed: boolean;
  /** Why it failed: what was recorded against what came out. */
  reason?: string;
}

interface Located {
  state: State;
  /** The names of the Map and Parallel states it is nested in, outermost first. */
  scope: string[];
}

/** Every state of the machine by name, nested ones included (ASL names are unique across them). */
function locateStates(machine: StateMachine, scope: string[] = [], found = new Map<string, Located>()): Map<string, Located> {
  for (const [name, state] of Object.entries(machine.States)) {
    if (!found.has(name)) found.set(name, { state, scope });
    for (const inner of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) if (inner) locateStates(inner, [...scope, name], found);
  }
  return found;
}

/** A fixed pseudo-random sequence, so runs are repeatable. */
function fixedRandom(): () => number {
  let seed = 42;
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

function contextFor(c: CorpusCase, stateName: string): Json {
  const machine = 'ConformanceMachine';
  return contextObject({
    execution: { id: `arn:aws:states:us-east-1:111111111111:execution:${machine}:run-1`, name: 'run-1', input: c.input, startTime: '2024-01-01T00:00:00.000Z', roleArn: 'arn:aws:iam::111111111111:role/conformance' },
    stateMachine: { id: `arn:aws:states:us-east-1:111111111111:stateMachine:${machine}`, name: machine },
    state: { name: stateName, enteredTime: '2024-01-01T00:00:00.000Z', retryCount: 0 },
  });
}

const CHECKED_TYPES = new Set(['Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Task', 'Map', 'Parallel']);

export async function replayCase(c: CorpusCase): Promise<StateCheck[]> {
  const machine = c.definition as unknown as StateMachine;
  const states = locateStates(machine);
  const variables = new Map<string, JsonObject>();
  const random = fixedRandom();
  const checks: StateCheck[] = [];
  for (const [i, entry] of c.trace.entries()) {
    const located = states.get(entry.state);
    if (located === undefined) continue;
    const scope = scopeFor(variables, located.scope);
    const env: StateEnvironment = { context: contextFor(c, entry.state), variables: scope, random };
    if (CHECKED_TYPES.has(entry.type)) {
      // The recording normalised some values in the trace (timestamps became "date"); the first
      // state's input is the execution's input, which the case holds as it was.
      const input = i === 0 && entry.state === machine.StartAt ? c.input : entry.input;
      const check = await checkEntry(c, i, { ...entry, input }, located, states, env);
      if (check !== null) checks.push({ caseId: c.id, state: entry.state, type: entry.type, ...check });
    }
    if (entry.assignedVariables) {
      const key = located.scope.join('/');
      variables.set(key, { ...(variables.get(key) ?? {}), ...entry.assignedVariables });
    }
  }
  return checks;
}

function scopeFor(variables: Map<string, JsonObject>, path: string[]): VariableScope {
  let scope = rootScope(variables.get('') ?? {});
  for (let depth = 1; depth <= path.length; depth += 1) scope = assignVariables(childScope(scope), variables.get(path.slice(0, depth).join('/')) ?? {});
  return scope;
}

type Verdict = { passed: boolean; reason?: string } | null;

async function checkEntry(c: CorpusCase, at: number, entry: TraceEntry, located: Located, states: Map<string, Located>, env: StateEnvironment): Promise<Verdict> {
  const next = c.trace[at + 1];
  const language = (c.definition.QueryLanguage as QueryLanguage | undefined) ?? undefined;
  const { state } = located;
  const last = c.trace[c.trace.length - 1]!;
  const failedHere = entry.output === undefined && (entry.type !== 'Fail' || (last.state === entry.state && c.expected.status === 'FAILED'));
  try {
    if (entry.type === 'Fail') return compareFail(c, entry, await compileFail(state, language)(entry.input, env));
    if (entry.type === 'Map' || entry.type === 'Parallel') return await checkFanOut(c, at, entry, located, states, language, env);
    const outcome = await run(c, entry, state, language, env);
    if (outcome === null) return null;
    checkPayloadSize(entry.state, outcome.output);
    if (failedHere) return { passed: false, reason: `AWS failed this state (${c.expected.error}: ${c.expected.cause}), but it gave ${show(outcome.output)}` };
    const problems: string[] = [];
    if (!matchesRecorded(entry.output, outcome.output)) problems.push(`output ${show(outcome.output)}, recorded ${show(entry.output)}`);
    if (!matchesRecorded(entry.assignedVariables ?? {}, outcome.assigned)) problems.push(`assigned ${show(outcome.assigned)}, recorded ${show(entry.assignedVariables ?? {})}`);
    if (outcome.next !== undefined && next !== undefined && sameScope(states, entry.state, next.state) && next.state !== outcome.next) problems.push(`went to "${outcome.next}", recorded "${next.state}"`);
    return problems.length === 0 ? { passed: true } : { passed: false, reason: problems.join('; ') };
  } catch (err) {
    if (!(err instanceof StatesError)) return { passed: false, reason: `threw ${String(err)}` };
    if (!failedHere) return { passed: false, reason: `failed with ${err.error}: ${err.cause}, but AWS output ${show(entry.output)}` };
    return compareError(c, err);
  }
}

interface Outcome {
  output: Json;
  assigned: JsonObject;
  next?: string;
}

async function run(c: CorpusCase, entry: TraceEntry, state: State, language: QueryLanguage | undefined, env: StateEnvironment): Promise<Outcome | null> {
  switch (entry.type) {
    case 'Pass':
      return compilePass(state, language)(entry.input, env);
    case 'Succeed':
      return compileSucceed(state, language)(entry.input, env);
    case 'Choice':
      return compileChoice(state, language)(entry.input, env);
    case 'Wait':
      return compileWait(state, language)(entry.input, env);
    case 'Task': {
      // Only a Task run once, with one recorded result, is a function of what the case holds.
      const results = c.mocks?.[entry.state];
      if (results?.length !== 1 || !('output' in results[0]!) || c.trace.filter((t) => t.state === entry.state).length !== 1) return null;
      const flow = compileStateFlow(state, language);
      await flow.effectiveInput(entry.input, env);
      return flow.output(entry.input, results[0].output, env);
    }
    default:
      return null;
  }
}

/**
 * A Map or Parallel: its settings are read without error (or fail as AWS recorded), and the
 * inputs its iterations or branches started with are the ones AWS recorded (in any order).
 */
async function checkFanOut(c: CorpusCase, at: number, entry: TraceEntry, located: Located, states: Map<string, Located>, language: QueryLanguage | undefined, env: StateEnvironment): Promise<Verdict> {
  const { state } = located;
  const inner = [...located.scope, entry.state].join('/');
  let starts: Json[];
  let starters: Set<string>;
  if (entry.type === 'Map') {
    const map = compileMap(state, language);
    const settings = await map.settings(entry.input, env);
    starts = [];
    for (const [i, item] of settings.items.entries()) starts.push(await map.itemInput(entry.input, i, item, env));
    starters = new Set([(state.ItemProcessor ?? state.Iterator)!.StartAt]);
  } else {
    const input = await compileStateFlow(state, language).effectiveInput(entry.input, env);
    starts = (state.Branches ?? []).map(() => input);
    starters = new Set((state.Branches ?? []).map((b) => b.StartAt));
  }
  const after = c.trace.slice(at + 1);
  const recorded = after.filter((t) => starters.has(t.state) && states.get(t.state)?.scope.join('/') === inner).slice(0, starts.length).map((t) => t.input);
  if (entry.output === undefined && at === c.trace.length - 1) {
    return { passed: false, reason: `AWS failed this state (${c.expected.error}: ${c.expected.cause}), but its settings were read without error` };
  }
  // A Distributed Map's child executions are not in the trace; then only the settings are checked.
  if (recorded.length === 0) return { passed: true };
  const unmatched = [...starts];
  for (const r of recorded) {
    const at = unmatched.findIndex((s) => matchesRecorded(r, s));
    if (at < 0) return { passed: false, reason: `an iteration or branch started with ${show(r)}, which none of ${show(starts)} matches` };
    unmatched.splice(at, 1);
  }
  // One that failed stops starting iterations: then fewer may be recorded.
  const complete = recorded.length === starts.length || entry.output === undefined;
  return complete ? { passed: true } : { passed: false, reason: `${starts.length} iterations or branches, ${recorded.length} recorded` };
}

function sameScope(states: Map<string, Located>, a: string, b: string): boolean {
  return states.get(a)?.scope.join('/') === states.get(b)?.scope.join('/');
}

function compareFail(c: CorpusCase, entry: TraceEntry, outcome: { error?: string; cause?: string }): Verdict {
  if (c.trace[c.trace.length - 1]!.state !== entry.state) return null;
  const same = outcome.error === c.expected.error && matchesCause(c.expected.cause, outcome.cause);
  return same ? { passed: true } : { passed: false, reason: `failed with ${outcome.error}: ${outcome.cause}, recorded ${c.expected.error}: ${c.expected.cause}` };
}

/** AWS's prefix naming the state and the history event is the engine's to add; the rest is compared. */
const CAUSE_PREFIX = /^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. /;

function compareError(c: CorpusCase, err: StatesError): Verdict {
  const recorded = c.expected.cause?.replace(CAUSE_PREFIX, '');
  if (err.error !== c.expected.error) return { passed: false, reason: `failed with ${err.error}: ${err.cause}, recorded ${c.expected.error}: ${recorded}` };
  return matchesCause(recorded, err.cause) ? { passed: true } : { passed: false, reason: `cause "${err.cause}", recorded "${recorded}"` };
}

function matchesCause(recorded: string | undefined, actual: string | undefined): boolean {
  if (recorded === undefined || actual === undefined) return recorded === actual;
  return matchesRecorded(recorded, actual) || matchesRecorded(recorded.replace(/'<json-input:\d+>'/, "'<json-input>'"), actual);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}
