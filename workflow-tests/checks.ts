/**
 * The checks of a test file the schema cannot express, against the workflows it tests: every
 * mock answers something that runs, every event is one a step waits for, every step named in an
 * expectation exists. Each problem says what is wrong and, where it can, what was meant.
 */
import type { CompensationSpec, Json, Plan, PlanStep } from '../definitions/model.js';
import { didYouMean, isRecord, listWords, quote, type Finding, type Path } from '../definitions/messages.js';
import { conditionFault, templateFault, walkStrings, type Fault } from '../definitions/validate-expressions.js';
import { caseOwner } from './schema-check.js';
import type { AnswerDefinition, MockDefinition, MocksDefinition, MockTable, TestFileDefinition } from './model.js';
import { MOCK_TABLES } from './model.js';
import type { WorkflowSet } from './workflows.js';

/** What the workflows under test hold, for the checks to compare names with. */
interface Index {
  main: string;
  /** Steps by workflow, then by name (a name may be used in several lists of one workflow). */
  steps: Map<string, Map<string, PlanStep[]>>;
  taskTypes: Set<string>;
  events: Set<string>;
}

/**
 * `definition` may have holes where the schema refused something (see soundPart in
 * test-file.ts): a refused entry of a list is null, a refused field is gone.
 */
export function testFileFindings(definition: TestFileDefinition, workflows: WorkflowSet): Finding[] {
  const index = indexOf(workflows);
  const findings: Finding[] = [...mockFindings(definition, definition.mocks, ['mocks'], index)];
  const firstCase = new Map<string, number>();
  definition.cases.forEach((c, i) => {
    if (!isRecord(c)) return;
    const path: Path = ['cases', i];
    const subject = caseOwner(definition, path).subject;
    const first = c.name === undefined ? undefined : firstCase.get(c.name);
    if (first === undefined) firstCase.set(c.name, i);
    else findings.push({ path: [...path, 'name'], message: `${subject} has the name of case number ${first + 1}; give each case a name of its own` });
    findings.push(...mockFindings(definition, c.mocks, [...path, 'mocks'], index));
    (c.events ?? []).forEach((e, j) => {
      if (!isRecord(e) || e.event === undefined || index.events.has(e.event)) return;
      const known = [...index.events];
      const advice = known.length === 0 ? `; ${index.main} has no wait step` : didYouMean(e.event, known) || `; the steps wait for ${listWords(known.map(quote))}`;
      findings.push({ path: [...path, 'events', j, 'event'], message: `${subject}: no wait step waits for the event ${quote(e.event)}${advice}` });
    });
    const expect = c.expect ?? {};
    const expected: [string, string[] | undefined, (s: PlanStep) => boolean][] = [
      ['path', expect.path, () => true],
      ['waitingAt', expect.waitingAt, () => true],
      ['compensations', expect.compensations, hasCompensation],
    ];
    for (const [field, names, fits] of expected) {
      (names ?? []).forEach((name, j) => {
        if (typeof name !== 'string') return;
        const problem = stepProblem(index, index.main, name, fits, field === 'compensations' ? 'has no compensate, so no compensation of it can run' : '');
        if (problem) findings.push({ path: [...path, 'expect', field, j], message: `${subject}: ${problem}` });
      });
    }
  });
  return findings;
}

function indexOf(workflows: WorkflowSet): Index {
  const index: Index = { main: workflows.main.name, steps: new Map(), taskTypes: new Set(), events: new Set() };
  for (const [name, { plan }] of workflows.byName) index.steps.set(name, stepsOf(plan, index));
  return index;
}

function stepsOf(plan: Plan, index: Index): Map<string, PlanStep[]> {
  const steps = new Map<string, PlanStep[]>();
  for (const scope of plan.scopes.values()) {
    for (const step of scope.steps) {
      steps.set(step.name, [...(steps.get(step.name) ?? []), step]);
      if (step.type === 'task') index.taskTypes.add(step.task);
      if (step.type === 'wait') index.events.add(step.event);
      if (hasCompensation(step) && step.compensate.kind === 'task') index.taskTypes.add(step.compensate.task);
    }
  }
  return steps;
}

function hasCompensation(step: PlanStep): step is PlanStep & { compensate: CompensationSpec } {
  return 'compensate' in step && step.compensate !== undefined;
}

function mockFindings(root: TestFileDefinition, mocks: MocksDefinition | undefined, path: Path, index: Index): Finding[] {
  const findings: Finding[] = [];
  const subject = caseOwner(root, path).subject;
  const say = (message: string): string => (subject ? `${subject}: ${message}` : message);
  for (const table of MOCK_TABLES) {
    for (const [key, mock] of Object.entries(mocks?.[table] ?? {})) {
      const at: Path = [...path, table, key];
      const target = targetOf(table, key, index);
      if (typeof target === 'string') {
        findings.push({ path: at, at: 'key', message: say(target) });
        continue;
      }
      findings.push(...answerFindings(mock, at, target, say));
    }
  }
  return findings;
}

