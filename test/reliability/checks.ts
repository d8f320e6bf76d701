/**
 * What a chaos run must show at its end, instance by instance: the expected status and output,
 * each step completed as often as the workflow says (no more), each raised event consumed
 * exactly once, compensations run once each in order, and every task executed to its result.
 */
import { isDeepStrictEqual } from 'node:util';
import type { HistoryView, InstanceView } from '../../client/http-client.js';
import type { Execution } from './chaos-tasks.js';
import type { InstanceSpec } from './workload.js';

export interface Tally {
  instances: number;
  byStatus: Record<string, number>;
  stepCompletions: number;
  /** StepCompleted or TaskCompleted events beyond what the workflow allows. */
  duplicateCompletions: number;
  eventsRaised: number;
  eventsConsumed: number;
  /** Events raised before their instance waited for them, and taken from its buffer later. */
  eventsBuffered: number;
  lostEvents: number;
  duplicateEvents: number;
  executions: number;
  deliberateFailures: number;
  /** Executions that ended a task: its result, or its final refusal. */
  finalExecutions: number;
  distinctTasks: number;
  /** The longest time from creation to the last change, and whose: crash recovery shows here. */
  slowest: { id: string; ms: number };
  /** Distinct terminal lifecycle events the subscriber received, its requests (repeats included), and those missing or for no transition. */
  terminalEvents: number;
  terminalDeliveries: number;
  missingTerminalEvents: number;
  unexpectedTerminalEvents: number;
  failures: string[];
}

export function emptyTally(): Tally {
  return {
    instances: 0,
    byStatus: {},
    stepCompletions: 0,
    duplicateCompletions: 0,
    eventsRaised: 0,
    eventsConsumed: 0,
    eventsBuffered: 0,
    lostEvents: 0,
    duplicateEvents: 0,
    executions: 0,
    deliberateFailures: 0,
    finalExecutions: 0,
    distinctTasks: 0,
    slowest: { id: '', ms: 0 },
    terminalEvents: 0,
    terminalDeliveries: 0,
    missingTerminalEvents: 0,
    unexpectedTerminalEvents: 0,
    failures: [],
  };
}

/** Checks one instance against its spec; `raised` names the events the server acknowledged. */
export function checkInstance(tally: Tally, spec: InstanceSpec, view: InstanceView, history: HistoryView[], raised: ReadonlySet<string>): void {
  const fail = (what: string): void => void tally.failures.push(`${spec.id} (${spec.workflow}): ${what}`);
  tally.instances += 1;
  tally.byStatus[view.status] = (tally.byStatus[view.status] ?? 0) + 1;
  checkEnd(spec, view, fail);
  const ms = Date.parse(view.updatedAt) - Date.parse(view.createdAt);
  if (ms > tally.slowest.ms) tally.slowest = { id: spec.id, ms };
  const completed = history.filter((e) => e.type === 'StepCompleted');
  tally.stepCompletions += completed.length;
  tally.duplicateCompletions += compareCounts('step', countBy(completed), spec.expected.steps, fail);
  tally.duplicateCompletions += compareCounts('task', countBy(history.filter((e) => e.type === 'TaskCompleted')), spec.expected.tasks, fail);
  const compensated = history.filter((e) => e.type === 'CompensationCompleted').map((e) => e.step);
  if (!isDeepStrictEqual(compensated, spec.expected.compensations)) {
    fail(`compensations completed for ${JSON.stringify(compensated)}, expected ${JSON.stringify(spec.expected.compensations)}`);
  }
  if (spec.kind === 'events') for (const event of ['first', 'second']) checkEvent(tally, history, event, raised.has(event), fail);
}

function checkEnd(spec: InstanceSpec, view: InstanceView, fail: (what: string) => void): void {
  const expected = spec.expected;
  if (view.status !== expected.status) {
    const why = view.error ? ` (${view.error.error}: ${view.error.message})` : '';
    const at = view.current.length > 0 ? `, at ${view.current.map((c) => `${c.step} waiting for ${c.waiting}`).join(', ')}` : '';
    fail(`ended ${view.status}${why}${at}; expected ${expected.status}`);
  } else if (expected.status === 'COMPLETED' && !isDeepStrictEqual(view.output, expected.output)) {
    fail(`output ${JSON.stringify(view.output)}, expected ${JSON.stringify(expected.output)}`);
  } else if (expected.status === 'FAILED' && view.error?.error !== expected.error) {
    fail(`failed with ${view.error?.error}, expected ${expected.error}`);
  }
}

function countBy(events: HistoryView[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.step ?? '', (counts.get(e.step ?? '') ?? 0) + 1);
  return counts;
}

/** Reports every difference; returns how many completions were beyond the expected counts. */
function compareCounts(what: string, actual: Map<string, number>, expected: Record<string, number>, fail: (what: string) => void): number {
  let extra = 0;
  for (const name of new Set([...actual.keys(), ...Object.keys(expected)])) {
    const got = actual.get(name) ?? 0;
    const want = expected[name] ?? 0;
    if (got > want) extra += got - want;
    if (got !== want) fail(`${what} "${name}" completed ${got} times, expected ${want}`);
  }
  return extra;
}

function checkEvent(tally: Tally, history: HistoryView[], event: string, raised: boolean, fail: (what: string) => void): void {
  const about = (type: string): number => history.filter((e) => e.type === type && eventOf(e) === event).length;
  const consumed = about('EventReceived') + about('EventConsumed');
  const buffered = about('EventBuffered');
  if (raised) tally.eventsRaised += 1;
  tally.eventsConsumed += consumed;
  tally.eventsBuffered += buffered;
  if (raised && consumed === 0) {
    tally.lostEvents += 1;
    fail(`event "${event}" was accepted but never consumed`);
  }
  if (consumed > 1) {
    tally.duplicateEvents += consumed - 1;
    fail(`event "${event}" was consumed ${consumed} times`);
  }
  if (!raised && consumed > 0) fail(`event "${event}" was consumed, but the harness never had it accepted`);
  if (buffered !== about('EventConsumed')) fail(`event "${event}" was buffered ${buffered} times and taken from the buffer ${about('EventConsumed')} times`);
}

export function eventOf(e: HistoryView): string | undefined {
  const details = e.details as { event?: unknown } | undefined;
  return typeof details?.event === 'string' ? details.event : undefined;
}

/** Every task the instances needed ran to its result at least once; nothing else ran. */
export function checkExecutions(tally: Tally, specs: InstanceSpec[], executions: Execution[]): void {
  const byTask = new Map<string, Execution[]>();
  for (const e of executions) {
    const key = `${e.instanceId}/${e.stage}`;
    byTask.set(key, [...(byTask.get(key) ?? []), e]);
  }
  tally.executions += executions.length;
  tally.deliberateFailures += executions.filter((e) => e.outcome === 'failed').length;
  for (const spec of specs) {
    for (const stage of spec.expected.stages) {
      const key = `${spec.id}/${stage}`;
      const finals = (byTask.get(key) ?? []).filter((e) => e.outcome !== 'failed');
      byTask.delete(key);
      tally.distinctTasks += 1;
      tally.finalExecutions += finals.length;
      if (finals.length === 0) tally.failures.push(`${spec.id}: task "${stage}" never ran to its result`);
    }
  }
  for (const key of byTask.keys()) tally.failures.push(`task ${key} ran, but no instance needed it`);
}
