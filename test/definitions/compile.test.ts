import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UnvalidatedDefinitionError, compilePlan } from '../../definitions/compile.js';
import type { WorkflowDefinition } from '../../definitions/definition.js';
import { END } from '../../definitions/model.js';
import type { Plan, PlanStep } from '../../definitions/model.js';
import { plainScope } from '../../definitions/expression-budget.js';

function compile(yaml: string, version = 1): Plan {
  return compilePlan(parse(yaml) as WorkflowDefinition, { version });
}

function step<T extends PlanStep['type']>(plan: Plan, name: string, type: T, scope = ''): Extract<PlanStep, { type: T }> {
  const found = plan.scopes.get(scope)?.byName.get(name);
  if (!found || found.type !== type) throw new Error(`no ${type} step "${name}" in scope "${scope}"`);
  return found as Extract<PlanStep, { type: T }>;
}

const SPEC_RETRY = { maxAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 100_000, jitter: 0, nonRetryable: [] };

describe('transitions', () => {
  it('falls through to the following step, and the last step goes to END', () => {
    const plan = compile(`
      name: w
      steps:
        - { name: a, type: task, task: t }
        - { name: b, type: set, values: { x: 1 } }
        - { name: c, type: task, task: t }
    `);
    expect(plan.scopes.get('')!.steps.map((s) => [s.name, s.index, s.next])).toEqual([
      ['a', 0, 'b'],
      ['b', 1, 'c'],
      ['c', 2, END],
    ]);
  });

  it('follows an explicit next, and "end" in every target field is END', () => {
    const plan = compile(`
      name: w
      steps:
        - { name: a, type: task, task: t, next: c, catch: [{ errors: ["*"], next: end }] }
        - { name: b, type: task, task: t, next: end }
        - name: c
          type: choice
          choices: [{ when: "x = 1", next: end }, { when: "x = 2", next: a }]
          otherwise: end
        - { name: d, type: wait, event: e, timeout: 1m, onTimeout: end }
    `);
    expect(step(plan, 'a', 'task').next).toBe('c');
    expect(step(plan, 'a', 'task').catch[0]!.next).toBe(END);
    expect(step(plan, 'b', 'task').next).toBe(END);
    const choice = step(plan, 'c', 'choice');
    expect(choice.choices.map((c) => c.next)).toEqual([END, 'a']);
    expect(choice.otherwise).toBe(END);
    expect(choice.next).toBe('d');
    expect(step(plan, 'd', 'wait').onTimeout).toBe(END);
  });

  it('ends the run after succeed, fail and continue even when steps follow them', () => {
    const plan = compile(`
      name: w
      steps:
        - { name: a, type: succeed }
        - { name: b, type: fail, error: E }
        - { name: c, type: continue }
        - { name: d, type: succeed }
    `);
    expect(['a', 'b', 'c'].map((n) => plan.scopes.get('')!.byName.get(n)!.next)).toEqual([END, END, END]);
  });

  it('leaves a choice without otherwise to fall through', () => {
    const plan = compile(`
      name: w
      steps:
        - { name: c, type: choice, choices: [{ when: "x", next: z }] }
        - { name: y, type: succeed }
        - { name: z, type: succeed }
    `);
    const choice = step(plan, 'c', 'choice');
    expect(choice.otherwise).toBeUndefined();
    expect(choice.next).toBe('y');
  });
});

