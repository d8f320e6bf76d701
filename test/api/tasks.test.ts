import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstanceView } from '../../client/http-client.js';
import { createWorker, type WorkerContext } from '../../client/worker-client.js';
import { REPO, eventually, finishedOn, http, serverForFile, startWorkerProcess } from '../helpers/server.js';

const DEFINITIONS = [
  `name: one-task
steps:
  - name: work
    type: task
    task: unit.work
    heartbeat: 5s
  - name: done
    type: succeed
    output: "\${ work }"
`,
  `name: client-flow
steps:
  - name: greet
    type: task
    task: client.greet
    input: { who: "\${ who }" }
  - name: risky
    type: task
    task: client.risky
    retry: { maxAttempts: 3, initialInterval: 10ms }
    catch:
      - errors: [Fatal]
        next: rescued
  - name: done
    type: succeed
    output: { greeting: "\${ greet.text }", risky: "\${ risky }" }
  - name: rescued
    type: succeed
    output: { rescued: "\${ error.message }" }
`,
];

const server = serverForFile([...DEFINITIONS, readFileSync(join(REPO, 'examples', 'order-processing.yaml'), 'utf8')]);

const post = (path: string, body?: unknown) => http(server().url, 'POST', path, body === undefined ? undefined : JSON.stringify(body));

const finished = (id: string): Promise<InstanceView> => finishedOn(server().client, id);

