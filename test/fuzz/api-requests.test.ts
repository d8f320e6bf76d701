/**
 * Fuzzing the REST API of a real `segue serve` process: on every route of the route table, random
 * methods, paths, parameters, headers and bodies (random JSON, random bytes, bodies close to valid,
 * huge strings within the limit and past it, wrong content types and encodings). No answer is a
 * 5xx, every error is a problem document, and a refused request leaves the stored workflows,
 * instances and histories exactly as they were.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteSpec } from '../../api/routes.js';
import type { Json } from '../../definitions/model.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

const RUNS = 300;
const SEED = 424_242;
const ANSWER_TIMEOUT_MS = 10_000;
const MIB = 1024 * 1024;

const DEFINITIONS: Record<string, string> = {
  'fuzz-wait': 'name: fuzz-wait\nsteps:\n  - name: hold\n    type: wait\n    event: go\n    correlate: key\n  - name: done\n    type: succeed\n',
  'fuzz-task': 'name: fuzz-task\nsteps:\n  - name: work\n    type: task\n    task: fuzz.work\n    timeout: 1h\n',
  'fuzz-done': 'name: fuzz-done\nsteps:\n  - name: done\n    type: succeed\n    output: { ok: true }\n',
};
/** A paused schedule with a yearly cron: it never fires during the test. */
const SCHEDULE_ID = 'sched-1';
const SCHEDULE = { id: SCHEDULE_ID, workflow: 'fuzz-done', cron: '0 0 1 1 *', paused: true };
const INSTANCES = [
  { id: 'wait-1', workflow: 'fuzz-wait', input: { key: 'k1' } },
  { id: 'task-1', workflow: 'fuzz-task', input: {} },
  { id: 'done-1', workflow: 'fuzz-done', input: {} },
];

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

let server: TestServer;
let tmp: ReturnType<typeof tempDir>;
/** Task tokens seen in poll answers: targets for the task routes. */
const tokens: string[] = [];

beforeAll(async () => {
  tmp = tempDir();
  server = await startServer(join(tmp.dir, 'fuzz.db'));
  for (const source of Object.values(DEFINITIONS)) await server.client.registerWorkflow(source);
  for (const i of INSTANCES) await server.client.startInstance(i.workflow, { id: i.id, input: i.input as Json });
  const created = await send({ method: 'POST', path: '/v1/schedules', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(SCHEDULE)) });
  expect(created.status, created.text).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  tmp?.cleanup();
});

// ---- generators -------------------------------------------------------------------------------

const text = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });
const junkSegments = fc.constantFrom('', '.', '..', '%', '%zz', '%E0%A4%A', '%00', '%2F', '%2e%2e', 'a%20b', '~', '*', ';x=1', 'x'.repeat(3000));

/** A path parameter: a real target most of the time, else random text, encoded or not. */
function paramValue(route: RouteSpec, name: string): fc.Arbitrary<string> {
  const known: Record<string, fc.Arbitrary<string>> = {
    id: route.tag === 'schedules' ? fc.constantFrom(SCHEDULE_ID, 'missing-id') : fc.constantFrom(...INSTANCES.map((i) => i.id), 'missing-id', 'wait-1.hold.1-1'),
    name: fc.constantFrom(...Object.keys(DEFINITIONS), 'nope', '__proto__'),
    version: fc.constantFrom('1', '2', '0', '-1', '1.5', '1e400', '0x1', 'abc', '99999999999999999999'),
    token: fc.constantFrom(...(tokens.length > 0 ? tokens : ['no-token']), 'no-token'),
    event: fc.constantFrom('go', 'other', 'first'),
  };
  const random = fc.oneof(text(40).map(encodeSegment), junkSegments);
  return known[name] && route.path.includes(`{${name}}`) ? fc.oneof({ arbitrary: known[name]!, weight: 3 }, { arbitrary: random, weight: 1 }) : random;
}

function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be encoded: send its replacement instead.
    return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
}

/** Query values, except that long polls stay short: a fuzz case must not wait a minute. */
const SAFE_WAITS = ['0', '0s', '10ms', 'abc', '-1', '1e3ms', '', 'PT0S'];
function queryValue(name: string): fc.Arbitrary<string> {
  if (name === 'wait') return fc.constantFrom(...SAFE_WAITS);
  const plausible = fc.constantFrom('fuzz-wait', 'RUNNING', 'RUNNING,COMPLETED', 'running', '2024-01-01T00:00:00Z', '9999-99-99', '1', '0', '1001', '-5', 'x', '%', '%zz');
  return fc.oneof(plausible, text(30).map(encodeSegment));
}

