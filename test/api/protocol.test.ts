import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../api/app.js';
import { createEngine } from '../../engine/engine.js';
import { ROUTES, type OperationId, type RouteSpec } from '../../api/routes.js';
import { bodyValidator, type SchemaName } from '../../api/schemas.js';
import { eventually, http, serverForFile, startServer, type RawResponse } from '../helpers/server.js';

const FLOW = `name: metered
steps:
  - name: work
    type: task
    task: metered.work
  - name: done
    type: succeed
`;

const PARKED = `name: parked
steps:
  - name: wait
    type: task
    task: metered.parked
`;

/** Waits for an event that never comes: an instance that stays RUNNING, with no task. */
const HELD = `name: held
steps:
  - name: hold
    type: wait
    event: never
`;

const server = serverForFile([FLOW, PARKED, HELD]);

/** Of the form of a task token, which a task token's path parameter must have (any text does for a lease's). */
const TOKEN = `${Buffer.from('some-id:1:cb1').toString('base64url')}.${'0'.repeat(32)}`;

function concretePath(route: RouteSpec): string {
  return route.path.replace('{name}', 'metered').replace('{version}', '1').replace('{id}', 'some-id').replace('{event}', 'go').replace('{token}', TOKEN);
}

function expectProblem(res: RawResponse, status: number, type: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ type: `https://segue.dev/problems/${type}`, status, title: expect.any(String), detail: expect.any(String) });
  expect(res.text).not.toMatch(/<html|\bat .*\.js:\d+/i);
}

const bodyRoutes = ROUTES.filter((r) => r.body);
const jsonRoutes = bodyRoutes.filter((r) => r.body!.kind !== 'definition');

/** A body of the right JSON syntax but the wrong shape, for each route that validates one. */
const WRONG_SHAPE: Partial<Record<OperationId, unknown>> = {
  startInstance: { input: {}, version: 'two' },
  deliverEvent: { key: 5 },
  evaluateExpression: { expression: 'x', frame: 1 },
  cancelInstance: { reason: 5 },
  terminateInstance: { reason: ['x'] },
  suspendInstance: { because: 'x' },
  resumeInstance: { reason: null },
  retryInstance: { reason: {} },
  pollTasks: { types: 'metered.work', worker: 'w' },
  completeTask: { output: 1, extra: true },
  failTask: { message: 'no error name' },
  reportTaskResults: { result: [] },
  heartbeatTask: { beat: 1 },
  sendTaskSuccess: { output: 1, extra: true },
  sendTaskFailure: { error: 'E', reason: 'no such field' },
  sendTaskHeartbeat: { beat: 1 },
  createSchedule: { workflow: 'metered' },
  replaceSchedule: { workflow: 'metered', cron: '* * * * *', every: '1h' },
  createSubscription: { url: 'https://hooks.example.com/', types: 'segue.instance.completed' },
};

