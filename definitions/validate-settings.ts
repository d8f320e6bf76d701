/**
 * Checks of settings whose form the schema accepts but whose values cannot work: zero timeouts,
 * durations too long to end in a date, retry bounds that contradict each other, retry fields
 * without effect, cron schedules and time zones that do not exist.
 */
import { cronProblem, isTimeZone } from './cron.js';
import type { RetryDefinition, StepDefinition, WorkflowDefinition } from './definition.js';
import { formatDuration, MAX_DURATION_MS, parseDuration } from './duration.js';
import { about, listWords, ownerOf, quote, showValue, valueAt } from './messages.js';
import type { Finding, Path } from './messages.js';
import type { StepSite } from './validate-scopes.js';

const DEFAULT_INITIAL_INTERVAL = '1s';

export function settingFindings(definition: WorkflowDefinition, sites: readonly StepSite[]): Finding[] {
  const say: Say = (path, rest, at = path) => {
    const owner = ownerOf(definition, path);
    return { path: at, message: about(owner, rest), ...(owner.step === undefined ? {} : { step: owner.step }) };
  };
  const findings: Finding[] = [
    ...positive(say, ['timeout'], definition.timeout),
    ...positive(say, ['defaults', 'timeout'], definition.defaults?.timeout),
    // Steps merge their own retry over the defaults, so the defaults alone may well never retry.
    ...retryBounds(say, ['defaults', 'retry'], definition.defaults?.retry, undefined),
    ...scheduleFindings(say, definition),
    ...tooLong(say, definition, [], WORKFLOW_DURATIONS),
    ...(definition.schedules ?? []).flatMap((_, i) => tooLong(say, definition, ['schedules', i], [['catchupWindow']])),
  ];
  for (const site of sites) {
    findings.push(...stepSettingFindings(say, site, definition.defaults?.retry), ...tooLong(say, definition, site.path, STEP_DURATIONS));
  }
  return findings;
}

const RETRY_DURATIONS: Path[] = [['retry', 'initialInterval'], ['retry', 'maxInterval']];
const WORKFLOW_DURATIONS: Path[] = [['timeout'], ['defaults', 'timeout'], ...RETRY_DURATIONS.map((p) => ['defaults', ...p])];
const STEP_DURATIONS: Path[] = [['timeout'], ['heartbeat'], ['duration'], ...RETRY_DURATIONS, ['compensate', 'timeout'], ...RETRY_DURATIONS.map((p) => ['compensate', ...p])];

/** Durations at `fields` below `base` longer than MAX_DURATION_MS: past it a timer would not end in a date. */
function tooLong(say: Say, definition: WorkflowDefinition, base: Path, fields: readonly Path[]): Finding[] {
  const limit = formatDuration(MAX_DURATION_MS);
  return fields.flatMap((field) => {
    const path = [...base, ...field];
    const text = valueAt(definition, path);
    const length = typeof text === 'string' ? ms(text) : undefined;
    return length !== undefined && length > MAX_DURATION_MS ? [say(path, `is ${showValue(text)}, longer than the ${limit} (about 100 years) a duration may be; make it shorter`)] : [];
  });
}

/** A finding about the field at `path`, positioned at `at` (default: the field itself). */
type Say = (path: Path, rest: string, at?: Path) => Finding;

function stepSettingFindings(say: Say, site: StepSite, defaults: RetryDefinition | undefined): Finding[] {
  const step: StepDefinition = site.step;
  const at = (...rel: (string | number)[]): Path => [...site.path, ...rel];
  const findings = [
    ...positive(say, at('timeout'), step.timeout),
    ...positive(say, at('heartbeat'), step.heartbeat),
    ...positive(say, at('compensate', 'timeout'), step.compensate?.timeout),
    ...retryFindings(say, at('retry'), step.retry, defaults),
    ...retryFindings(say, at('compensate', 'retry'), step.compensate?.retry, defaults),
  ];
  const heartbeat = ms(step.heartbeat);
  const timeout = ms(step.timeout);
  if (heartbeat !== undefined && timeout !== undefined && heartbeat > 0 && heartbeat >= timeout) {
    findings.push(
      say(at('heartbeat'), `(${formatDuration(heartbeat)}) is not shorter than "timeout" (${formatDuration(timeout)}), so it can never matter; make it shorter or remove it`),
    );
  }
  return findings;
}

function ms(text: string | undefined): number | undefined {
  return text === undefined ? undefined : (parseDuration(text) ?? undefined);
}

function positive(say: Say, path: Path, text: string | undefined): Finding[] {
  return ms(text) === 0 ? [say(path, `is ${quote(text!)}; it must be longer than zero`)] : [];
}

/**
 * A step's retry is merged field by field over `defaults.retry`, so "no effect" is judged on
 * the merged policy, and reported where the step's own block says it.
 */
function retryFindings(say: Say, path: Path, retry: RetryDefinition | undefined, defaults: RetryDefinition | undefined): Finding[] {
  if (retry === undefined) return [];
  const findings = retryBounds(say, path, retry, defaults);
  const merged = { ...defaults, ...retry };
  if ((merged.maxAttempts ?? 1) !== 1) return findings;
  const idle = ['initialInterval', 'backoffCoefficient', 'maxInterval', 'jitter', 'nonRetryable'].filter(
    (field) => (retry as Record<string, unknown>)[field] !== undefined,
  );
  if (idle.length === 0) return findings;
  const at = retry.maxAttempts === undefined ? path : [...path, 'maxAttempts'];
  const why = merged.maxAttempts === undefined ? 'maxAttempts is 1 when not given' : 'its maxAttempts is 1';
  const fields = listWords(idle, 'and');
  const them = idle.length === 1 ? idle[0] : 'them';
  findings.push(say(path, `never retries, because ${why}: ${fields} ${idle.length === 1 ? 'has' : 'have'} no effect; set maxAttempts to 2 or more, or remove ${them}`, at));
  return findings;
}

function retryBounds(say: Say, path: Path, retry: RetryDefinition | undefined, defaults: RetryDefinition | undefined): Finding[] {
  if (retry === undefined) return [];
  const findings: Finding[] = [];
  const merged = { ...defaults, ...retry };
  const initial = ms(merged.initialInterval ?? DEFAULT_INITIAL_INTERVAL)!;
  const max = ms(merged.maxInterval);
  if (max !== undefined && retry.maxInterval !== undefined && max < initial) {
    const which = merged.initialInterval === undefined ? ', the default' : '';
    findings.push(
      say([...path, 'maxInterval'], `(${formatDuration(max)}) is shorter than initialInterval (${formatDuration(initial)}${which}); make it at least as long`),
    );
  }
  return findings;
}

function scheduleFindings(say: Say, definition: WorkflowDefinition): Finding[] {
  const schedules = definition.schedules ?? [];
  const findings: Finding[] = [];
  schedules.forEach((schedule, i) => {
    const problem = cronProblem(schedule.cron);
    if (problem) {
      findings.push(say(['schedules', i, 'cron'], `is ${quote(schedule.cron)}, which is not a cron expression (${problem}); write it like "0 9 * * MON-FRI"`));
    }
    if (schedule.timezone !== undefined && !isTimeZone(schedule.timezone)) {
      findings.push(say(['schedules', i, 'timezone'], `is ${quote(schedule.timezone)}, which is not a time zone; write it like Europe/Paris or UTC`));
    }
  });
  return findings;
}


