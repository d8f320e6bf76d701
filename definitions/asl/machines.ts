/**
 * The state machines inside an ASL document (the top level, each Parallel branch, each Map's item
 * processor) and every state with where it sits, for the checks that walk all of them.
 */
import { isRecord } from '../messages.js';
import type { Path } from '../messages.js';
import { queryLanguageOf } from './types.js';
import type { QueryLanguage, State, StateMachine } from './types.js';

export interface MachineSite {
  machine: StateMachine;
  /** Where the machine object is: [] for the top level. */
  path: Path;
  /** The Map or Parallel state holding it, when nested. */
  owner?: string;
  /** What it is, for messages: `the state machine`, `branch 2 of state "P"`, `the item processor of state "M"`. */
  label: string;
  /** The top-level QueryLanguage, which nested machines inherit. */
  language: QueryLanguage | undefined;
}

export interface StateSite {
  name: string;
  state: State;
  path: Path;
  machine: MachineSite;
  /** The query language the state uses. */
  language: QueryLanguage;
}

export function collectMachines(root: StateMachine): MachineSite[] {
  const machines: MachineSite[] = [];
  const language = root.QueryLanguage;
  const visit = (site: MachineSite): void => {
    machines.push(site);
    if (!isRecord(site.machine.States)) return;
    for (const [name, state] of Object.entries(site.machine.States)) {
      if (!isRecord(state)) continue;
      const statePath = [...site.path, 'States', name];
      for (const field of ['ItemProcessor', 'Iterator'] as const) {
        const inner = state[field];
        if (isRecord(inner)) visit({ machine: inner, path: [...statePath, field], owner: name, label: `the item processor of state "${name}"`, language });
      }
      if (Array.isArray(state.Branches)) {
        state.Branches.forEach((branch, i) => {
          if (isRecord(branch)) visit({ machine: branch, path: [...statePath, 'Branches', i], owner: name, label: `branch ${i + 1} of state "${name}"`, language });
        });
      }
    }
  };
  visit({ machine: root, path: [], label: 'the state machine', language });
  return machines;
}

export function collectStates(machines: readonly MachineSite[]): StateSite[] {
  return machines.flatMap((machine) =>
    Object.entries(isRecord(machine.machine.States) ? machine.machine.States : {})
      .filter(([, state]) => isRecord(state))
      .map(([name, state]) => ({ name, state, path: [...machine.path, 'States', name], machine, language: queryLanguageOf(state, machine.language) })),
  );
}