describe('malformed requests', () => {
  it.each(jsonRoutes.map((r) => [r.operationId, r] as const))('%s: a body that is not JSON is a 400 naming the position', async (_, route) => {
    const res = await http(server().url, route.method.toUpperCase(), concretePath(route), '{"reason": }');
    expectProblem(res, 400, 'malformed-body');
    expect(res.json.detail).toBe("the body is not valid JSON: line 1, column 12 (offset 11): expected a value, found '}'");
  });

  it('covers every route that validates a JSON body', () => {
    // An event route validates a plain JSON body too (a CloudEvent is read by its own rules).
    const validated = bodyRoutes.filter((r) => r.body!.kind === 'json' || r.body!.kind === 'event').map((r) => r.operationId);
    expect(Object.keys(WRONG_SHAPE).sort()).toEqual([...validated].sort());
  });

  it.each(Object.entries(WRONG_SHAPE))('%s: a body of the wrong shape is a 400 saying what is wrong', async (operationId, body) => {
    const route = ROUTES.find((r) => r.operationId === operationId)!;
    const res = await http(server().url, route.method.toUpperCase(), concretePath(route), JSON.stringify(body));
    expectProblem(res, 400, 'request-invalid');
    expect(res.json.detail).toMatch(/"(version|key|reason|types)"|unknown field|needs the field/);
  });

  // A single task result over its limit fails its attempt instead (tasks.test.ts).
  const limitedRoutes = bodyRoutes.filter((r) => !(r.body!.kind === 'json' && r.body!.taskResult));
  it.each(limitedRoutes.map((r) => [r.operationId, r] as const))('%s: a body over its limit (1 MiB; 8 MiB for a batch of results) is a 413', async (_, route) => {
    const mib = route.body!.kind === 'json' && route.body!.batch ? 8 : 1;
    const big = JSON.stringify({ input: 'x'.repeat(mib * 1024 * 1024) });
    const res = await http(server().url, route.method.toUpperCase(), concretePath(route), big);
    expectProblem(res, 413, 'payload-too-large');
    expect(res.json.detail).toBe(`the body is larger than the limit of ${mib} MiB`);
  });

  it('refuses a body that is not UTF-8, and a JSON endpoint given YAML', async () => {
    const latin1 = await fetch(`${server().url}/v1/events/go`, { method: 'POST', body: Buffer.from([0x7b, 0xe9, 0x7d]), headers: { 'content-type': 'application/json' } });
    expect(latin1.status).toBe(400);
    expect(await latin1.json()).toMatchObject({ detail: 'the body is not valid UTF-8 text' });
    const yaml = await http(server().url, 'POST', '/v1/events/go', 'key: 1', { 'content-type': 'application/yaml' });
    expectProblem(yaml, 415, 'unsupported-media-type');
  });

  it.each(jsonRoutes.map((r) => [r.operationId, r] as const))('%s: a body that is not declared JSON is a 415, whatever it holds', async (_, route) => {
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded']) {
      const res = await http(server().url, route.method.toUpperCase(), concretePath(route), '{"reason": }', { 'content-type': type });
      expectProblem(res, 415, 'unsupported-media-type');
      expect(res.json.detail).toBe(`this endpoint takes JSON (Content-Type: application/json), not ${type.split(';')[0]}`);
    }
    const untyped = await fetch(server().url + concretePath(route), { method: route.method.toUpperCase(), body: new Uint8Array([0x7b, 0x7d]) });
    expect(untyped.status).toBe(415);
    expect((await untyped.json()).detail).toBe('this endpoint takes JSON (Content-Type: application/json); the request has a body but no Content-Type');
  });

  it('declares the 415 of every route with a body, and of no other', async () => {
    const doc = (await http(server().url, 'GET', '/openapi.json')).json;
    for (const route of ROUTES) expect(Object.keys(doc.paths[route.path][route.method].responses).includes('415'), route.operationId).toBe(route.body !== undefined);
  });

  it('takes a definition as YAML, JSON or plain text', async () => {
    const yaml = 'name: typed\nsteps:\n  - { name: done, type: succeed }\n';
    for (const type of ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/plain']) {
      const res = await http(server().url, 'POST', '/v1/validate', yaml, { 'content-type': type });
      expect(res.json, type).toMatchObject({ valid: true, errors: [] });
    }
    const json = await http(server().url, 'POST', '/v1/validate', JSON.stringify({ name: 'typed', steps: [{ name: 'done', type: 'succeed' }] }));
    expect(json.json).toMatchObject({ valid: true, errors: [] });
  });

  it('refuses a path that is not valid percent-encoding', async () => {
    const res = await http(server().url, 'GET', '/v1/instances/%E0%A4%A');
    expectProblem(res, 400, 'request-invalid');
    expect(res.json.detail).toMatch(/could not be read/);
  });

  it('names the required body when a required one is missing', async () => {
    const res = await http(server().url, 'POST', '/v1/tasks/poll');
    expectProblem(res, 400, 'malformed-body');
    expect(res.json.detail).toBe('this endpoint needs a JSON object as the body');
  });

  it('answers 404 for unknown routes and 405 with Allow for a wrong method, as problems', async () => {
    const unknown = await http(server().url, 'GET', '/v2/instances');
    expectProblem(unknown, 404, 'not-found');
    expect(unknown.json.instance).toBe('/v2/instances');
    expectProblem(await http(server().url, 'POST', '/v1/instances/x/explode'), 404, 'not-found');

    const wrong = await http(server().url, 'PUT', '/v1/instances/abc');
    expectProblem(wrong, 405, 'method-not-allowed');
    expect(wrong.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS');
    const patch = await http(server().url, 'PATCH', '/v1/workflows');
    expectProblem(patch, 405, 'method-not-allowed');
    expect(patch.headers.get('allow')).toBe('POST, GET, HEAD, OPTIONS');

    const options = await http(server().url, 'OPTIONS', '/v1/tasks/poll');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST, OPTIONS');
  });
});

