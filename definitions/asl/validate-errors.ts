/**
 * Checks of `Retry` and `Catch` rules: `States.ALL` stands alone and in the last rule (a rule
 * after it could never apply), `States.*` names are predefined ones (a misspelt one would never
 * match), and a `MaxDelaySeconds` below `IntervalSeconds` could never let the interval grow.
 */
import { didYouMean, quote } from '../messages.js';
import type { Finding } from '../messages.js';
import { PREDEFINED_ERROR_NAMES, STATES_ERRORS } from './errors.js';
import type { StateSite } from './machines.js';
import { aslFinding } from './validate-messages.js';

export function aslErrorRuleFindings(states: readonly StateSite[]): Finding[] {
  return states.flatMap(({ state, path }) => [
    ...rules(state.Retry, [...path, 'Retry'], 'Retry'),
    ...rules(state.Catch, [...path, 'Catch'], 'Catch'),
    ...(state.Retry ?? []).flatMap((r, i) =>
      typeof r?.MaxDelaySeconds === 'number' && r.MaxDelaySeconds < (r.IntervalSeconds ?? 1)
        ? [aslFinding([...path, 'Retry', i, 'MaxDelaySeconds'], `is ${r.MaxDelaySeconds}, less than the ${r.IntervalSeconds ?? 1} seconds of IntervalSeconds; make it at least that`)]
        : [],
    ),
  ]);
}

function rules(list: readonly { ErrorEquals?: unknown }[] | undefined, at: (string | number)[], kind: string): ReturnType<typeof aslFinding>[] {
  if (!Array.isArray(list)) return [];
  const findings: ReturnType<typeof aslFinding>[] = [];
  list.forEach((rule, i) => {
    const names = Array.isArray(rule?.ErrorEquals) ? (rule.ErrorEquals as unknown[]) : [];
    names.forEach((name, k) => {
      if (typeof name !== 'string') return;
      const where = [...at, i, 'ErrorEquals', k];
      if (name === STATES_ERRORS.all && names.length > 1) findings.push(aslFinding(where, `is States.ALL, which must be the only error name of its rule: it already takes every error`));
      if (name === STATES_ERRORS.all && i < list.length - 1) findings.push(aslFinding(where, `is States.ALL, so the ${kind} rules after this one can never apply; put this rule last`));
      if (name.startsWith('States.') && !PREDEFINED_ERROR_NAMES.includes(name)) {
        findings.push(aslFinding(where, `is ${quote(name)}, which is not a predefined error${didYouMean(name, PREDEFINED_ERROR_NAMES)}; names starting with States. are Step Functions' own`));
      }
    });
  });
  return findings;
}