describe('the worker protocol', () => {
  it('long-polls until a task is enqueued, then completes it; a second result for the token is a 409', async () => {
    const poll = post('/v1/tasks/poll', { types: ['unit.work'], worker: 'w1', wait: '10s' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const view = await server().client.startInstance('one-task', { input: { x: 1 } });
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { token: expect.any(String), type: 'unit.work', input: { x: 1 }, attempt: 1, deadline: expect.any(String), instanceId: view.id, step: 'work' },
    ]);
    const token = res.json[0].token as string;

    const heartbeat = await post(`/v1/tasks/${token}/heartbeat`, {});
    expect(heartbeat.status).toBe(200);
    expect(Date.parse(heartbeat.json.deadline)).toBeGreaterThan(Date.now());

    const complete = await post(`/v1/tasks/${token}/complete`, { output: { answer: 42 } });
    expect(complete.status).toBe(204);
    expect((await finished(view.id)).output).toEqual({ answer: 42 });

    const twice = await post(`/v1/tasks/${token}/complete`, { output: { answer: 43 } });
    expect(twice.status).toBe(409);
    expect(twice.json.type).toBe('https://segue.dev/problems/stale-token');
    expect((await post(`/v1/tasks/${token}/heartbeat`)).status).toBe(409);
    expect((await post(`/v1/tasks/${token}/fail`, { error: 'Late' })).status).toBe(409);
  });

  it('answers an empty list when no task comes within the wait, and accepts the wait in milliseconds', async () => {
    const began = Date.now();
    const res = await post('/v1/tasks/poll', { types: ['nothing.here'], worker: 'w1', wait: 300 });
    expect(res.json).toEqual([]);
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
  });

  it('fails a task with a non-retryable error name', async () => {
    const view = await server().client.startInstance('one-task');
    const [task] = await server().client.poll({ types: ['unit.work'], worker: 'w1', wait: '5s' });
    const res = await post(`/v1/tasks/${task!.token}/fail`, { error: 'OutOfStock', message: 'none left', retryable: false });
    expect(res.status).toBe(204);
    expect((await finished(view.id)).error).toMatchObject({ error: 'OutOfStock', message: 'none left' });
  });

  it('stops a poll whose worker hung up: the task goes to the next poll', async () => {
    const hangUp = new AbortController();
    const abandoned = fetch(`${server().url}/v1/tasks/poll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ types: ['unit.work'], worker: 'gone', wait: '20s' }),
      signal: hangUp.signal,
    }).catch((err: Error) => err.name);
    await new Promise((resolve) => setTimeout(resolve, 100));
    hangUp.abort();
    expect(await abandoned).toBe('AbortError');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const view = await server().client.startInstance('one-task');
    const [task] = await server().client.poll({ types: ['unit.work'], worker: 'present', wait: '5s' });
    expect(task?.instanceId).toBe(view.id);
    await server().client.complete(task!.token, 'ok');
  });
});

describe('a task result over the limits', () => {
  const MIB = 1024 * 1024;

  /** Starts one-task and claims its task. */
  async function claimed(): Promise<{ id: string; token: string }> {
    const view = await server().client.startInstance('one-task');
    const [task] = await server().client.poll({ types: ['unit.work'], worker: 'w1', wait: '5s' });
    expect(task?.instanceId).toBe(view.id);
    return { id: view.id, token: task!.token };
  }

  it('fails the step with LimitExceeded at once for an output over the payload limit, and answers a 413 saying so', async () => {
    const { id, token } = await claimed();
    const res = await post(`/v1/tasks/${token}/complete`, { output: { blob: 'x'.repeat(1_200_000) } });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({
      type: 'https://segue.dev/problems/limit-exceeded',
      detail: expect.stringMatching(/^the output of task "unit.work" is 1.1 MiB, more than the 1 MiB limit; .*; the attempt failed with LimitExceeded$/),
    });
    expect((await finished(id)).error).toMatchObject({ error: 'LimitExceeded', step: 'work', message: expect.stringMatching(/^the output of task "unit.work" is 1.1 MiB/) });
  });

  it.each([
    ['complete', (size: number) => JSON.stringify({ output: 'y'.repeat(size) })],
    ['fail', (size: number) => JSON.stringify({ error: 'Boom', message: 'y'.repeat(size) })],
  ])('%s: fails the step at once when the body is too large to be read at all (over 8 MiB)', async (action, body) => {
    const { id, token } = await claimed();
    const res = await http(server().url, 'POST', `/v1/tasks/${token}/${action}`, body(8 * MIB + 1));
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({
      type: 'https://segue.dev/problems/limit-exceeded',
      detail: 'the result is larger than the 8 MiB a request body may carry; keep large data elsewhere and pass a reference; the attempt failed with LimitExceeded',
    });
    expect((await finished(id)).error).toMatchObject({ error: 'LimitExceeded', step: 'work', message: expect.stringMatching(/^the result is larger than the 8 MiB/) });
  });

  it('answers 409 for a token no longer current, whatever the size of its result', async () => {
    const res = await http(server().url, 'POST', '/v1/tasks/no-such-token/complete', JSON.stringify({ output: 'z'.repeat(8 * MIB + 1) }));
    expect(res.status).toBe(409);
    expect(res.json.type).toBe('https://segue.dev/problems/stale-token');
  });

  it('declares the 413 of both routes in /openapi.json', async () => {
    const doc = (await http(server().url, 'GET', '/openapi.json')).json;
    for (const action of ['complete', 'fail']) expect(Object.keys(doc.paths[`/v1/tasks/{token}/${action}`].post.responses)).toContain('413');
  });
});

describe('the worker client', () => {
  it('runs handlers with their context, reports names and non-retryable errors, and stops cleanly', async () => {
    const contexts: Omit<WorkerContext, 'heartbeat'>[] = [];
    let riskyCalls = 0;
    const worker = createWorker<{ who?: string }>({
      url: server().url,
      pollWait: '1s',
      handlers: {
        'client.greet': async (input, ctx) => {
          const { heartbeat: _beat, ...seen } = ctx;
          contexts.push(seen);
          await ctx.heartbeat();
          return { text: `hello ${input.who}` };
        },
        'client.risky': async () => {
          riskyCalls += 1;
          throw Object.assign(new Error('cannot go on'), { name: 'Fatal', retryable: false });
        },
      },
    });
    worker.start();
    try {
      const view = await server().client.startInstance('client-flow', { input: { who: 'Ada' } });
      const done = await finished(view.id);
      expect(done.status).toBe('COMPLETED');
      expect(done.output).toEqual({ rescued: 'cannot go on' });
      expect(riskyCalls).toBe(1);
      expect(done.data).toMatchObject({ greet: { text: 'hello Ada' } });
      expect(contexts).toEqual([{ attempt: 1, instanceId: view.id, step: 'greet', type: 'client.greet' }]);
    } finally {
      await worker.stop();
    }
  });

  it('waits in stop() for the handlers in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const worker = createWorker({
      url: server().url,
      pollWait: '1s',
      handlers: {
        'unit.work': async () => {
          started = true;
          await gate;
          return 'late but done';
        },
      },
    });
    worker.start();
    const view = await server().client.startInstance('one-task');
    await eventually(() => (started ? true : undefined), { what: 'the handler to start' });
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await finished(view.id)).output).toBe('late but done');
  });

  it('runs the example handlers in a separate worker process (examples/workers/remote-worker.ts)', async () => {
    const worker = await startWorkerProcess(server().url);
    try {
      const input = { orderId: 'A-1', customer: { email: 'ada@example.com' }, items: [{ sku: 'BOOK-1', quantity: 2, price: 12.5 }], card: '4242' };
      const view = await server().client.startInstance('order-processing', { input });
      const done = await finished(view.id);
      expect(done.status).toBe('COMPLETED');
      expect(done.output).toEqual({ orderId: 'A-1', paymentId: expect.stringMatching(/^PAY-/), trackingNumber: expect.stringMatching(/^TRK-/) });
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  });
});
