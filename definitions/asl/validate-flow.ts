/**
 * Checks of an ASL document's flow that the schema cannot express: `StartAt`, `Next`, `Default`
 * and Catch `Next` name a state of the same machine; every state that goes on has exactly one of
 * `Next` or `End: true`; every state can be reached from `StartAt`; and no two states anywhere in
 * the document (nested machines included) share a name, which ASL forbids.
 */
import { didYouMean } from '../messages.js';
import type { Finding, Path } from '../messages.js';
import { collectStates } from './machines.js';
import type { MachineSite, StateSite } from './machines.js';
import { aslFinding } from './validate-messages.js';

/** States that end their machine by themselves and take no Next or End. */
const TERMINAL = new Set(['Choice', 'Succeed', 'Fail']);

/** The line a path starts on, to point from one problem to a related place. */
export type LineOf = (path: Path) => number;

interface Transition {
  target: string;
  path: Path;
  label: string;
}

export function aslFlowFindings(machines: readonly MachineSite[], lineOf: LineOf): Finding[] {
  const findings: Finding[] = [];
  const states = collectStates(machines);
  findings.push(...duplicateNames(states, lineOf));
  for (const machine of machines) {
    const own = states.filter((s) => s.machine === machine);
    const names = new Set(own.map((s) => s.name));
    const wrong = [...startFindings(machine, names, states), ...own.flatMap((site) => [...targetFindings(site, names, states), ...endFindings(site)])];
    findings.push(...wrong);
    // A transition that points nowhere makes its intended state look unreachable: fix it first.
    if (wrong.length === 0) findings.push(...unreachable(machine, own));
  }
  return findings;
}

function startFindings(machine: MachineSite, names: Set<string>, all: readonly StateSite[]): Finding[] {
  const start = machine.machine.StartAt;
  if (typeof start !== 'string' || names.has(start)) return [];
  return [aslFinding([...machine.path, 'StartAt'], `is "${start}", ${whereIs(start, names, all, machine)}`)];
}

function transitions(site: StateSite): Transition[] {
  const { state, path } = site;
  const out: Transition[] = [];
  if (typeof state.Next === 'string') out.push({ target: state.Next, path: [...path, 'Next'], label: 'Next' });
  if (typeof state.Default === 'string') out.push({ target: state.Default, path: [...path, 'Default'], label: 'Default' });
  (Array.isArray(state.Choices) ? state.Choices : []).forEach((rule, i) => {
    if (typeof rule?.Next === 'string') out.push({ target: rule.Next, path: [...path, 'Choices', i, 'Next'], label: `"Next" of choice rule ${i + 1}` });
  });
  (Array.isArray(state.Catch) ? state.Catch : []).forEach((rule, i) => {
    if (typeof rule?.Next === 'string') out.push({ target: rule.Next, path: [...path, 'Catch', i, 'Next'], label: `"Next" of Catch rule ${i + 1}` });
  });
  return out;
}

function targetFindings(site: StateSite, names: Set<string>, all: readonly StateSite[]): Finding[] {
  return transitions(site)
    .filter((t) => !names.has(t.target))
    .map((t) => aslFinding(t.path, `points to "${t.target}", ${whereIs(t.target, names, all, site.machine)}`));
}

function whereIs(target: string, names: Set<string>, all: readonly StateSite[], from?: MachineSite): string {
  const elsewhere = all.find((s) => s.name === target);
  if (elsewhere === undefined) return `which is not a state${didYouMean(target, names)}`;
  const own = from?.label ?? 'the state machine';
  return `which is in ${elsewhere.machine.label}; a state can only go to states of ${own === 'the state machine' ? 'the same machine' : own}`;
}

function endFindings(site: StateSite): Finding[] {
  const { state, path } = site;
  if (TERMINAL.has(state.Type)) return [];
  const hasNext = typeof state.Next === 'string';
  const ends = state.End === true;
  if (hasNext && ends) return [aslFinding([...path, 'End'], 'cannot be true when the state also has "Next"; keep one: Next to go on, or End: true to finish')];
  if (!hasNext && !ends) return [aslFinding(path, `has neither "Next" nor "End": a ${state.Type} state must say where to go next (Next) or that it ends the run (End: true)`)];
  return [];
}

function unreachable(machine: MachineSite, own: readonly StateSite[]): Finding[] {
  const byName = new Map(own.map((s) => [s.name, s]));
  const reached = new Set<string>();
  const queue = typeof machine.machine.StartAt === 'string' ? [machine.machine.StartAt] : [];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const site = byName.get(name);
    if (site === undefined || reached.has(name)) continue;
    reached.add(name);
    for (const t of transitions(site)) queue.push(t.target);
  }
  return own
    .filter((s) => !reached.has(s.name))
    .map((s) => aslFinding(s.path, `can never run: neither StartAt nor any Next, Default, choice rule or Catch rule leads to it; point one at it, or remove the state`, { at: 'key' }));
}

function duplicateNames(states: readonly StateSite[], lineOf: LineOf): Finding[] {
  const first = new Map<string, StateSite>();
  const findings: Finding[] = [];
  for (const site of states) {
    const earlier = first.get(site.name);
    if (earlier === undefined) {
      first.set(site.name, site);
      continue;
    }
    const line = lineOf(earlier.path);
    findings.push(aslFinding(site.path, `has the name of another state, on line ${line} (in ${earlier.machine.label}); state names must be unique in the whole document, nested machines included`, { at: 'key' }));
  }
  return findings;
}
