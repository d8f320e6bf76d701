import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../definitions/load.js';
import { checkDefinition, formatProblems } from '../../definitions/validate.js';

const invalid = new URL('../fixtures/invalid/', import.meta.url);
const valid = new URL('../fixtures/valid/', import.meta.url);
const examples = new URL('../../examples/', import.meta.url);

function check(folder: URL, file: string) {
  return checkDefinition(readFileSync(new URL(file, folder), 'utf8'), file);
}

/** Every invalid fixture and the exact `line:column: message` of each problem it must report. */
const EXPECTED: Record<string, string[]> = {
  'bad-cron.yaml': [
    '4:11: "cron" of schedule 1 is "61 2 * * *", which is not a cron expression (invalid value for minute: 61); write it like "0 9 * * MON-FRI"',
    '5:15: "timezone" of schedule 1 is "Europe/Pariss", which is not a time zone; write it like Europe/Paris or UTC',
  ],
  'bad-concurrency.yaml': ['4:10: "concurrency.limit" is 0; it must be 1 or more', '5:3: "concurrency" has no field "queue"; it takes limit'],
  'bad-duration.yaml': [
    '7:14: step "wait for approval": "timeout" is "5 minutes", which is not a duration; write it like 30s, 5m, 2h, 3d or PT5M',
  ],
  'bad-output-path.yaml': [
    '7:13: step "charge": "output" is "payment result", which is not a dotted path; write it like order.total, or none to discard it',
  ],
  'bad-schedules.yaml': [
    '4:5: schedule 1 is missing "cron": when to start, as a cron expression like "0 9 * * MON-FRI"',
    '6:14: "overlap" of schedule 2 is "sometimes"; use one of skip, allow, buffer, cancel or terminate',
  ],
  'bad-step-name.yaml': [
    '4:11: step "charge/card": the name may only use letters, digits, spaces, "-", "_" and ".", and cannot start or end with a space',
    '7:11: step " ship": the name may only use letters, digits, spaces, "-", "_" and ".", and cannot start or end with a space',
  ],
  'bad-workflow-name.yaml': [
    '2:7: "name" is "welcome mail!"; a workflow name may only use letters, digits, "-", "_" and "."',
  ],
  'catch-and-timeout-unknown.yaml': [
    '9:15: step "ask": catch rule 1 points to "give up", which is not a step',
    '14:16: step "wait for answer": onTimeout points to "escalte", which is not a step (did you mean "escalate"?)',
  ],
  'catch-incomplete.yaml': [
    '8:9: step "charge": catch rule 1 is missing "next": the step to go to when one of these errors happens',
    '8:17: step "charge": "errors" of catch rule 1 is an empty list; list the error names to catch, or "*" for any error',
    '11:17: step "charge": "output" of catch rule 2 is "error details", which is not a dotted path; write it like order.total, or none to discard it',
  ],
  'choice-incomplete.yaml': [
    '7:9: step "route": choice 1 is missing "when": the condition, a JSONata expression like total > 100',
    '10:9: step "route": choice 2 has no field "default"; it takes when and next',
    '13:14: step "empty": "choices" is an empty list; add at least one choice',
  ],
  'choice-targets-unknown.yaml': [
    '8:15: step "route": choice 1 points to "express", which is not a step',
    '9:16: step "route": otherwise points to "standrd", which is not a step (did you mean "standard"?)',
  ],
  'compensate-both.yaml': [
    '8:7: step "book hotel": "compensate" has both "task" and "url"; an undo is either a task or an HTTP call, so keep one',
  ],
  'compensate-neither.yaml': [
    '8:7: step "book hotel": "compensate" needs "task" (a task type that undoes this step) or "url" (an HTTP call that undoes it)',
  ],
  'compensate-wrong-fields.yaml': [
    '9:7: step "book hotel": "compensate" has no field "method"; it takes task, input, queue, retry and timeout',
    '10:16: step "book hotel": "compensate.retry" has no field "maxAttempt" (did you mean "maxAttempts"?)',
  ],
  'delay-both.yaml': [
    '4:5: step "pause" has both "duration" and "until"; keep only one of them',
    '8:5: step "pause again" needs "duration" (how long to wait, like 5m) or "until" (an expression giving the time to wait until)',
  ],
  'duplicate-keys.yaml': [
    '9:7: step "charge": "retry.maxAttempts" is written twice (first on line 8); keep only one',
    '10:5: step "charge": "task" is written twice (first on line 6); keep only one',
  ],
  'duplicate-names-in-branch.yaml': [
    '18:19: step "book": another step of the same list, on line 15, has this name; give each step its own name',
    '21:15: step "book all": two branches are named "hotel" (the other one is on line 8); give each branch its own name',
  ],
  'duplicate-step-names.yaml': [
    '10:11: step "charge": another step of the same list, on line 4, has this name; give each step its own name',
  ],
  'duration-number.yaml': [
    '3:10: "timeout" is "7 days", which is not a duration; write it like 30s, 5m, 2h, 3d or PT5M',
    '5:12: "defaults.timeout" is 30, which is not a duration; write it like 30s, 5m, 2h, 3d or PT5M',
    '10:5: step "charge": "heartbeat" is empty, which is not a duration; write it like 30s, 5m, 2h, 3d or PT5M',
  ],
  'empty-file.yaml': [
    '1:1: the file is empty; a workflow needs at least a name and steps',
  ],
  'empty-steps.yaml': [
    '3:8: "steps" is an empty list; add at least one step',
  ],
  'expression-block.yaml': [
    '8:17: step "each line": the expression "lines[ price > ]" in "items" is not valid: "]" is out of place',
  ],
  'expression-everywhere.yaml': [
    '7:28: step "reserve": the expression "$result.id +" in "result" is not valid: it ends too early; something is missing at the end',
    '9:57: step "reserve": the expression "reserve.id )" in "compensate.url" is not valid: ")" is out of place',
    '13:25: step "wait for payment": the expression "orderId =" in "correlate" is not valid: it ends too early; something is missing at the end',
    '16:20: step "pause": the expression "$now() +" in "until" is not valid: it ends too early; something is missing at the end',
    '20:43: step "declined": the expression "error.message ~>" in "message" is not valid: it ends too early; something is missing at the end',
  ],
  'expression-template.yaml': [
    '9:37: step "charge": the expression "$sum(items.price) *" in "input.amount" is not valid: it ends too early; something is missing at the end',
    '10:19: step "charge": "input.note" has a "${" that is never closed with "}"',
  ],
  'expression-unclosed.yaml': [
    '8:23: step "notify": "input.subject" has a "${" that is never closed with "}"',
    '9:20: step "notify": "input.body" has an empty "${ }"; write an expression inside it, or remove it',
  ],
  'expression-slow-regex.yaml': [
    '7:31: step "route": the expression "$contains(code, /^(a+)+$/)" in "when" of choice 1 is not valid: the regular expression /^(a+)+$/ can take exponential time on a long run of "a" followed by a character it does not expect: inside a repetition, the same text can be matched in more than one way (as in (a+)+ or (a|ab|b)*); make each repeated part match a given text one way only, e.g. (a+)+ as a+, (a|ab|b)* as [ab]*',
  ],
  'expression-when.yaml': [
    '7:21: step "route": the expression "total >" in "when" of choice 1 is not valid: it ends too early; something is missing at the end',
    '9:34: step "route": the expression "$count(items > 3" in "when" of choice 2 is not valid: a closing ")" is missing at the end',
  ],
  'field-of-other-type.yaml': [
    '7:5: step "pack": a task step has no "items"; that is a field of map steps',
    '10:5: step "done": a succeed step has no "next"; it ends the workflow (or its branch or item) successfully',
  ],
  'fields-without-effect.yaml': [
    '10:11: step "route": next is never used, because otherwise already says where to go when no choice matches; remove one of them',
    '14:16: step "ask": onTimeout can never happen, because the step has no "timeout"; add one, like timeout: 1h',
    '21:9: step "record": catch rule 2 can never match, because catch rule 1 already catches every error ("*"); put the "*" rule last',
  ],
  'http-bad-method.yaml': [
    '4:5: step "fetch profile" is missing "url": the address to call, like "https://api.example.com/orders/${ orderId }"',
    '6:13: step "fetch profile": "method" is "post" (did you mean "POST"?); use one of GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS',
    '7:14: step "fetch profile": "headers" must be a map of fields, not "application/json"',
  ],
  'input-schema-bad-type.yaml': [
    '7:22: "input" is not a valid JSON Schema: "type" is "strin" (did you mean "string"?); use one of array, boolean, integer, null, number, object or string',
  ],
  'input-schema-other-draft.yaml': [
    '4:12: "input" is not a valid JSON Schema: "$schema" names a JSON Schema version Segue does not read; remove it, or write "https://json-schema.org/draft/2020-12/schema"',
  ],
  'input-schema-slow-pattern.yaml': [
    '6:36: "input" is not a valid JSON Schema: the pattern "^(a+)+$" can take exponential time on a long run of "a" followed by a character it does not expect: inside a repetition, the same text can be matched in more than one way (as in (a+)+ or (a|ab|b)*); make each repeated part match a given text one way only, e.g. (a+)+ as a+, (a|ab|b)* as [ab]*',
    '9:5: "input" is not a valid JSON Schema: the pattern "^(x*)*y$" can take exponential time on a long run of "x" followed by a character it does not expect: inside a repetition, the same text can be matched in more than one way (as in (a+)+ or (a|ab|b)*); make each repeated part match a given text one way only, e.g. (a+)+ as a+, (a|ab|b)* as [ab]*',
  ],
  'input-schema-unknown-keyword.yaml': [
    '5:3: "input" is not a valid JSON Schema: unknown keyword "requried" (did you mean "required"?)',
  ],
  'json-definition.json': [
    '4:76: step "charge": next points to "shipp", which is not a step (did you mean "ship"?)',
    '5:75: step "ship": "timeout" is "10 s", which is not a duration; write it like 30s, 5m, 2h, 3d or PT5M',
    '5:84: step "ship": unknown field "retries" (did you mean "retry"?)',
  ],
  'json-with-duplicates.json': [
    '3:3: "name" is written twice (first on line 2); keep only one',
    '5:99: step "charge": the expression "total *" in "input.amount" is not valid: it ends too early; something is missing at the end',
  ],
  'map-bad-settings.yaml': [
    '4:5: step "each line" is missing "items": a JSONata expression giving the list to go through, like order.lines',
    '6:18: step "each line": "concurrency" is -1; it must be 0 or more',
    '7:24: step "each line": "toleratedFailures" is "150%"; write a count like 2, or a percentage up to 100% like 10%',
  ],
  'missing-name.yaml': [
    '2:1: the workflow is missing "name": the workflow\'s name, unique in the registry: letters, digits, "-", "_" and "."',
  ],
  'missing-steps.yaml': [
    '2:1: the workflow is missing "steps": the ordered list of steps; the first step is the start',
  ],
  'misspelt-top-field.yaml': [
    '2:1: the workflow is missing "steps": the ordered list of steps; the first step is the start',
    '3:1: unknown field "stpes" (did you mean "steps"?)',
  ],
  'next-into-branch.yaml': [
    '8:15: step "check": choice 1 points to "book hotel", which is inside branch "hotel" of step "book all"; a step can only go to steps of its own list, so go to step "book all" instead',
  ],
  'next-leaves-branch.yaml': [
    '14:23: step "book hotel": catch rule 1 points to "apologise", which is outside branch "hotel" of step "book all"; a step in a branch can only go to steps of the same branch, or to end to finish the branch',
    '23:19: step "book flight": next points to "confirm hotel", which is outside branch "flight" of step "book all"; a step in a branch can only go to steps of the same branch, or to end to finish the branch',
  ],
  'next-leaves-map.yaml': [
    '12:19: step "check": choice 1 points to "report", which is outside the steps of map step "each order"; those steps can only go to one another, or to end to finish the item',
  ],
  'next-unknown.yaml': [
    '14:11: step "charge": next points to "shipp", which is not a step (did you mean "ship"?)',
  ],
  'parallel-branch-incomplete.yaml': [
    '7:9: step "book everything": branch "hotel" is missing "steps": the branch\'s steps, run in order',
    '10:13: step "book flight" is missing "task": the task type workers subscribe to, like payments.charge',
    '12:13: step "book flight": unknown field "tsk" (did you mean "task"?)',
  ],
  'retry-bounds.yaml': [
    '10:20: step "charge": "retry.maxInterval" (2s) is shorter than initialInterval (10s); make it at least as long',
    '15:20: step "ship": "retry" never retries, because its maxAttempts is 1: nonRetryable has no effect; set maxAttempts to 2 or more, or remove nonRetryable',
    '21:7: step "notify": "retry" never retries, because maxAttempts is 1 when not given: initialInterval and jitter have no effect; set maxAttempts to 2 or more, or remove them',
  ],
  'retry-out-of-range.yaml': [
    '8:20: step "charge": "retry.maxAttempts" is -1; it must be 0 or more',
    '9:27: step "charge": "retry.backoffCoefficient" is 0.5; it must be 1 or more',
    '10:15: step "charge": "retry.jitter" is 1.5; it must be 1 or less',
    '11:24: step "charge": "retry.initialInterval" is "soon", which is not a duration; write it like 30s, 5m, 2h, 3d or PT5M',
  ],
  'retry-quoted-number.yaml': [
    '5:18: "defaults.retry.maxAttempts" must be a whole number, not the text "3"; remove the quotes',
    '10:27: step "charge": "retry.maxAttempts" is 2.5; it must be a whole number',
    '10:46: step "charge": "retry.nonRetryable" must be a list, not "CardDeclined"; write it as a list, like [CardDeclined]',
  ],
  'set-bad-values.yaml': [
    '7:7: step "compute": "order..total" in "values" is not a dotted path; write keys like order.total',
    '8:5: step "compute": a set step has no "output"; it has no result to store',
    '11:13: step "nothing": "values" is empty; add at least one line like total: "${ price * quantity }"',
  ],
  'several-problems.yaml': [
    '7:14: step "charge": "timeout" is "0s"; it must be longer than zero',
    '8:11: step "charge": next points to "shipp", which is not a step (did you mean "ship"?)',
    '12:35: step "ship": the expression "orderId +" in "input.orderId" is not valid: it ends too early; something is missing at the end',
    '13:11: step "ship": another step of the same list, on line 9, has this name; give each step its own name',
  ],
  'shape-and-flow-problems.yaml': [
    '8:5: step "charge": unknown field "retries" (did you mean "retry"?)',
    '9:11: step "charge": next points to "shipp", which is not a step (did you mean "ship"?)',
    '13:14: step "ship": "timeout" is "soon", which is not a duration; write it like 30s, 5m, 2h, 3d or PT5M',
    '17:11: step "notify": next points to "nowhere", which is not a step',
  ],
  'step-missing-type.yaml': [
    '7:5: step "remember" is missing "type": what the step does: task, http, set, choice, parallel, map, wait, delay, workflow, compensate, continue, succeed or fail',
  ],
  'step-named-end.yaml': [
    '8:11: step "end": "end" cannot be a step name, because next: end means "finish here"; rename the step',
  ],
  'step-not-a-map.yaml': [
    '7:5: step number 2 must be a map of fields like name: and type:, not "ship"',
  ],
  'task-missing-task.yaml': [
    '4:5: step "charge" is missing "task": the task type workers subscribe to, like payments.charge',
  ],
  'task-unknown-field.yaml': [
    '7:5: step "reserve": unknown field "retries" (did you mean "retry"?)',
    '8:5: step "reserve": unknown field "colour"; a task step takes name, type, next, output, result, task, queue, input, timeout, heartbeat, retry, catch and compensate',
  ],
  'unknown-step-type.yaml': [
    '5:11: step "notify": "type" is "taks", which is not a step type (did you mean "task"?); use one of task, http, set, choice, parallel, map, wait, delay, workflow, compensate, continue, succeed or fail',
  ],
  'unreachable-after-end.yaml': [
    '9:5: step "audit" can never run: step "done" before it does not go on to the next step, and no next, choice or catch rule points to it; point one at it, or remove the step',
    '12:5: step "archive" can never run: only steps that never run lead to it',
  ],
  'unreachable-after-jump.yaml': [
    '8:5: step "second" can never run: step "first" before it does not go on to the next step, and no next, choice or catch rule points to it; point one at it, or remove the step',
    '17:5: step "fourth" can never run: step "third" before it does not go on to the next step, and no next, choice or catch rule points to it; point one at it, or remove the step',
  ],
  'unreachable-in-branch-and-map.yaml': [
    '13:13: step "never" can never run: step "work" before it does not go on to the next step, and no next, choice or catch rule points to it; point one at it, or remove the step',
    '23:9: step "lost" can never run: step "stop" before it does not go on to the next step, and no next, choice or catch rule points to it; point one at it, or remove the step',
  ],
  'version-zero.yaml': [
    '3:10: "version" is 0; it must be 1 or more',
    '4:14: "description" must be text, not a list',
  ],
  'wait-and-fail-incomplete.yaml': [
    '4:5: step "wait for approval" is missing "event": the name of the event to wait for, like approval',
    '7:5: step "rejected" is missing "error": the error name to fail with, like PaymentDeclined',
  ],
  'yaml-stray-brace.yaml': [
    '7:1: this is not valid YAML: "}" is out of place here',
  ],
  'yaml-syntax.yaml': [
    '5:5: this is not valid YAML: a field here has no ":" after its name (write it like type: task), or the indentation is off',
  ],
  'yaml-tab.yaml': [
    '4:1: this is not valid YAML: a tab is used to indent this line; indent with spaces',
  ],
  'yaml-unquoted-template.yaml': [
    '7:24: this is not valid YAML: text holding ${ } inside { } or [ ] must be quoted, like "${ orderId }"',
  ],
  'zero-timeouts.yaml': [
    '3:10: "timeout" is "0s"; it must be longer than zero',
    '9:16: step "charge": "heartbeat" (5m) is not shorter than "timeout" (1m), so it can never matter; make it shorter or remove it',
    '13:14: step "ship": "timeout" is "PT0S"; it must be longer than zero',
  ],
};