describe('system routes', () => {
  it('serves an OpenAPI 3.1 document with every route, and references that resolve', async () => {
    const doc = (await http(server().url, 'GET', '/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) expect(doc.paths[route.path]?.[route.method], `${route.method} ${route.path}`).toMatchObject({ operationId: route.operationId });
    for (const path of ['/v1/workflows', '/v1/validate', '/v1/instances/{id}/history', '/v1/tasks/{token}/heartbeat', '/v1/events/{event}', '/healthz', '/metrics']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[A-Za-z]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect(Object.keys(doc.components.schemas)).toContain(ref.slice(22, -1));
    expect(doc.paths['/v1/workflows/{name}/instances'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/StartInstanceRequest' });
    expect(doc.components.schemas.PollRequest.required).toEqual(['types', 'worker']);
  });

  it('has references that other tools resolve too: every "#/…" pointer into the document itself', async () => {
    const doc = (await http(server().url, 'GET', '/openapi.json')).json;
    const pointers = new Set(JSON.stringify(doc).match(/"\$ref":"#[^"]*"/g)!.map((m) => m.slice(8, -1)));
    expect([...pointers].some((p) => p.startsWith('#/components/schemas/WorkflowDefinition/$defs/'))).toBe(true);
    for (const pointer of pointers) {
      const found = pointer.slice(2).split('/').reduce((node: any, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      expect(found, pointer).toBeTypeOf('object');
    }
    expect(doc.components.schemas.WorkflowDefinition.$id).toBeUndefined();
    // A YAML body is described by the document it holds: a definition to register, anything to validate.
    const definition = { $ref: '#/components/schemas/WorkflowDefinition' };
    expect(doc.paths['/v1/workflows'].post.requestBody.content).toEqual({ 'application/yaml': { schema: definition }, 'application/json': { schema: definition } });
    expect(doc.paths['/v1/validate'].post.requestBody.content).toEqual({ 'application/yaml': { schema: {} }, 'application/json': { schema: {} } });
  });

  it("documents a long poll's wait and a version number exactly as the server reads them", async () => {
    const doc = (await http(server().url, 'GET', '/openapi.json')).json;
    const waitSchema = doc.paths['/v1/instances/{id}'].get.parameters.find((p: { name: string }) => p.name === 'wait').schema;
    const pollWait = doc.components.schemas.PollRequest.properties.wait.oneOf[0];
    expect(pollWait).toEqual(waitSchema);
    const started = await server().client.startInstance('held');
    // Short waits only: the instance stays RUNNING, so each valid one is waited out.
    for (const wait of ['0ms', '1ms', '0.5ms', '0m1ms', '00', '30', 'PT0S', '1 ms', ' 1ms', 'soon', '1e3ms']) {
      const res = await http(server().url, 'GET', `/v1/instances/${started.id}?wait=${encodeURIComponent(wait)}`);
      expect(res.status === 200, `?wait=${wait}: ${res.text}`).toBe(new RegExp(waitSchema.pattern).test(wait));
    }
    const version = doc.paths['/v1/workflows/{name}/versions/{version}'].get.parameters.find((p: { name: string }) => p.name === 'version').schema;
    for (const n of [version.maximum, version.maximum + 1]) {
      const res = await http(server().url, 'GET', `/v1/workflows/metered/versions/${BigInt(n)}`);
      expect(res.status, `version ${n}: ${res.text}`).toBe(n <= version.maximum ? 404 : 400);
    }
  });

  it('answers with the shapes its schemas document', async () => {
    const started = await server().client.startInstance('parked');
    const [task] = await server().client.poll({ types: ['metered.parked'], worker: 'shape', wait: '5s' });
    const samples: [SchemaName, string, string, string?][] = [
      ['instance', 'GET', `/v1/instances/${started.id}`],
      ['instance-list', 'GET', '/v1/instances?limit=2'],
      ['history', 'GET', `/v1/instances/${started.id}/history`],
      ['workflow', 'GET', '/v1/workflows/metered'],
      ['workflow-list', 'GET', '/v1/workflows'],
      ['registered', 'POST', '/v1/workflows', FLOW],
      ['validation-result', 'POST', '/v1/validate', 'name: x'],
      ['delivered', 'POST', '/v1/events/go', '{"key":"k"}'],
      ['claimed-tasks', 'POST', '/v1/tasks/poll', '{"types":["none"],"worker":"w"}'],
      ['heartbeat-response', 'POST', `/v1/tasks/${task!.token}/heartbeat`],
      ['health', 'GET', '/healthz'],
      ['problem', 'GET', '/v1/instances/missing'],
    ];
    for (const [schema, method, path, body] of samples) {
      const res = await http(server().url, method, path, body);
      const validate = bodyValidator(schema);
      expect(validate(res.json), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('reports health', async () => {
    const res = await http(server().url, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('exposes metrics of instances, steps, tasks, the queue and polls', async () => {
    await server().client.startInstance('parked');
    const view = await server().client.startInstance('metered');
    const [task] = await server().client.poll({ types: ['metered.work'], worker: 'm', wait: '5s' });
    await server().client.complete(task!.token, null);
    const text = await eventually(async () => {
      const body = (await http(server().url, 'GET', '/metrics')).text;
      return body.includes('segue_instances_finished_total{workflow="metered",status="COMPLETED"} 1') ? body : undefined;
    }, { what: `metrics of instance ${view.id}` });
    expect(text).toContain('segue_instances_started_total{workflow="metered"} 1');
    expect(text).toMatch(/segue_step_duration_seconds_count\{workflow="metered",step="work",outcome="completed"\} 1/);
    expect(text).toMatch(/segue_task_duration_seconds_count\{type="metered.work",outcome="completed"\} 1/);
    expect(text).toContain('segue_task_queue_depth{queue="metered.parked"} 1');
    expect(text).toMatch(/segue_task_poll_wait_seconds_count\{result="tasks"\} [1-9]/);
    expect(text).toMatch(/segue_http_request_duration_seconds_count\{method="POST",route="\/v1\/tasks\/poll",status="200"\} [1-9]/);
  });
});

describe('a store that does not answer', () => {
  it('makes health a 503 and requests a 503 problem without internals', async () => {
    const engine = await createEngine({ store: 'memory' });
    const listener = createServer(engine).listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    try {
      await engine.store.close();
      const health = await http(url, 'GET', '/healthz');
      expectProblem(health, 503, 'unhealthy');
      expect(health.json.detail).toMatch(/^the store does not answer/);
      expectProblem(await http(url, 'GET', '/v1/instances'), 503, 'store-unavailable');
    } finally {
      listener.close();
    }
  });
});

describe('API keys and roles', () => {
  const KEYS = { admin: 'adm-0123456789abcdef', operator: 'ops-0123456789abcdef', worker: 'wrk-0123456789abcdef', viewer: 'see-0123456789abcdef' };
  const env = { SEGUE_API_KEYS: `adm:admin:${KEYS.admin},ops:operator:${KEYS.operator},wrk:worker:${KEYS.worker},see:viewer:${KEYS.viewer}` };
  const as = (role: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[role]}` });

  it('401 without a valid key; each role reaches what it may and gets 403 elsewhere; health stays open', async () => {
    const keyed = await startServer(join(server().dir, 'keyed.db'), { env, apiKey: KEYS.admin });
    try {
      expectProblem(await http(keyed.url, 'GET', '/v1/workflows'), 401, 'unauthorized');
      expectProblem(await http(keyed.url, 'GET', '/v1/workflows', undefined, { authorization: 'Bearer wrong' }), 401, 'unauthorized');
      expect((await http(keyed.url, 'GET', '/healthz')).status).toBe(200);
      const flow = 'name: keyed\nsteps:\n  - { name: w, type: wait, event: go }\n';
      const yaml = { 'content-type': 'application/yaml' };
      expectProblem(await http(keyed.url, 'POST', '/v1/workflows', flow, { ...yaml, ...as('operator') }), 403, 'forbidden');
      expect((await http(keyed.url, 'POST', '/v1/workflows', flow, { ...yaml, ...as('admin') })).status).toBe(201);
      const start = (role: keyof typeof KEYS) => http(keyed.url, 'POST', '/v1/workflows/keyed/instances', '{"id":"k-' + role + '"}', as(role));
      expect((await start('operator')).status).toBe(201);
      const refused = await start('viewer');
      expectProblem(refused, 403, 'forbidden');
      expect(refused.json.detail).toBe('the key "see" has the role viewer, which may not operate instances, events or schedules (operator or admin)');
      expectProblem(await start('worker'), 403, 'forbidden');
      expect((await http(keyed.url, 'GET', '/v1/instances/k-operator', undefined, as('viewer'))).status).toBe(200);
      expectProblem(await http(keyed.url, 'GET', '/v1/instances/k-operator', undefined, as('worker')), 403, 'forbidden');
      const poll = (role: keyof typeof KEYS) => http(keyed.url, 'POST', '/v1/tasks/poll', '{"types":["x"],"worker":"w"}', as(role));
      expect((await poll('worker')).status).toBe(200);
      expectProblem(await poll('operator'), 403, 'forbidden');
      expect((await http(keyed.url, 'POST', '/v1/instances/k-operator/cancel', undefined, as('operator'))).status).toBe(200);
    } finally {
      await keyed.stop();
    }
    // Management calls are audited with the key id; no key is ever written out.
    const audit = keyed.stderr().split('\n').filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ keyId: 'adm', action: 'registerWorkflow', status: 201 }),
        expect.objectContaining({ keyId: 'ops', action: 'startInstance', status: 201 }),
        expect.objectContaining({ keyId: 'ops', action: 'cancelInstance', status: 200 }),
      ]),
    );
    for (const key of Object.values(KEYS)) expect(keyed.stderr()).not.toContain(key);
  });

  it('audits every refused call with its route, method, status and reason: a known key by its id, an unknown one not at all', async () => {
    const keyed = await startServer(join(server().dir, 'refused.db'), { env });
    const unknownKey = 'guess-0123456789abcdef';
    try {
      expectProblem(await http(keyed.url, 'GET', '/v1/workflows'), 401, 'unauthorized');
      expectProblem(await http(keyed.url, 'GET', '/v1/workflows', undefined, { authorization: `Basic ${unknownKey}` }), 401, 'unauthorized');
      expectProblem(await http(keyed.url, 'DELETE', '/v1/instances/some-id', undefined, { authorization: `Bearer ${unknownKey}` }), 401, 'unauthorized');
      expectProblem(await http(keyed.url, 'POST', '/v1/workflows', 'name: x\n', { 'content-type': 'application/yaml', ...as('viewer') }), 403, 'forbidden');
      expectProblem(await http(keyed.url, 'GET', '/v1/instances/some-id', undefined, as('worker')), 403, 'forbidden');
      expectProblem(await http(keyed.url, 'POST', '/v1/tasks/poll', '{"types":["x"],"worker":"w"}', as('operator')), 403, 'forbidden');
    } finally {
      await keyed.stop();
    }
    const audit = keyed.stderr().split('\n').filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l));
    expect(audit.map((line) => line.level)).toEqual(Array(6).fill(40));
    expect(audit.map(({ audit: { at, ...entry } }) => (expect(Date.parse(at)).not.toBeNaN(), entry))).toEqual([
      { keyId: null, action: 'listWorkflows', method: 'GET', path: '/v1/workflows', status: 401, reason: 'no API key was sent' },
      { keyId: null, action: 'listWorkflows', method: 'GET', path: '/v1/workflows', status: 401, reason: 'the Authorization header does not read "Bearer <key>"' },
      { keyId: null, action: 'purgeInstance', method: 'DELETE', path: '/v1/instances/some-id', status: 401, reason: 'the key sent is none of the configured keys' },
      {
        keyId: 'see',
        action: 'registerWorkflow',
        method: 'POST',
        path: '/v1/workflows',
        status: 403,
        reason: 'the key "see" has the role viewer, which may not register definitions (admin)',
      },
      { keyId: 'wrk', action: 'getInstance', method: 'GET', path: '/v1/instances/some-id', status: 403, reason: 'the key "wrk" has the role worker, which may not read' },
      {
        keyId: 'ops',
        action: 'pollTasks',
        method: 'POST',
        path: '/v1/tasks/poll',
        status: 403,
        reason: 'the key "ops" has the role operator, which may not use the task endpoints (worker or admin)',
      },
    ]);
    // Nothing of a key reaches the log, not even a part of one.
    for (const key of [unknownKey, ...Object.values(KEYS)]) expect(keyed.stderr()).not.toContain(key.slice(0, 8));
  });

  it('keeps a server without keys on 127.0.0.1, and says so', async () => {
    const open = await startServer(join(server().dir, 'open.db'), { args: ['--host', '0.0.0.0'] });
    try {
      expect(new URL(open.url).hostname).toBe('127.0.0.1');
    } finally {
      await open.stop();
    }
  });
});
