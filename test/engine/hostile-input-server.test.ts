/**
 * Hostile but valid definitions and payloads sent to a real `segue serve`: refused at registration
 * with a positioned problem, or failing their step at run time; never a 500, never stuck work.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DURATION_MS } from '../../definitions/duration.js';
import { openStore } from '../../engine/store/open-store.js';
import { http, serverForFile, startServer, tempDir, type TestServer } from '../helpers/server.js';

const server = serverForFile();
const postYaml = (text: string) => http(server().url, 'POST', '/v1/workflows', text, { 'content-type': 'application/yaml' });
const postJson = (path: string, body: unknown) => http(server().url, 'POST', path, JSON.stringify(body));

/** A task whose input holds a big anchored text, and `uses` aliases of it. */
const amplified = (uses: number, kib = 900): string =>
  [
    'name: amplified',
    'steps:',
    '  - name: work',
    '    type: task',
    '    task: work',
    '    input:',
    `      big: &big "${'x'.repeat(kib * 1024)}"`,
    ...Array.from({ length: uses }, (_, i) => `      copy${i}: *big`),
    '',
  ].join('\n');

describe('YAML aliases', () => {
  it.each([30, 90])('refuses a 900 KiB anchor aliased %i times at the alias that crosses 1 MiB, and registers nothing', async (uses) => {
    const res = await postYaml(amplified(uses));
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([
      {
        file: 'workflow.yaml',
        line: 8,
        column: 14,
        message: expect.stringMatching(/^\*big here makes the definition larger than the 1 MiB it may be with its aliases written out \(it would be \d+(\.\d)? MiB\); /),
      },
    ]);
    expect((await http(server().url, 'GET', '/v1/workflows/amplified')).status).toBe(404);
  });

  it('registers and runs a definition whose aliases stay small', async () => {
    const res = await postYaml(amplified(3, 100));
    expect(res.status).toBe(201);
    const started = await postJson('/v1/workflows/amplified/instances', { id: 'small-aliases' });
    expect(started.status).toBe(201);
    const [task] = (await postJson('/v1/tasks/poll', { types: ['work'], worker: 'w' })).json;
    expect(Object.keys(task.input)).toEqual(['big', 'copy0', 'copy1', 'copy2']);
    expect(task.input.copy2).toHaveLength(100 * 1024);
  });
});

describe('times outside the date range', () => {
  beforeAll(async () => {
    for (const text of [
      'name: until\nsteps:\n  - { name: wait, type: delay, until: "${ t }" }\n',
      'name: worked\nsteps:\n  - { name: ask, type: task, task: ask }\n  - { name: wait, type: delay, until: "${ ask.t }" }\n',
    ]) {
      expect((await postYaml(text)).status).toBe(201);
    }
  });

  it('fails a delay until 1e300 with ExpressionError naming the step; the start answers 201 and stores the instance', async () => {
    const res = await postJson('/v1/workflows/until/instances', { id: 'far', input: { t: 1e300 } });
    expect(res.status).toBe(201);
    const view = (await http(server().url, 'GET', '/v1/instances/far')).json;
    expect(view).toMatchObject({ status: 'FAILED', error: { error: 'ExpressionError', step: 'wait' } });
    expect(view.error.message).toContain('"until" must give an ISO time like 2026-01-31T09:00:00Z, or epoch milliseconds within ±8.64e15 (the date range), got 1e+300');
  });

  it("applies a worker's output that gives such a time: complete answers 204, and the step fails", async () => {
    expect((await postJson('/v1/workflows/worked/instances', { id: 'from-worker' })).status).toBe(201);
    const [task] = (await postJson('/v1/tasks/poll', { types: ['ask'], worker: 'w' })).json;
    const done = await postJson(`/v1/tasks/${task.token}/complete`, { output: { t: 1e300 } });
    expect(done.status).toBeLessThan(300);
    const view = (await http(server().url, 'GET', '/v1/instances/from-worker')).json;
    expect(view).toMatchObject({ status: 'FAILED', data: { ask: { t: 1e300 } }, error: { error: 'ExpressionError', step: 'wait' } });
  });

  it('refuses durations of 999999999999w at registration, at their line and column', async () => {
    const res = await postYaml('name: eternal\nsteps:\n  - { name: nap, type: delay, duration: 999999999999w }\n  - { name: work, type: task, task: x, timeout: 999999999999w }\n');
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([
      expect.objectContaining({ line: 3, column: 41, message: expect.stringMatching(/^step "nap": "duration" is "999999999999w", longer than the 36500d \(about 100 years\)/) }),
      expect.objectContaining({ line: 4, column: 49, message: expect.stringMatching(/^step "work": "timeout" is "999999999999w", longer than/) }),
    ]);
  });
});

describe('definitions registered before durations were bounded', () => {
  let tmp: ReturnType<typeof tempDir>;
  let old: TestServer;
  beforeAll(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'segue.db');
    // As an older version stored them, without today's validation.
    const store = await openStore(`sqlite:${db}`);
    const legacy = [
      { name: 'nap', steps: [{ name: 'nap', type: 'delay', duration: '999999999999w' }] },
      { name: 'slow', steps: [{ name: 'work', type: 'task', task: 'big', timeout: '999999999999w' }] },
      { name: 'quick', steps: [{ name: 'work', type: 'task', task: 'big' }] },
    ];
    for (const definition of legacy) {
      await store.putDefinition({ name: definition.name, version: 1, hash: definition.name, source: JSON.stringify(definition), definition, createdAt: 0 });
    }
    await store.close();
    old = await startServer(db);
  });
  afterAll(async () => {
    await old?.stop();
    tmp?.cleanup();
  });

  it('starts them, and a poll delivers every task it claims, the long one leased for the bound', async () => {
    const start = (workflow: string, id: string) => http(old.url, 'POST', `/v1/workflows/${workflow}/instances`, JSON.stringify({ id }));
    for (const [workflow, id] of [['nap', 'n1'], ['quick', 'q1'], ['slow', 's1'], ['quick', 'q2']] as const) {
      expect((await start(workflow, id)).status).toBe(201);
    }
    const polled = await http(old.url, 'POST', '/v1/tasks/poll', JSON.stringify({ types: ['big'], worker: 'w', max: 5 }));
    expect(polled.status).toBe(200);
    const tasks = polled.json as { instanceId: string; deadline: string }[];
    expect(tasks.map((task) => task.instanceId).sort()).toEqual(['q1', 'q2', 's1']);
    const slow = tasks.find((task) => task.instanceId === 's1')!;
    expect(Date.parse(slow.deadline) - Date.now()).toBeGreaterThan(MAX_DURATION_MS - 60_000);
    expect(Date.parse(slow.deadline) - Date.now()).toBeLessThanOrEqual(MAX_DURATION_MS);
    expect((await http(old.url, 'GET', '/v1/instances/n1')).json.current).toEqual([expect.objectContaining({ step: 'nap', waiting: 'delay' })]);
  });
});
