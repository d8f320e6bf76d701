/**
 * A test-only fault seam: a poison instance on demand. With
 * `SEGUE_TEST_TRANSITION_FAULT=<crash|throw>:<step>` in the environment of an engine, a transition
 * that starts a step of that name either kills the engine's process at once (`crash`: SIGKILL, as a
 * V8 fatal error or the kernel's out-of-memory killer would take it down) or throws (`throw`: a bug
 * in the interpreter). It fires on every such transition, before anything of it is written, so the
 * instance's input is delivered again and fails again until it is set aside. Unset (always, outside
 * tests) there is no check at all.
 */
import type { HistoryEvent } from './store/port.js';

export const TRANSITION_FAULT_VARIABLE = 'SEGUE_TEST_TRANSITION_FAULT';

/** Called with the history of each decision: fails when it started the step. */
export type TransitionFault = (history: readonly HistoryEvent[]) => void;

export function transitionFaultFromEnv(env: NodeJS.ProcessEnv = process.env): TransitionFault | undefined {
  const setting = env[TRANSITION_FAULT_VARIABLE];
  if (setting === undefined || setting === '') return undefined;
  const match = /^(crash|throw):(.+)$/.exec(setting);
  if (!match) throw new Error(`${TRANSITION_FAULT_VARIABLE} must read crash:<step> or throw:<step>, got "${setting}"`);
  const [, action, step] = match;
  return (history) => {
    if (!history.some((e) => e.type === 'StepStarted' && e.step === step)) return;
    if (action === 'crash') process.kill(process.pid, 'SIGKILL');
    throw new Error(`fault injected at the start of step "${step}" (${TRANSITION_FAULT_VARIABLE})`);
  };
}
