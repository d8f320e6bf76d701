/**
 * Fields a state may not have where it is: those of the other query language (`Parameters` in a
 * JSONata state, `Arguments` in a JSONPath one), and pairs of which only one may be written
 * (`Seconds` and `SecondsPath`, `Items` and `ItemsPath`, …).
 */
import { listWords, quote } from '../messages.js';
import type { Finding } from '../messages.js';
import type { StateSite } from './machines.js';
import { aslFinding } from './validate-messages.js';

/** Fields only JSONPath states take. */
const JSONPATH_FIELDS = [
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'Result',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'Iterator',
];
/** Fields only JSONata states take. */
const JSONATA_FIELDS = ['Arguments', 'Output', 'Items'];

/** Of each group, a state may have one. */
const EXCLUSIVE: readonly string[][] = [
  ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  ['Error', 'ErrorPath'],
  ['Cause', 'CausePath'],
  ['TimeoutSeconds', 'TimeoutSecondsPath'],
  ['HeartbeatSeconds', 'HeartbeatSecondsPath'],
  ['Items', 'ItemsPath'],
  ['ItemProcessor', 'Iterator'],
  ['ItemSelector', 'Parameters'],
  ['MaxConcurrency', 'MaxConcurrencyPath'],
  ['ToleratedFailureCount', 'ToleratedFailureCountPath'],
  ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath'],
];

export function aslFieldFindings(states: readonly StateSite[]): Finding[] {
  return states.flatMap((site) => [...languageFindings(site), ...exclusiveFindings(site), ...requiredFindings(site)]);
}

function languageFindings(site: StateSite): Finding[] {
  const { state, path, language } = site;
  const foreign = language === 'JSONata' ? JSONPATH_FIELDS : JSONATA_FIELDS;
  const replacement = language === 'JSONata' ? 'Arguments, Output and Assign with {% %} expressions' : 'the JSONPath fields (InputPath, Parameters, ResultSelector, ResultPath, OutputPath)';
  const findings = foreign
    .filter((field) => field in state)
    .map((field) => aslFinding([...path, field], `cannot be used in a ${language} state; use ${replacement}${language === 'JSONPath' ? ', or set "QueryLanguage": "JSONata"' : ''}`, { at: 'key' }));
  (Array.isArray(state.Choices) ? state.Choices : []).forEach((rule, i) => {
    const wrong = language === 'JSONata' ? ['Variable', 'And', 'Or', 'Not'].find((f) => f in (rule ?? {})) : 'Condition' in (rule ?? {}) ? 'Condition' : undefined;
    if (wrong === undefined) return;
    const advice = language === 'JSONata' ? 'a JSONata choice rule tests with "Condition": "{% … %}"' : 'a JSONPath choice rule tests with "Variable" and a comparison like "StringEquals"';
    findings.push(aslFinding([...path, 'Choices', i, wrong], `cannot be used in a ${language} state; ${advice}`, { at: 'key' }));
  });
  return findings;
}

function exclusiveFindings(site: StateSite): Finding[] {
  const findings: Finding[] = [];
  for (const group of EXCLUSIVE) {
    const present = group.filter((field) => field in site.state);
    if (present.length > 1) findings.push(aslFinding([...site.path, present[1]!], `cannot be used together with ${listWords(present.filter((f) => f !== present[1]).map(quote), 'and')}; keep one of them`, { at: 'key' }));
  }
  return findings;
}

function requiredFindings(site: StateSite): Finding[] {
  const { state, path, language } = site;
  if (state.Type === 'Wait' && !['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].some((f) => f in state)) {
    const fields = language === 'JSONata' ? '"Seconds" or "Timestamp"' : '"Seconds", "SecondsPath", "Timestamp" or "TimestampPath"';
    return [aslFinding(path, `needs ${fields}: how long to wait, or until when`)];
  }
  if (state.Type === 'Map' && !('ItemProcessor' in state) && !('Iterator' in state)) {
    return [aslFinding(path, 'needs "ItemProcessor": the states to run for each item')];
  }
  if (state.Type === 'Choice' && language === 'JSONata') {
    return (state.Choices ?? []).flatMap((rule, i) => ('Condition' in (rule ?? {}) ? [] : [aslFinding([...path, 'Choices', i], 'needs "Condition": true, false, or a {% expression %} giving one')]));
  }
  if (state.Type === 'Choice') {
    return (state.Choices ?? []).flatMap((rule, i) => (['Variable', 'And', 'Or', 'Not'].some((f) => f in (rule ?? {})) ? [] : [aslFinding([...path, 'Choices', i], 'needs a test: "Variable" with a comparison like "StringEquals", or "And", "Or" or "Not"')]));
  }
  return [];
}