function pathFor(route: RouteSpec): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const params = fc.tuple(...names.map((name) => paramValue(route, name)));
  const own = Object.keys(route.query ?? {});
  const name = own.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...own), weight: 4 }, { arbitrary: fc.constantFrom('extra', 'limit[]'), weight: 1 }) : fc.constantFrom('extra', 'limit[]');
  const query = fc.array(name.chain((n) => queryValue(n).map((v) => `${n}=${v}`)), { maxLength: own.length > 0 ? 3 : 1 });
  return fc.tuple(params, query).map(([values, pairs]) => {
    let path = route.path;
    names.forEach((name, i) => (path = path.replace(`{${name}}`, values[i]!)));
    return pairs.length > 0 ? `${path}?${pairs.join('&')}` : path;
  });
}

const randomPath = fc
  .tuple(fc.constantFrom('/v1', '', '/v1/instances', '/v1/tasks', '/v1/workflows'), fc.array(fc.oneof(text(12).map(encodeSegment), junkSegments), { maxLength: 4 }))
  .map(([prefix, segments]) => `${prefix}/${segments.join('/')}`);

/** Bodies the route's schema nearly accepts: a valid base with fields dropped, changed or added. */
const BASES: Record<string, Record<string, unknown>> = {
  'start-instance-request': { input: { key: 'k9' }, id: 'fuzz-new' },
  'deliver-event-request': { key: 'k1', data: { approved: true } },
  'poll-request': { types: ['fuzz.work'], worker: 'fuzzer', max: 1, wait: 0 },
  'complete-task-request': { output: { done: true } },
  'fail-task-request': { error: 'Boom', message: 'fuzzed', retryable: false },
  'heartbeat-request': {},
  'lifecycle-request': { reason: 'fuzzing' },
  'schedule-request': { ...SCHEDULE, id: 'sched-2' },
};

type Edit = { op: 'drop' | 'set'; key: string; value: unknown };
function nearlyValid(route: RouteSpec): fc.Arbitrary<string> {
  const base = route.body?.kind === 'json' ? (BASES[route.body.schema] ?? {}) : {};
  const keys = [...Object.keys(base), 'extra', '__proto__', 'constructor'];
  const edit: fc.Arbitrary<Edit> = fc.record({ op: fc.constantFrom('drop' as const, 'set' as const), key: fc.constantFrom(...keys), value: fc.jsonValue({ maxDepth: 3 }) });
  return fc.array(edit, { maxLength: 3 }).map((edits) => {
    const body: Record<string, unknown> = { ...base };
    for (const e of edits) {
      if (e.op === 'drop') delete body[e.key];
      else Object.defineProperty(body, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
    }
    // A poll must answer at once, whatever the edits made of its wait.
    if (route.operationId === 'pollTasks' && 'wait' in body) body.wait = 0;
    return JSON.stringify(body);
  });
}

const DEFINITION_JUNK = ['name: x\nsteps: []\n', 'name: [\n', '{"name": "fuzz-json", "steps": [{"name": "a", "type": "succeed"}]}', 'a: &x [*x, *x, *x]\n', '\uFEFFname: bom\n', '---\n---\n'];

function bodyFor(route: RouteSpec): fc.Arbitrary<Buffer | undefined> {
  const options: fc.Arbitrary<string | Uint8Array | undefined>[] = [
    fc.constant(undefined),
    fc.json({ maxDepth: 4 }),
    fc.uint8Array({ maxLength: 300 }),
    text(200),
    fc.integer({ min: 0, max: MIB - 4 }).map((n) => `"${'x'.repeat(n)}"`),
    fc.constant(`"${'y'.repeat(MIB + 16)}"`),
    fc.constantFrom('', '{', '[1,]', 'null', '{"a":1}{', '\u0000', '"\\ud800"', '1e999', '{"__proto__":{"polluted":true}}'),
  ];
  if (route.body?.kind === 'json') options.push(nearlyValid(route), nearlyValid(route));
  if (route.body?.kind === 'definition') options.push(fc.constantFrom(...Object.values(DEFINITIONS), ...DEFINITION_JUNK));
  return fc.oneof(...options).map((b) => (b === undefined ? undefined : Buffer.from(b)));
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/problem+json', 'application/yaml', 'text/yaml', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'text/html', 'application/json; charset=latin1',
  '*/*', 'json', ';', '',
];
const token = fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);