/** What a mock answers: an HTTP call or a task; or why its key names nothing that runs. */
function targetOf(table: MockTable, key: string, index: Index): { http: boolean; label: string } | string {
  if (table === 'tasks') {
    if (index.taskTypes.has(key)) return { http: false, label: `task ${key}` };
    if (key.startsWith('$')) return `${quote(key)} is not a task type; mock an http step by its name, under steps`;
    const known = [...index.taskTypes];
    return `no step runs a task of type ${quote(key)}, so its mock is never used${didYouMean(key, known) || (known.length > 0 ? `; the task types are ${listWords(known.map(quote))}` : '')}`;
  }
  const slash = key.indexOf('/');
  const workflow = slash < 0 ? index.main : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const compensation = table === 'compensations';
  const fits = compensation ? hasCompensation : (s: PlanStep): boolean => s.type === 'task' || s.type === 'http';
  const problem = stepProblem(index, workflow, name, fits, compensation ? 'has no compensate, so there is no compensation to mock' : '');
  if (problem) return problem;
  const step = index.steps.get(workflow)!.get(name)!.find(fits)!;
  const http = hasCompensation(step) && compensation ? step.compensate.kind === 'http' : step.type === 'http';
  return { http, label: `${compensation ? 'the compensation of ' : ''}step ${quote(name)}` };
}

/**
 * Why `name` is not a step of `workflow` that `fits`, or undefined when it is. `unfit` says why
 * a step that does not fit does not; by default, that only task and http steps are mocked.
 */
function stepProblem(index: Index, workflow: string, name: string, fits: (s: PlanStep) => boolean, unfit: string): string | undefined {
  const steps = index.steps.get(workflow);
  if (!steps) {
    const called = [...index.steps.keys()].filter((w) => w !== index.main);
    const advice = didYouMean(workflow, called) || (called.length > 0 ? `; it calls ${listWords(called.map(quote))}` : `; ${index.main} calls no child workflow`);
    return `${quote(workflow)} is not a workflow ${index.main} calls${advice}`;
  }
  const found = steps.get(name);
  if (!found) {
    const elsewhere = workflow === index.main ? [...index.steps].find(([w, s]) => w !== index.main && s.has(name))?.[0] : undefined;
    const advice = elsewhere ? `; it is a step of the child workflow ${elsewhere}: write ${quote(`${elsewhere}/${name}`)}` : didYouMean(name, steps.keys());
    return `${workflow} has no step ${quote(name)}${advice}`;
  }
  if (found.some(fits)) return undefined;
  if (unfit) return `step ${quote(name)} ${unfit}`;
  const step = found[0]!;
  if (step.type === 'workflow') {
    return `step ${quote(name)} starts the child workflow ${step.workflow}, which runs in the test too; mock its steps as ${quote(`${step.workflow}/<step>`)}, or its task types under tasks`;
  }
  return `step ${quote(name)} is a ${step.type} step, which the engine runs itself; only task and http steps take mocks`;
}

const ANSWER_KINDS = ['output', 'error', 'response', 'noAnswer'] as const;

function answerFindings(mock: MockDefinition, path: Path, target: { http: boolean; label: string }, say: (m: string) => string): Finding[] {
  const answers = Array.isArray(mock) ? mock.map((a, i): [AnswerDefinition, Path] => [a, [...path, i]]) : [[mock, path] as [AnswerDefinition, Path]];
  const findings: Finding[] = [];
  for (const [answer, at] of answers) {
    if (answer === null || typeof answer !== 'object') continue;
    const kinds = ANSWER_KINDS.filter((k) => k in answer);
    const of = `the mock of ${target.label}`;
    if (kinds.length === 0) findings.push({ path: at, message: say(`${of} needs one of "output", "error", "response" or "noAnswer": what the call answers`) });
    if (kinds.length > 1) findings.push({ path: [...at, kinds[1]!], at: 'key', message: say(`${of} gives both ${listWords(kinds.map(quote), 'and')}; an answer is one of them: make a list of answers to give one after the other`) });
    for (const field of ['message', 'retryable'] as const) {
      if (field in answer && answer.error === undefined) findings.push({ path: [...at, field], at: 'key', message: say(`${of} has ${quote(field)} without "error"; it goes with an error`) });
    }
    if (answer.response !== undefined && !target.http) {
      findings.push({ path: [...at, 'response'], at: 'key', message: say(`${of}: "response" is the answer of an HTTP call, and ${target.label} runs a task; answer with output or error`) });
    }
    const fault = (rel: Path, f: Fault | undefined): void => {
      if (!f) return;
      const field = quote(String(rel[0]));
      const what = f.expression === undefined ? field : `the expression ${quote(f.expression)} in ${field}`;
      findings.push({ path: [...at, ...rel], index: f.index, message: say(`${what} of ${of} ${f.problem}`) });
    };
    if (answer.when !== undefined) fault(['when'], conditionFault(answer.when));
    const templates: [Path, Json | undefined][] = [[['output'], answer.output], [['message'], answer.message], [['response', 'body'], answer.response?.body]];
    for (const [rel, value] of templates) walkStrings(value, rel, (p, text) => fault(p, templateFault(text)));
  }
  return findings;
}
