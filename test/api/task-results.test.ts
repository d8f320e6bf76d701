import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createApiServer } from '../../api/app.js';
import { bodyValidator } from '../../api/schemas.js';
import { createEngine } from '../../engine/engine.js';
import { ProblemError, type ClaimedTask, type InstanceView, type TaskResult } from '../../client/http-client.js';
import { createWorker, TaskResultError, type Worker } from '../../client/worker-client.js';
import { eventually, finishedOn, http, serverForFile, startServer } from '../helpers/server.js';

const flow = (name: string, task: string, timeout = '1h'): string => `name: ${name}
steps:
  - name: work
    type: task
    task: ${task}
    timeout: ${timeout}
  - name: done
    type: succeed
    output: "\${ work }"
`;

/** Two task steps in a row: the first's result schedules the second. */
const chain = (name: string, first: string, second: string): string => `name: ${name}
steps:
  - name: first
    type: task
    task: ${first}
    timeout: 1h
  - name: second
    type: task
    task: ${second}
    input: { after: "\${ first }" }
    timeout: 1h
  - name: done
    type: succeed
    output: "\${ second }"
`;

const server = serverForFile([
  flow('batch-one', 'batch.work'),
  chain('next-chain', 'next.first', 'next.second'),
  chain('next-few', 'few.first', 'few.second'),
  chain('next-other', 'other.first', 'other.second'),
  chain('next-old', 'old.first', 'old.second'),
  chain('next-steps', 'steps.run', 'steps.run'),
  // One task type per worker test: a poll the previous worker abandoned cannot take the next test's task.
  ...['many', 'retry', 'stale'].map((name) => flow(`batch-${name}`, `batch.${name}`)),
  flow('batch-lease', 'batch.lease', '1s'),
]);

const report = (body: unknown) => http(server().url, 'POST', '/v1/tasks/results', JSON.stringify(body));

/** Starts `n` instances of batch-one and claims their tasks, in the order they were started. */
async function claim(n: number): Promise<ClaimedTask[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) ids.push((await server().client.startInstance('batch-one')).id);
  const tasks: ClaimedTask[] = [];
  while (tasks.length < n) tasks.push(...(await server().client.poll({ types: ['batch.work'], worker: 'batcher', max: n - tasks.length, wait: '5s' })));
  return ids.map((id) => tasks.find((t) => t.instanceId === id)!);
}

const finished = (id: string): Promise<InstanceView> => finishedOn(server().client, id);

/** Starts `n` instances of `workflow` and claims their first tasks (of `type`), in the order they were started. */
async function claimFirst(workflow: string, type: string, n: number): Promise<ClaimedTask[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) ids.push((await server().client.startInstance(workflow, { input: { n: i } })).id);
  const tasks: ClaimedTask[] = [];
  while (tasks.length < n) tasks.push(...(await server().client.poll({ types: [type], worker: 'first', max: n - tasks.length, wait: '5s' })));
  return ids.map((id) => tasks.find((t) => t.instanceId === id)!);
}