describe('checkDefinition: invalid definitions', () => {
  it('has an expectation for every fixture, and covers enough of them', () => {
    const files = readdirSync(invalid).sort();
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(45);
  });

  it.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    const { problems } = check(invalid, file);
    expect(problems.map((p) => `${p.line}:${p.column}: ${p.message}`)).toEqual(expected);
    expect(problems.every((p) => p.file === file)).toBe(true);
  });
});

describe('checkDefinition: valid definitions', () => {
  const files = readdirSync(valid).sort();

  it('includes YAML and JSON fixtures', () => {
    expect(files.some((f) => f.endsWith('.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('.yaml'))).toBe(true);
  });

  it.each(files)('%s has no problem', (file) => {
    const { definition, problems } = check(valid, file);
    expect(formatProblems(problems)).toBe('');
    expect(definition?.steps.length).toBeGreaterThan(0);
  });

  // In either language: loadPlan checks an ASL example (expense-claim.yaml) as ASL.
  it.each(readdirSync(examples).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')))('example %s has no problem', (file) => {
    expect(formatProblems(loadPlan(readFileSync(new URL(file, examples), 'utf8'), file).problems)).toBe('');
  });
});

describe('checkDefinition: results', () => {
  it('names the step of each problem', () => {
    const { problems } = check(invalid, 'several-problems.yaml');
    expect(problems.map((p) => p.step)).toEqual(['charge', 'charge', 'ship', 'ship']);
  });

  it('leaves the step out of problems about the workflow itself', () => {
    const { problems } = check(invalid, 'missing-name.yaml');
    expect(problems[0]).not.toHaveProperty('step');
  });

  it('returns the definition once it has the right shape, even with flow problems', () => {
    expect(check(invalid, 'next-unknown.yaml').definition?.name).toBe('order');
    expect(check(invalid, 'task-missing-task.yaml').definition).toBeUndefined();
    expect(check(invalid, 'yaml-syntax.yaml').definition).toBeUndefined();
  });

  it('formats one file:line:column: message line per problem', () => {
    const { problems } = check(invalid, 'bad-cron.yaml');
    expect(formatProblems(problems).split('\n')).toEqual([
      'bad-cron.yaml:4:11: "cron" of schedule 1 is "61 2 * * *", which is not a cron expression (invalid value for minute: 61); write it like "0 9 * * MON-FRI"',
      'bad-cron.yaml:5:15: "timezone" of schedule 1 is "Europe/Pariss", which is not a time zone; write it like Europe/Paris or UTC',
    ]);
    expect(formatProblems([])).toBe('');
  });

  it('checks an input schema with an $id again, and another one with the same $id', () => {
    const text = (extra: string) =>
      `name: a\ninput: { $id: "https://example.com/in.json", type: object${extra} }\nsteps:\n  - name: x\n    type: succeed\n`;
    const typo = ['2:60: "input" is not a valid JSON Schema: unknown keyword "requried" (did you mean "required"?)'];
    for (let i = 0; i < 2; i += 1) {
      expect(checkDefinition(text(', requried: [x]'), 'a.yaml').problems.map((p) => `${p.line}:${p.column}: ${p.message}`)).toEqual(typo);
      expect(checkDefinition(text(''), 'b.yaml').problems).toEqual([]);
    }
  });

  it('gives the same answer when called again with the same text', () => {
    const text = readFileSync(new URL('several-problems.yaml', invalid), 'utf8');
    expect(checkDefinition(text, 'a.yaml')).toEqual(checkDefinition(text, 'a.yaml'));
  });
});