describe('defaults, retry and durations', () => {
  it('applies the spec defaults to a retry policy nobody wrote', () => {
    const plan = compile(`{ name: w, steps: [{ name: a, type: task, task: t }] }`);
    expect(step(plan, 'a', 'task').retry).toEqual(SPEC_RETRY);
  });

  it('merges defaults.retry field by field under the step’s own retry, and derives maxInterval', () => {
    const plan = compile(`
      name: w
      defaults:
        retry: { maxAttempts: 3, initialInterval: 2s, nonRetryable: [Fatal] }
        timeout: 5m
      steps:
        - { name: a, type: task, task: t, retry: { maxAttempts: 5, jitter: 0.5 } }
        - { name: b, type: http, url: "https://x", timeout: PT30S }
        - { name: c, type: workflow, workflow: child, retry: { backoffCoefficient: 3, maxInterval: 1m } }
        - { name: d, type: wait, event: e }
    `);
    expect(step(plan, 'a', 'task').retry).toEqual({
      maxAttempts: 5,
      initialIntervalMs: 2000,
      backoffCoefficient: 2,
      maxIntervalMs: 200_000,
      jitter: 0.5,
      nonRetryable: ['Fatal'],
    });
    expect(step(plan, 'c', 'workflow').retry).toMatchObject({ maxAttempts: 3, backoffCoefficient: 3, maxIntervalMs: 60_000 });
    expect(step(plan, 'a', 'task').timeoutMs).toBe(300_000);
    expect(step(plan, 'b', 'http').timeoutMs).toBe(30_000);
    expect(step(plan, 'c', 'workflow').timeoutMs).toBe(300_000);
    expect(step(plan, 'd', 'wait').timeoutMs).toBeUndefined();
  });

  it('parses every duration field to milliseconds', () => {
    const plan = compile(`
      name: w
      timeout: 7d
      steps:
        - { name: a, type: task, task: t, heartbeat: 30s, timeout: 1h30m }
        - { name: b, type: wait, event: e, timeout: P1DT12H, onTimeout: c }
        - { name: c, type: delay, duration: 250ms }
    `);
    expect(plan.timeoutMs).toBe(7 * 86_400_000);
    expect(step(plan, 'a', 'task')).toMatchObject({ heartbeatMs: 30_000, timeoutMs: 5_400_000 });
    expect(step(plan, 'b', 'wait').timeoutMs).toBe(36 * 3_600_000);
    expect(step(plan, 'c', 'delay').durationMs).toBe(250);
  });

  it('builds compensations with their own retry over defaults.retry, queue and method defaults', async () => {
    const plan = compile(`
      name: w
      defaults: { retry: { maxAttempts: 4 }, timeout: 10s }
      steps:
        - name: a
          type: task
          task: inventory.reserve
          compensate: { task: inventory.release, input: { id: "\${ a.id }" }, retry: { initialInterval: 3s } }
        - name: b
          type: http
          url: "https://pay/\${ id }"
          compensate: { url: "https://pay/\${ b.body.id }", method: delete, timeout: 1m }
    `);
    const task = step(plan, 'a', 'task').compensate;
    expect(task).toMatchObject({ kind: 'task', task: 'inventory.release', queue: 'inventory.release', timeoutMs: 10_000 });
    expect(task!.retry).toEqual({ ...SPEC_RETRY, maxAttempts: 4, initialIntervalMs: 3000, maxIntervalMs: 300_000 });
    const http = step(plan, 'b', 'http').compensate;
    expect(http).toMatchObject({ kind: 'http', method: 'DELETE', timeoutMs: 60_000 });
    expect(step(plan, 'b', 'http').method).toBe('GET');
    expect(http!.kind === 'http' && (await http!.url.evaluate({ b: { body: { id: 'p1' } } }, plainScope()))).toBe('https://pay/p1');
  });
});