/** Mostly the content type the route reads, sometimes anything; other headers now and then. */
function headersFor(route: RouteSpec): fc.Arbitrary<Record<string, string>> {
  const usual = route.body?.kind === 'definition' ? 'application/yaml' : 'application/json';
  const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: arb, weight: 1 });
  return fc
    .record({
      'content-type': fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 2 }),
      'content-encoding': rarely(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'junk', 'gzip, gzip')),
      accept: rarely(fc.constantFrom('application/json', 'text/html', '*/*', 'application/yaml', '')),
      authorization: rarely(fc.oneof(fc.constant('Bearer nope'), headerValue)),
      extra: rarely(fc.tuple(token, headerValue)),
    })
    .map(({ extra, ...named }) => {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(named)) if (value !== undefined) out[name] = value;
      if (extra) out[`x-${extra[0]}`] = extra[1];
      return out;
    });
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function requestFor(route: RouteSpec): fc.Arbitrary<FuzzRequest> {
  const method = fc.oneof({ arbitrary: fc.constant(route.method.toUpperCase()), weight: 4 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 });
  const path = fc.oneof({ arbitrary: pathFor(route), weight: 5 }, { arbitrary: randomPath, weight: 1 });
  return fc.record({ method, path, headers: headersFor(route), body: bodyFor(route) }).map(({ body, ...rest }) => (body === undefined ? rest : { ...rest, body }));
}

// ---- exchange and state -------------------------------------------------------------------------

/** One raw HTTP exchange (node:http, so methods, paths and headers go out exactly as given). */
function send(req: FuzzRequest): Promise<Answer> {
  // An explicit length: without it, node sends a GET's body unframed, and the request is garbage.
  const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(req.body.length) };
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: server.port, method: req.method, path: req.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    outgoing.setTimeout(ANSWER_TIMEOUT_MS, () => outgoing.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** What the store holds, as the API shows it: workflows, instances, schedules, the fixtures' histories. */
async function snapshot(): Promise<string[]> {
  const paths = ['/v1/workflows', '/v1/instances?limit=1000', '/v1/schedules', ...INSTANCES.map((i) => `/v1/instances/${i.id}/history`)];
  return Promise.all(paths.map(async (path) => `${path} ${JSON.stringify(await send({ method: 'GET', path, headers: {} }))}`));
}

/** After an accepted request: the snapshot once two looks in a row agree (work it started has settled). */
async function settled(): Promise<string[]> {
  let last = await snapshot();
  for (let i = 0; i < 20; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const next = await snapshot();
    if (next.join('\n') === last.join('\n')) return next;
    last = next;
  }
  return last;
}

function describeRequest(req: FuzzRequest): string {
  const body = req.body === undefined ? '' : ` body(${req.body.length} bytes): ${JSON.stringify(req.body.subarray(0, 120).toString())}`;
  return `${req.method} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers)}${body}`;
}

function collectTokens(req: FuzzRequest, answer: Answer): void {
  if (answer.status !== 200 || !req.path.startsWith('/v1/tasks/poll')) return;
  for (const task of JSON.parse(answer.text) as { token: string }[]) tokens.push(task.token);
}

describe('the API under random requests', () => {
  it(`answers ${RUNS} random requests on every route without a 5xx, and refused ones change nothing`, async () => {
    let state = await settled();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES).chain(requestFor), async (req) => {
        const answer = await send(req);
        const what = `${describeRequest(req)} → ${answer.status} ${answer.text.slice(0, 300)}`;
        expect(answer.status, what).toBeLessThan(500);
        if (answer.status >= 400 && req.method !== 'HEAD') expect(answer.contentType, what).toMatch(/^application\/problem\+json/);
        if (answer.status >= 400) {
          expect(await snapshot(), `state changed by a refused request: ${what}`).toEqual(state);
        } else {
          collectTokens(req, answer);
          state = await settled();
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 60_000);
});