/** The polls that found tasks, counted by the server's metrics. */
async function pollsWithTasks(): Promise<number> {
  const text = (await http(server().url, 'GET', '/metrics')).text;
  return Number(/^segue_task_poll_wait_seconds_count\{result="tasks"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('POST /v1/tasks/results with next', () => {
  it('leases the tasks the results schedule to the reporting worker and answers them, with nothing left to poll', async () => {
    const [a, b] = await claimFirst('next-chain', 'next.first', 2);
    const res = await report({
      results: [
        { token: a!.token, output: 'a' },
        { token: b!.token, output: 'b' },
      ],
      next: { types: ['next.second'], worker: 'eager-worker', max: 5 },
    });
    expect(res.status).toBe(200);
    expect(bodyValidator('task-results-response')(res.json)).toBe(true);
    const tasks = res.json.tasks as ClaimedTask[];
    expect(tasks.map((t) => [t.instanceId, t.step, t.type, t.input]).sort()).toEqual(
      [
        [a!.instanceId, 'second', 'next.second', { after: 'a' }],
        [b!.instanceId, 'second', 'next.second', { after: 'b' }],
      ].sort(),
    );
    expect(tasks.every((t) => t.attempt === 1 && Date.parse(t.deadline) > Date.now())).toBe(true);
    // Nothing was queued for a poll: the tasks are the reporting worker's.
    expect(await server().client.poll({ types: ['next.second'], worker: 'other', max: 5 })).toEqual([]);
    const second = await report({ results: tasks.map((t) => ({ token: t.token, output: `${t.input && (t.input as { after: string }).after}!` })) });
    expect(second.json.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    expect(await finished(a!.instanceId)).toMatchObject({ status: 'COMPLETED', output: 'a!' });
    const started = (await server().client.history(a!.instanceId)).filter((e) => e.type === 'TaskStarted');
    expect(started.at(-1)).toMatchObject({ step: 'second', details: { worker: 'eager-worker' } });
  });

  it('takes no more than max: the rest are queued for polls', async () => {
    const [a, b, c] = await claimFirst('next-few', 'few.first', 3);
    const res = await report({ results: [a, b, c].map((t) => ({ token: t!.token, output: 1 })), next: { types: ['few.second'], worker: 'w', max: 1 } });
    expect(res.json.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(res.json.tasks).toHaveLength(1);
    const polled = await server().client.poll({ types: ['few.second'], worker: 'poller', max: 5 });
    expect(polled).toHaveLength(2);
    const leased = [...res.json.tasks, ...polled] as ClaimedTask[];
    expect(new Set(leased.map((t) => t.instanceId))).toEqual(new Set([a, b, c].map((t) => t!.instanceId)));
    await report({ results: leased.map((t) => ({ token: t.token, output: 2 })) });
    for (const t of [a, b, c]) expect(await finished(t!.instanceId)).toMatchObject({ status: 'COMPLETED', output: 2 });
  });

  it('answers no tasks for types it was not asked for, for a stale result, or with max 0', async () => {
    const [a, b] = await claimFirst('next-other', 'other.first', 2);
    const res = await report({
      results: [
        { token: a!.token, output: 1 },
        { token: 'no-such-token', output: 1 },
      ],
      next: { types: ['something.else'], worker: 'w', max: 5 },
    });
    expect(res.json).toMatchObject({ results: [{ status: 'accepted' }, { status: 'stale' }], tasks: [] });
    const none = await report({ results: [{ token: b!.token, output: 1 }], next: { types: ['other.second'], worker: 'w', max: 0 } });
    expect(none.json).toMatchObject({ results: [{ status: 'accepted' }], tasks: [] });
    expect(await server().client.poll({ types: ['other.second'], worker: 'poller', max: 5 })).toHaveLength(2);
  });

  it('refuses a next without its fields, naming them', async () => {
    const res = await report({ results: [{ token: 'x' }], next: { types: ['a'], max: 1 } });
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain('worker');
    const big = await report({ results: [{ token: 'x' }], next: { types: ['a'], worker: 'w', max: 1001 } });
    expect(big.status).toBe(400);
    expect(big.json.detail).toContain('max');
  });
});

describe('POST /v1/tasks/results', () => {
  it('applies completions and failures to their own instances, answering one outcome per result in order', async () => {
    const [a, b, c] = await claim(3);
    const res = await report({
      results: [
        { token: a!.token, output: { for: a!.instanceId } },
        { token: b!.token, error: 'OutOfStock', message: 'none left', retryable: false },
        { token: c!.token },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ results: [a, b, c].map((t) => ({ token: t!.token, status: 'accepted' })) });
    expect(bodyValidator('task-results-response')(res.json)).toBe(true);
    expect(await finished(a!.instanceId)).toMatchObject({ status: 'COMPLETED', output: { for: a!.instanceId } });
    expect(await finished(b!.instanceId)).toMatchObject({ status: 'FAILED', error: { error: 'OutOfStock', message: 'none left' } });
    expect(await finished(c!.instanceId)).toMatchObject({ status: 'COMPLETED', output: null });
  });

  it('answers stale for an unknown token, an attempt already reported, and a token given twice, and applies the rest', async () => {
    const [done, twice, fresh] = await claim(3);
    await server().client.complete(done!.token, 'first');
    const res = await report({
      results: [
        { token: 'no-such-token', output: 1 },
        { token: done!.token, output: 'second' },
        { token: twice!.token, output: 'once' },
        { token: twice!.token, error: 'Again' },
        { token: fresh!.token, output: 'fresh' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.results.map((r: { status: string }) => r.status)).toEqual(['stale', 'stale', 'accepted', 'stale', 'accepted']);
    expect(res.json.results[0]).toEqual({ token: 'no-such-token', status: 'stale', detail: expect.stringMatching(/^this task attempt is no longer current/) });
    expect((await finished(done!.instanceId)).output).toBe('first');
    expect((await finished(twice!.instanceId)).output).toBe('once');
    expect((await finished(fresh!.instanceId)).output).toBe('fresh');
  });

  it('refuses an output over the payload limit (the engine fails that attempt) while the others are accepted', async () => {
    const [big, small] = await claim(2);
    const res = await report({ results: [{ token: big!.token, output: 'x'.repeat(1024 * 1024 + 10) }, { token: small!.token, output: 'small' }] });
    expect(res.status).toBe(200);
    expect(res.json.results).toEqual([
      { token: big!.token, status: 'refused', detail: expect.stringMatching(/^the output of task "batch.work" is [\d.]+ MiB, more than the 1 MiB limit/) },
      { token: small!.token, status: 'accepted' },
    ]);
    expect((await finished(big!.instanceId)).error).toMatchObject({ error: 'LimitExceeded' });
    expect((await finished(small!.instanceId)).output).toBe('small');
  });

  it.each([
    ['no results', { results: [] }, '"results" must NOT have fewer than 1 items'],
    ['no results field', {}, 'the body needs the field "results"'],
    ['an item of neither shape', { results: [{ output: 1 }] }, '"results.0" is not accepted: a result is either a completion {token, output} or a failure {token, error, message, retryable}'],
    ['an item of both shapes', { results: [{ token: 't', output: 1, error: 'X' }] }, '"results.0" is not accepted'],
    ['an error name too long', { results: [{ token: 't', error: 'E'.repeat(201) }] }, '"results.0.error" must NOT have more than 200 characters'],
    ['more than 1000 results', { results: Array.from({ length: 1001 }, (_, i) => ({ token: `t${i}` })) }, '"results" must NOT have more than 1000 items'],
  ])('refuses %s with a 400 naming the field', async (_, body, detail) => {
    const res = await report(body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ type: 'https://segue.dev/problems/request-invalid', detail: expect.stringContaining(detail) });
  });

  it('takes a batch larger than the 1 MiB payload limit (its own limit is 8 MiB)', async () => {
    const tasks = await claim(3);
    const results: TaskResult[] = tasks.map((t) => ({ token: t.token, output: 'y'.repeat(700 * 1024) }));
    const res = await report({ results });
    expect(res.json.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    for (const t of tasks) expect((await finished(t.instanceId)).status).toBe('COMPLETED');
  });

  it('is documented in /openapi.json, and reachable through the client', async () => {
    const doc = (await http(server().url, 'GET', '/openapi.json')).json;
    const op = doc.paths['/v1/tasks/results'].post;
    expect(op).toMatchObject({ operationId: 'reportTaskResults', tags: ['tasks'] });
    expect(op.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/TaskResultsRequest' });
    expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/TaskResultsResponse' });
    const [task] = await claim(1);
    expect(await server().client.reportResults([{ token: task!.token, output: 'via client' }, { token: task!.token, error: 'Late' }])).toEqual([
      { token: task!.token, status: 'accepted' },
      { token: task!.token, status: 'stale', detail: expect.any(String) },
    ]);
  });

  it('answers a 5xx problem, for the whole batch to be sent again, when a result fails for a reason that is not the client\'s', async () => {
    const engine = await createEngine({ store: 'memory' });
    const listener = createApiServer(engine).listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      await engine.store.close();
      const res = await http(`http://127.0.0.1:${(listener.address() as AddressInfo).port}`, 'POST', '/v1/tasks/results', '{"results":[{"token":"a"},{"token":"b","error":"E"}]}');
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ type: 'https://segue.dev/problems/store-unavailable', status: 503 });
    } finally {
      listener.close();
    }
  });

  it('is a task route: a worker key may use it, an operator key may not', async () => {
    const keys = { worker: 'wrk-0123456789abcdef', operator: 'ops-0123456789abcdef' };
    const keyed = await startServer(join(server().dir, 'keyed.db'), { env: { SEGUE_API_KEYS: `wrk:worker:${keys.worker},ops:operator:${keys.operator}` } });
    try {
      const as = (key: string) => http(keyed.url, 'POST', '/v1/tasks/results', '{"results":[{"token":"none"}]}', { authorization: `Bearer ${key}` });
      const allowed = await as(keys.worker);
      expect(allowed.status).toBe(200);
      expect(allowed.json.results).toEqual([{ token: 'none', status: 'stale', detail: expect.any(String) }]);
      expect((await as(keys.operator)).status).toBe(403);
      expect((await http(keyed.url, 'POST', '/v1/tasks/results', '{"results":[{"token":"none"}]}')).status).toBe(401);
    } finally {
      await keyed.stop();
    }
  });
});

/** A pass-through proxy in front of the server that counts requests by path and can answer 503 instead. */
interface Proxy {
  url: string;
  count(path: string): number;
  /** The next `times` requests to `path` get a 503. */
  fail(path: string, times: number): void;
  /** While on, a results request with `next` gets the 400 a server from before it answers. */
  refuseNext(on: boolean): void;
  /** How many were so refused. */
  refused(): number;
  close(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const counts = new Map<string, number>();
  const failing = new Map<string, number>();
  let refuseNext = false;
  let refused = 0;
  const proxy: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (refuseNext && path === '/v1/tasks/results' && 'next' in JSON.parse(Buffer.concat(chunks).toString())) {
      refused += 1;
      const detail = 'the body has an unknown field "next" (accepted: results)';
      res.writeHead(400, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400, detail }));
      return;
    }
    const left = failing.get(path) ?? 0;
    if (left > 0) {
      failing.set(path, left - 1);
      res.writeHead(503, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Unavailable', status: 503, detail: 'injected' }));
      return;
    }
    const hangUp = new AbortController();
    res.on('close', () => hangUp.abort());
    try {
      const init: RequestInit = { method: req.method!, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, signal: hangUp.signal };
      if (chunks.length > 0) init.body = Buffer.concat(chunks);
      const upstream = await fetch(target + path, init);
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      res.destroy();
    }
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    count: (path) => counts.get(path) ?? 0,
    fail: (path, times) => failing.set(path, times),
    refuseNext: (on) => (refuseNext = on),
    refused: () => refused,
    close: async () => {
      proxy.closeAllConnections();
      proxy.close();
      await once(proxy, 'close');
    },
  };
}

/** A gate the handlers wait on, and how many are waiting. */
function gate(): { wait: () => Promise<void>; waiting: () => number; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  return {
    wait: async () => {
      waiting += 1;
      await opened;
    },
    waiting: () => waiting,
    open,
  };
}

describe('the worker client reporting results', () => {
  let proxy: Proxy;
  let worker: Worker | undefined;

  beforeAll(async () => {
    proxy = await startProxy(server().url);
  });

  afterAll(async () => {
    await worker?.stop();
    await proxy?.close();
  });

  it('sends results that finish together in one request, not one request per task', async () => {
    const handlers = gate();
    worker = createWorker({
      url: proxy.url,
      pollWait: '1s',
      concurrency: 20,
      handlers: {
        'batch.many': async (_input, ctx) => {
          await handlers.wait();
          return { done: ctx.instanceId };
        },
      },
    });
    worker.start();
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push((await server().client.startInstance('batch-many')).id);
    await eventually(() => (handlers.waiting() === 20 ? true : undefined), { what: 'all 20 handlers to run' });
    handlers.open();
    for (const id of ids) expect(await finished(id)).toMatchObject({ status: 'COMPLETED', output: { done: id } });
    const requests = proxy.count('/v1/tasks/results');
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(requests).toBeLessThan(20);
    await worker.stop();
    worker = undefined;
  });

  it('goes on with the next steps of its instances from its results, polling only for their first', async () => {
    const before = await pollsWithTasks();
    let runs = 0;
    worker = createWorker({
      url: proxy.url,
      pollWait: '1s',
      concurrency: 4,
      handlers: { 'steps.run': (input) => (runs += 1, { after: input }) },
    });
    worker.start();
    const id = (await server().client.startInstance('next-steps', { input: { n: 1 } })).id;
    expect(await finished(id)).toMatchObject({ status: 'COMPLETED', output: { after: { after: { after: { n: 1 } } } } });
    expect(runs).toBe(2);
    // One poll found the first task; the second came back with the first's result.
    expect((await pollsWithTasks()) - before).toBe(1);
    await worker.stop();
    worker = undefined;
  });

  it('reports results without next to a server that refuses it, and goes on polling', async () => {
    proxy.refuseNext(true);
    try {
      worker = createWorker({ url: proxy.url, pollWait: '1s', handlers: { 'old.first': () => 'one', 'old.second': (input) => ({ got: input }) } });
      worker.start();
      const id = (await server().client.startInstance('next-old')).id;
      expect(await finished(id)).toMatchObject({ status: 'COMPLETED', output: { got: { after: 'one' } } });
      // The first report was refused for its next, and sent again without it; the second went without it at once.
      expect(proxy.refused()).toBe(1);
      await worker.stop();
      worker = undefined;
    } finally {
      proxy.refuseNext(false);
    }
  });

  it('sends a result again after a 503, and stop() waits until it was taken', async () => {
    const handlers = gate();
    const errors: unknown[] = [];
    worker = createWorker({
      url: proxy.url,
      pollWait: '1s',
      handlers: { 'batch.retry': async () => (await handlers.wait(), 'after a retry') },
      onError: (err) => errors.push(err),
    });
    worker.start();
    const view = await server().client.startInstance('batch-retry');
    await eventually(() => (handlers.waiting() === 1 ? true : undefined), { what: 'the handler to run' });
    const before = proxy.count('/v1/tasks/results');
    proxy.fail('/v1/tasks/results', 1);
    const stopping = worker.stop();
    handlers.open();
    await stopping;
    worker = undefined;
    expect(proxy.count('/v1/tasks/results') - before).toBe(2);
    // Taken before stop() resolved: no waiting needed to see it.
    expect(await server().client.getInstance(view.id)).toMatchObject({ status: 'COMPLETED', output: 'after a retry' });
    expect(errors).toEqual([]);
  });

  it('tells onError about a stale result and drops it', async () => {
    const handlers = gate();
    const errors: unknown[] = [];
    worker = createWorker({ url: proxy.url, pollWait: '1s', handlers: { 'batch.stale': async () => (await handlers.wait(), 'too late') }, onError: (err) => errors.push(err) });
    worker.start();
    const view = await server().client.startInstance('batch-stale');
    await eventually(() => (handlers.waiting() === 1 ? true : undefined), { what: 'the handler to run' });
    await server().client.lifecycle(view.id, 'terminate');
    handlers.open();
    await eventually(() => (errors.length > 0 ? true : undefined), { what: 'the stale result to be reported' });
    await worker.stop();
    worker = undefined;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TaskResultError);
    expect(errors[0]).toMatchObject({ outcome: 'stale', task: { instanceId: view.id, step: 'work' }, message: expect.stringContaining(`instance ${view.id} was stale`) });
  });

  it('gives a result up once its lease has ended, telling onError', async () => {
    const errors: unknown[] = [];
    proxy.fail('/v1/tasks/results', Number.POSITIVE_INFINITY);
    try {
      worker = createWorker({ url: proxy.url, pollWait: '1s', handlers: { 'batch.lease': () => 'never taken' }, onError: (err) => errors.push(err) });
      worker.start();
      await server().client.startInstance('batch-lease');
      await eventually(() => (errors.length > 0 ? true : undefined), { what: 'the result to be given up' });
      const began = Date.now();
      await worker.stop();
      worker = undefined;
      expect(Date.now() - began).toBeLessThan(3_000);
    } finally {
      proxy.fail('/v1/tasks/results', 0);
    }
    expect(errors[0]).toBeInstanceOf(ProblemError);
    expect(errors[0]).toMatchObject({ status: 503 });
  });
});