describe('step fields', () => {
  it('places results by default under the step name, at a dotted path, or nowhere', () => {
    const plan = compile(`
      name: w
      steps:
        - { name: a, type: task, task: t }
        - { name: b, type: task, task: t, output: order.total }
        - { name: c, type: task, task: t, output: none, catch: [{ errors: [E], next: d }, { errors: [F], next: d, output: none }, { errors: [G], next: d, output: last.err }] }
        - { name: d, type: set, values: { "x.y": 1 } }
    `);
    expect(step(plan, 'a', 'task').output).toEqual({ kind: 'path', path: ['a'] });
    expect(step(plan, 'b', 'task').output).toEqual({ kind: 'path', path: ['order', 'total'] });
    expect(step(plan, 'c', 'task').output).toEqual({ kind: 'none' });
    expect(step(plan, 'c', 'task').catch.map((c) => c.output)).toEqual([
      { kind: 'path', path: ['error'] },
      { kind: 'none' },
      { kind: 'path', path: ['last', 'err'] },
    ]);
    expect(step(plan, 'd', 'set').output).toEqual({ kind: 'none' });
    expect(step(plan, 'd', 'set').values.map((v) => v.path)).toEqual([['x', 'y']]);
  });

  it('defaults the queue to the task type and reads toleratedFailures and concurrency', () => {
    const plan = compile(`
      name: w
      steps:
        - { name: a, type: task, task: t.one }
        - { name: b, type: task, task: t.two, queue: gpu }
        - { name: m1, type: map, items: xs, steps: [{ name: s, type: succeed }] }
        - { name: m2, type: map, items: xs, concurrency: 4, toleratedFailures: 2, steps: [{ name: s, type: succeed }] }
        - { name: m3, type: map, items: xs, toleratedFailures: "12.5%", steps: [{ name: s, type: succeed }] }
    `);
    expect(step(plan, 'a', 'task').queue).toBe('t.one');
    expect(step(plan, 'b', 'task').queue).toBe('gpu');
    expect(step(plan, 'm1', 'map')).toMatchObject({ concurrency: 0, toleratedFailures: { kind: 'count', count: 0 } });
    expect(step(plan, 'm2', 'map')).toMatchObject({ concurrency: 4, toleratedFailures: { kind: 'count', count: 2 } });
    expect(step(plan, 'm3', 'map').toleratedFailures).toEqual({ kind: 'percent', percent: 12.5 });
  });

  it('compiles every expression and template once, ready to evaluate', async () => {
    const plan = compile(`
      name: w
      steps:
        - { name: pick, type: choice, choices: [{ when: "\${ total > 100 }", next: big }, { when: "total > 10", next: mid }] }
        - { name: each, type: map, items: "\${ lines }", steps: [{ name: s, type: succeed }] }
        - { name: later, type: delay, until: "deadline" }
        - { name: mid, type: task, task: t, input: { id: "\${ orderId }", note: "order \${ orderId }" }, result: "\${ $result.value }" }
        - { name: big, type: succeed, output: { total: "\${ total * 2 }" } }
        - { name: bad, type: fail, error: TooBig, message: "total was \${ total }" }
    `);
    const data = { total: 150, orderId: 'A-1', lines: [1, 2], deadline: '2030-01-01T00:00:00Z' };
    const pick = step(plan, 'pick', 'choice');
    expect(pick.choices.map((c) => c.when.source)).toEqual(['total > 100', 'total > 10']);
    expect(await pick.choices[0]!.when.evaluate(data, plainScope())).toBe(true);
    expect(await step(plan, 'each', 'map').items.evaluate(data, plainScope())).toEqual([1, 2]);
    expect(await step(plan, 'later', 'delay').until!.evaluate(data, plainScope())).toBe('2030-01-01T00:00:00Z');
    const mid = step(plan, 'mid', 'task');
    expect(await mid.input!.evaluate(data, plainScope())).toEqual({ id: 'A-1', note: 'order A-1' });
    expect(await mid.result!.evaluate(data, plainScope({ result: { value: 7 } }))).toBe(7);
    expect(await step(plan, 'big', 'succeed').value!.evaluate(data, plainScope())).toEqual({ total: 300 });
    expect(step(plan, 'big', 'succeed').output).toEqual({ kind: 'none' });
    expect(await step(plan, 'bad', 'fail').message!.evaluate(data, plainScope())).toBe('total was 150');
  });
});

