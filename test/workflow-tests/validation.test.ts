/**
 * A test file is checked before anything runs, with a definition's quality of messages: the
 * schema in plain words, then every name checked against the workflows under test (did you
 * mean…?), each problem at its line and column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import schema from '../../schemas/workflow-test.schema.json' with { type: 'json' };
import { loadTestFile } from '../../workflow-tests/test-file.js';
import { WorkflowLibrary } from '../../workflow-tests/workflows.js';
import { runTestFiles } from '../../workflow-tests/runner.js';
import { folderWith, RESERVE_THEN_CHARGE, runIn } from './helpers.js';

const ORDER = `name: order
steps:
${RESERVE_THEN_CHARGE}  - name: pick
    type: set
    values: { picked: true }
  - name: profile
    type: http
    url: https://api.example.com/profile
  - name: shipment
    type: workflow
    workflow: shipment
  - name: decision
    type: wait
    event: approval
  - name: done
    type: succeed
`;

const SHIPMENT = `name: shipment
steps:
  - name: label
    type: task
    task: shipping.label
`;

async function problems(test: string, files: Record<string, string> = {}): Promise<string[]> {
  return (await runIn({ 'order.yaml': ORDER, 'shipment.yaml': SHIPMENT, 'order.test.yaml': test, ...files }, 'order.test.yaml')).lines;
}

describe('the schema of test files', () => {
  it('is a valid draft 2020-12 schema that describes every field, for editors to show', () => {
    const ajv = new Ajv2020();
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(schema.$id).toBe('https://segue.dev/schemas/workflow-test.schema.json');
    const undescribed: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      for (const [name, field] of Object.entries((record.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof field.description !== 'string' || field.description === '') undescribed.push(`${where}.${name}`);
      }
      for (const [key, value] of Object.entries(record)) visit(value, `${where}/${key}`);
    };
    visit(schema, '#');
    expect(undescribed).toEqual([]);
  });
});

describe('problems of a test file', () => {
  it('are said in plain words at their place, with what was meant', async () => {
    const test = `workflow: order.yaml
mocks:
  tasks:
    payments.charge: { outptu: {} }
    inventory.reserv: { output: {} }
  steps:
    chrage: { output: {} }
    label: { output: {} }
    pick: { output: {} }
    shipment: { output: {} }
    shipmnt/label: { output: {} }
  compensations:
    charge: { output: {} }
cases:
  - name: paid
    events: [{ event: aproval }]
    expect:
      status: DONE
      path: [reserve, chrage]
      compensations: [charge]
      duration: 2 days
  - name: paid
    when: now
    expect: {}
`;
    expect(await problems(test)).toEqual([
      'order.test.yaml:4:24: "mocks.tasks.payments.charge" has no field "outptu" (did you mean "output"?)',
      'order.test.yaml:5:5: no step runs a task of type "inventory.reserv", so its mock is never used (did you mean "inventory.reserve"?)',
      'order.test.yaml:7:5: order has no step "chrage" (did you mean "charge"?)',
      'order.test.yaml:8:5: order has no step "label"; it is a step of the child workflow shipment: write "shipment/label"',
      'order.test.yaml:9:5: step "pick" is a set step, which the engine runs itself; only task and http steps take mocks',
      'order.test.yaml:10:5: step "shipment" starts the child workflow shipment, which runs in the test too; mock its steps as "shipment/<step>", or its task types under tasks',
      'order.test.yaml:11:5: "shipmnt" is not a workflow order calls (did you mean "shipment"?)',
      'order.test.yaml:13:5: step "charge" has no compensate, so there is no compensation to mock',
      'order.test.yaml:16:23: case "paid": no wait step waits for the event "aproval" (did you mean "approval"?)',
      'order.test.yaml:18:15: case "paid": "expect.status" is "DONE", which is not a status; use one of RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED or TIMED_OUT',
      'order.test.yaml:19:23: case "paid": order has no step "chrage" (did you mean "charge"?)',
      'order.test.yaml:20:23: case "paid": step "charge" has no compensate, so no compensation of it can run',
      'order.test.yaml:21:17: case "paid": "expect.duration" is "2 days", which is not a duration; write it like 30s, 5m, 2h, 3d or PT5M',
      'order.test.yaml:22:11: case "paid" has the name of case number 1; give each case a name of its own',
      'order.test.yaml:23:5: case "paid" has no field "when"; it takes "name", "description", "input", "id", "now", "mocks", "events", "stopAfter" and "expect"',
    ]);
  });

  it('check each answer: one kind of answer, fields that go with it, expressions that parse', async () => {
    const test = `cases:
  - name: answers
    mocks:
      steps:
        charge:
          - { output: {}, error: Declined }
          - { message: no error given }
          - { when: "amount >", output: {} }
          - { output: "\${ amount + }" }
          - { response: { status: 200 } }
          - { noAnswer: false }
        profile: { response: { status: 700 } }
    expect: {}
`;
    expect(await problems(test)).toEqual([
      'order.test.yaml:6:27: case "answers": the mock of step "charge" gives both "output" and "error"; an answer is one of them: make a list of answers to give one after the other',
      'order.test.yaml:7:13: case "answers": the mock of step "charge" needs one of "output", "error", "response" or "noAnswer": what the call answers',
      'order.test.yaml:7:15: case "answers": the mock of step "charge" has "message" without "error"; it goes with an error',
      'order.test.yaml:8:29: case "answers": the expression "amount >" in "when" of the mock of step "charge" is not valid: it ends too early; something is missing at the end',
      'order.test.yaml:9:34: case "answers": the expression "amount +" in "output" of the mock of step "charge" is not valid: it ends too early; something is missing at the end',
      'order.test.yaml:10:15: case "answers": the mock of step "charge": "response" is the answer of an HTTP call, and step "charge" runs a task; answer with output or error',
      'order.test.yaml:11:25: case "answers": "noAnswer" of entry 6 of "mocks.steps.charge" can only be true (the worker never answers); leave it out otherwise',
      'order.test.yaml:12:40: case "answers": "mocks.steps.profile.response.status" is 700; an HTTP status is from 100 to 599',
    ]);
  });

  it('name the workflow file that is missing or invalid, and the file that is not a test file', async () => {
    expect(await problems('cases: [{ name: a, expect: {} }]', { 'order.yaml': 'name: order\nsteps: []\n' })).toEqual([
      'order.yaml:2:8: "steps" is an empty list; add at least one step',
    ]);
    expect(await problems('workflow: orders.yaml\ncases: [{ name: a, expect: {} }]')).toEqual([
      expect.stringMatching(/^order\.test\.yaml:1:11: cannot read the workflow file .*orders\.yaml: no such file$/),
    ]);
    const child = await problems('cases: [{ name: a, expect: {} }]', { 'shipment.yaml': 'name: shipping\nsteps: [{ name: a, type: succeed }]\n' });
    expect(child).toEqual([expect.stringMatching(/^order\.test\.yaml:1:1: workflow order calls the workflow "shipment", which no definition file in .* is named; put its file there, or give its folder with --workflows$/)]);
    const ran = await runIn({ 'order.yaml': ORDER, 'tests.yaml': 'cases: []' }, 'tests.yaml');
    expect(ran.lines).toEqual([
      'tests.yaml:1:1: tests.yaml is not a test file: the name of a test file ends in .test.yaml (or .test.yml, .test.json), like order.test.yaml beside order.yaml',
    ]);
  });

  it('find child workflows in the folders given with --workflows too, and read JSON test files', async () => {
    const children = await folderWith({ 'shipment.yaml': SHIPMENT });
    const dir = await folderWith({
      'order.yaml': ORDER,
      'order.test.json': JSON.stringify({ cases: [{ name: 'not mocked', expect: {} }] }),
    });
    const [alone] = await runTestFiles([join(dir, 'order.test.json')]);
    expect(alone!.problems.map((p) => p.message)).toEqual([expect.stringContaining('calls the workflow "shipment", which no definition file in')]);
    const [found] = await runTestFiles([join(dir, 'order.test.json')], { workflows: [children] });
    expect(found!.problems).toEqual([]);
    expect(found!.cases[0]!.failures.map((p) => p.message)).toEqual([
      'step "reserve" runs a task of type inventory.reserve, which no mock answers; add one under mocks: tasks: inventory.reserve: (or steps: reserve:)',
    ]);
  });

  it('read YAML mistakes and an empty file as a definition’s are read', async () => {
    expect(await problems('cases:\n  - name: a\n   expect: {}\n')).toEqual([
      expect.stringMatching(/^order\.test\.yaml:3:\d+: this is not valid YAML: /),
    ]);
    expect(await problems('')).toEqual(['order.test.yaml:1:1: the file is empty; a test file needs at least a list of cases']);
    expect(await problems('cases: []\n')).toEqual(['order.test.yaml:1:8: "cases" is an empty list; add at least one case']);
  });

  it('find none in the examples, whose test files name their schema for editors', async () => {
    const folder = fileURLToPath(new URL('../../examples/', import.meta.url));
    const files = readdirSync(folder).filter((name) => name.endsWith('.test.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    const library = new WorkflowLibrary();
    for (const name of files) {
      const loaded = await loadTestFile(join(folder, name), library);
      expect(loaded.ok ? [] : loaded.problems, name).toEqual([]);
      expect(readFileSync(join(folder, name), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/schemas\/workflow-test\.schema\.json$/m);
    }
  });
});