describe('scopes', () => {
  const plan = compile(`
    name: w
    steps:
      - name: fan
        type: parallel
        branches:
          - name: a
            steps:
              - { name: one, type: task, task: t }
              - name: each
                type: map
                items: xs
                steps: [{ name: inner, type: task, task: t }, { name: last, type: set, values: { done: true } }]
          - name: b
            steps: [{ name: one, type: task, task: t }]
      - { name: after, type: succeed }
  `);

  it('gives each branch and map body a scope named after its owner, parents first', () => {
    expect([...plan.scopes.keys()]).toEqual(['', 'fan.a', 'fan.a/each[]', 'fan.b']);
    expect(step(plan, 'fan', 'parallel').branches).toEqual([
      { name: 'a', scope: 'fan.a' },
      { name: 'b', scope: 'fan.b' },
    ]);
    expect(step(plan, 'each', 'map', 'fan.a').body).toBe('fan.a/each[]');
    expect(plan.scopes.get('fan.a')!.owner).toEqual({ scope: '', step: 'fan', branch: 'a' });
    expect(plan.scopes.get('fan.a/each[]')!.owner).toEqual({ scope: 'fan.a', step: 'each' });
  });

  it('resolves fall-through inside each scope and tags steps with their scope', () => {
    const inner = step(plan, 'inner', 'task', 'fan.a/each[]');
    expect(inner).toMatchObject({ scope: 'fan.a/each[]', index: 0, next: 'last' });
    expect(step(plan, 'last', 'set', 'fan.a/each[]').next).toBe(END);
    expect(step(plan, 'each', 'map', 'fan.a').next).toBe(END);
    expect(step(plan, 'one', 'task', 'fan.b').next).toBe(END);
    expect(step(plan, 'fan', 'parallel').next).toBe('after');
  });
});

describe('plan identity', () => {
  const a = `
    name: w
    version: 1
    description: d
    defaults: { retry: { maxAttempts: 2, initialInterval: 1s } }
    steps: [{ name: s, type: task, task: t, input: { a: 1, b: 2 } }]
  `;
  const reordered = `
    steps: [{ input: { b: 2, a: 1 }, task: t, type: task, name: s }]
    defaults: { retry: { initialInterval: 1s, maxAttempts: 2 } }
    version: 9
    description: d
    name: w
  `;

  it('hashes equal content equally, whatever the key order and version', () => {
    const hash = compile(a).hash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(compile(reordered, 9).hash).toBe(hash);
    expect(compile(a.replace('b: 2', 'b: 3')).hash).not.toBe(hash);
  });

  it('takes the version from the options and copies the definition and input schema', () => {
    const definition = parse(`{ name: w, version: 2, input: { type: object }, steps: [{ name: s, type: succeed }] }`) as WorkflowDefinition;
    const plan = compilePlan(definition, { version: 5 });
    expect(plan.version).toBe(5);
    expect(plan.inputSchema).toEqual({ type: 'object' });
    definition.steps[0]!.name = 'changed';
    definition.input!.type = 'array';
    expect(plan.definition).toEqual({ name: 'w', version: 2, input: { type: 'object' }, steps: [{ name: 's', type: 'succeed' }] });
    expect(plan.inputSchema).toEqual({ type: 'object' });
  });

  it('freezes the compiled steps', () => {
    const plan = compile(`{ name: w, steps: [{ name: s, type: task, task: t, retry: { nonRetryable: [E] } }] }`);
    const s = step(plan, 's', 'task');
    expect(() => {
      (s as { next: string }).next = 'x';
    }).toThrow(TypeError);
    expect(() => s.retry.nonRetryable.push('F')).toThrow(TypeError);
  });

  it('refuses what validation should have refused', () => {
    expect(() => compile(`{ name: w, steps: [{ name: s, type: teleport }] }`)).toThrow(UnvalidatedDefinitionError);
    expect(() => compile(`{ name: w, steps: [{ name: s, type: delay, duration: soon }] }`)).toThrow(/"soon" is not a duration/);
  });
});

describe('definitions stored before a validation rule existed', () => {
  it('still compile with a regular expression validation now refuses, so their instances go on', async () => {
    const plan = compile(`
      name: legacy
      input: { type: object, properties: { code: { type: string, pattern: "^(a+)+$" } } }
      steps:
        - name: route
          type: choice
          choices:
            - { when: "$contains(code, /^(a+)+$/)", next: yes }
          otherwise: yes
        - { name: yes, type: succeed }
    `);
    expect(plan.inputSchema).toMatchObject({ properties: { code: { pattern: '^(a+)+$' } } });
    const route = step(plan, 'route', 'choice');
    expect(await route.choices[0]!.when.evaluate({ code: 'aaa' }, plainScope())).toBe(true);
  });
});
