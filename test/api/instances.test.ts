import { describe, expect, it } from 'vitest';
import type { InstanceView } from '../../client/http-client.js';
import { eventually, http, serverForFile } from '../helpers/server.js';

const DEFINITIONS = [
  `name: quick
input:
  type: object
  required: [n]
  additionalProperties: false
  properties:
    n: { type: integer }
steps:
  - name: pause
    type: delay
    duration: 200ms
  - name: done
    type: succeed
    output: { doubled: "\${ n * 2 }" }
`,
  `name: page
steps:
  - name: hold
    type: wait
    event: never
`,
  `name: gate
steps:
  - name: pause
    type: delay
    duration: 300ms
  - name: open
    type: wait
    event: go
  - name: done
    type: succeed
    output: { got: "\${ open }" }
`,
  `name: payment
steps:
  - name: paid
    type: wait
    event: payment
    correlate: orderId
  - name: done
    type: succeed
    output: { orderId: "\${ orderId }", amount: "\${ paid.amount }" }
`,
  `name: job
steps:
  - name: work
    type: task
    task: job.work
  - name: done
    type: succeed
    output: "\${ work }"
`,
];

const server = serverForFile(DEFINITIONS);

const post = (path: string, body?: unknown) => http(server().url, 'POST', path, body === undefined ? undefined : JSON.stringify(body));

async function until(id: string, accept: (view: InstanceView) => boolean): Promise<InstanceView> {
  return eventually(async () => {
    const view = await server().client.getInstance(id);
    return accept(view) ? view : undefined;
  }, { what: `instance ${id}` });
}

describe('starting and reading instances', () => {
  it('starts with 201 and a Location, and ?wait long-polls until the instance is finished', async () => {
    const res = await post('/v1/workflows/quick/instances', { input: { n: 21 } });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/instances/${res.json.id}`);
    expect(res.json).toMatchObject({ workflow: 'quick', version: 1, status: 'RUNNING', input: { n: 21 } });
    expect(res.json.current).toEqual([expect.objectContaining({ step: 'pause', waiting: 'delay' })]);

    const waited = await http(server().url, 'GET', `${res.headers.get('location')}?wait=10s`);
    expect(waited.status).toBe(200);
    expect(waited.json).toMatchObject({ status: 'COMPLETED', output: { doubled: 42 }, error: null, current: [] });
  });

  it('starts and waits in one call with ?wait: 201 once the instance is finished, or as it is when the wait runs out', async () => {
    const res = await http(server().url, 'POST', '/v1/workflows/quick/instances?wait=10s', JSON.stringify({ input: { n: 4 } }));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/instances/${res.json.id}`);
    expect(res.json).toMatchObject({ status: 'COMPLETED', output: { doubled: 8 } });
    const held = await server().client.startInstance('page', {}, '300ms');
    expect(held.status).toBe('RUNNING');
    expect(held.current).toEqual([expect.objectContaining({ step: 'hold', waiting: 'event' })]);
    const bad = await http(server().url, 'POST', '/v1/workflows/quick/instances?wait=soon', JSON.stringify({ id: 'never-started', input: { n: 1 } }));
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/query parameter "wait" is not accepted: A duration like 500ms, 30s or 1m30s/);
    expect((await http(server().url, 'GET', '/v1/instances/never-started')).status).toBe(404);
  });

  it('answers ?wait with the instance as it is when the wait runs out', async () => {
    const started = await server().client.startInstance('page');
    const began = Date.now();
    const view = await server().client.getInstance(started.id, '300ms');
    expect(view.status).toBe('RUNNING');
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
  });

  it('refuses a ?wait that is not a duration', async () => {
    const started = await server().client.startInstance('page');
    const res = await http(server().url, 'GET', `/v1/instances/${started.id}?wait=soon`);
    expect(res.status).toBe(400);
    expect(res.json.detail).toMatch(/query parameter "wait" is not accepted: A duration like 500ms, 30s or 1m30s/);
  });

  it('is idempotent on a client id: the same input returns the first instance, a different one is a 409', async () => {
    const first = await post('/v1/workflows/quick/instances', { id: 'order-77', input: { n: 1 } });
    const again = await post('/v1/workflows/quick/instances', { id: 'order-77', input: { n: 1 } });
    expect(again.status).toBe(201);
    expect(again.json.id).toBe('order-77');
    expect(again.json.createdAt).toBe(first.json.createdAt);
    const different = await post('/v1/workflows/quick/instances', { id: 'order-77', input: { n: 2 } });
    expect(different.status).toBe(409);
    expect(different.json).toMatchObject({ type: 'https://segue.dev/problems/conflict', detail: expect.stringContaining('order-77') });
  });

  it('refuses an input that does not match the input schema, and an unknown workflow', async () => {
    const bad = await post('/v1/workflows/quick/instances', { input: { n: 'three' } });
    expect(bad.status).toBe(400);
    expect(bad.json.type).toBe('https://segue.dev/problems/input-invalid');
    expect(bad.json.detail).toContain('input.n must be integer');
    const extra = await post('/v1/workflows/quick/instances', { input: { n: 1, colour: 'red' } });
    expect(extra.status).toBe(400);
    expect(extra.json.detail).toBe('the input does not match the input schema of "quick": input has an unknown field "colour" (accepted: n)');
    const unknown = await post('/v1/workflows/nope/instances', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.detail).toBe('workflow "nope" is not registered');
  });

  it('answers 404 for an instance that does not exist', async () => {
    const res = await http(server().url, 'GET', '/v1/instances/no-such-instance');
    expect(res.status).toBe(404);
    expect(res.json.detail).toBe('instance "no-such-instance" does not exist');
  });

  it('returns the history in order, for the current or a given run', async () => {
    const view = await server().client.startInstance('quick', { input: { n: 2 } });
    await until(view.id, (v) => v.status === 'COMPLETED');
    const res = await http(server().url, 'GET', `/v1/instances/${view.id}/history`);
    const events = res.json.events as { seq: number; type: string; step?: string }[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.type).toBe('InstanceStarted');
    expect(events.at(-1)!.type).toBe('InstanceCompleted');
    expect(events).toContainEqual(expect.objectContaining({ type: 'TimerFired', step: 'pause' }));
    expect((await http(server().url, 'GET', `/v1/instances/${view.id}/history?run=1`)).json).toEqual(res.json);
    expect((await http(server().url, 'GET', `/v1/instances/${view.id}/history?run=0`)).status).toBe(400);
  });

  it('returns the part of the history after a sequence number, at most a limit of events', async () => {
    const view = await server().client.startInstance('quick', { input: { n: 2 } });
    await until(view.id, (v) => v.status === 'COMPLETED');
    const all = (await http(server().url, 'GET', `/v1/instances/${view.id}/history`)).json.events as { seq: number }[];
    expect(all.length).toBeGreaterThan(4);
    const after = await http(server().url, 'GET', `/v1/instances/${view.id}/history?after=2&limit=2`);
    expect(after.json.events).toEqual(all.slice(2, 4));
    const rest = await server().client.history(view.id, undefined, all.at(-2)!.seq);
    expect(rest).toEqual(all.slice(-1));
    expect((await http(server().url, 'GET', `/v1/instances/${view.id}/history?after=${all.at(-1)!.seq}`)).json.events).toEqual([]);
    expect((await http(server().url, 'GET', `/v1/instances/${view.id}/history?after=-1`)).status).toBe(400);
    expect((await http(server().url, 'GET', `/v1/instances/${view.id}/history?limit=0`)).status).toBe(400);
  });
});

describe('listing instances', () => {
  it('pages newest first with a cursor that stays stable while instances are inserted', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await server().client.startInstance('page', { id: `page-${i}` })).id);
    const first = await server().client.listInstances({ workflow: 'page', limit: 2 });
    expect(first.items.map((v) => v.id).slice(0, 2)).toEqual(['page-4', 'page-3']);
    for (let i = 5; i < 8; i += 1) await server().client.startInstance('page', { id: `page-${i}` });
    const seen = first.items.map((v) => v.id);
    let cursor = first.nextCursor;
    while (cursor) {
      const next = await server().client.listInstances({ workflow: 'page', limit: 2, cursor });
      seen.push(...next.items.map((v) => v.id));
      cursor = next.nextCursor;
    }
    const ours = seen.filter((id) => id.startsWith('page-'));
    expect(ours).toEqual(['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by status (comma-separated) and by creation time', async () => {
    const before = new Date(Date.now() - 1).toISOString();
    const done = await server().client.startInstance('quick', { input: { n: 5 } });
    await until(done.id, (v) => v.status === 'COMPLETED');
    const completed = await server().client.listInstances({ status: 'COMPLETED', from: before });
    expect(completed.items.map((v) => v.id)).toEqual([done.id]);
    const either = await http(server().url, 'GET', `/v1/instances?status=COMPLETED,RUNNING&workflow=quick&from=${encodeURIComponent(before)}`);
    expect(either.json.items.map((v: InstanceView) => v.id)).toEqual([done.id]);
    const old = await server().client.listInstances({ workflow: 'quick', to: before });
    expect(old.items.map((v) => v.id)).not.toContain(done.id);
  });

  it('refuses bad filters with a 400 naming the parameter', async () => {
    for (const query of ['status=DONE', 'limit=0', 'limit=x', 'from=yesterday', 'cursor=not-a-cursor', 'color=red']) {
      const res = await http(server().url, 'GET', `/v1/instances?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('events', () => {
  it('buffers an event raised before the instance waits for it', async () => {
    const view = await server().client.startInstance('gate');
    const res = await post(`/v1/instances/${view.id}/events/go`, { ok: 1 });
    expect(res.status).toBe(202);
    const done = await until(view.id, (v) => v.status === 'COMPLETED');
    expect(done.output).toEqual({ got: { ok: 1 } });
  });

  it('delivers a correlated event only to the instances waiting with that key', async () => {
    const a = await server().client.startInstance('payment', { input: { orderId: 'A-1' } });
    const b = await server().client.startInstance('payment', { input: { orderId: 'B-2' } });
    const res = await post('/v1/events/payment', { key: 'A-1', data: { amount: 30 } });
    expect(res.json).toEqual({ event: expect.any(String), delivered: 1, instances: [a.id], started: [] });
    expect((await until(a.id, (v) => v.status === 'COMPLETED')).output).toEqual({ orderId: 'A-1', amount: 30 });
    expect((await server().client.getInstance(b.id)).status).toBe('RUNNING');
    expect((await post('/v1/events/payment', { key: 'nobody', data: 1 })).json).toMatchObject({ delivered: 0, instances: [], started: [] });
  });

  it('answers 404 for an event to an unknown instance and 409 for a finished one', async () => {
    expect((await post('/v1/instances/ghost/events/go', {})).status).toBe(404);
    const view = await server().client.startInstance('page');
    await server().client.lifecycle(view.id, 'terminate');
    const res = await post(`/v1/instances/${view.id}/events/never`, {});
    expect(res.status).toBe(409);
    expect(res.json.type).toBe('https://segue.dev/problems/invalid-state');
  });
});

describe('lifecycle', () => {
  it('suspends, resumes, cancels with a reason, and purges', async () => {
    const view = await server().client.startInstance('page');
    expect((await post(`/v1/instances/${view.id}/suspend`)).json.status).toBe('SUSPENDED');
    expect((await post(`/v1/instances/${view.id}/resume`, {})).json.status).toBe('RUNNING');
    const cancelled = await post(`/v1/instances/${view.id}/cancel`, { reason: 'customer changed their mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ status: 'CANCELLED', error: { error: 'Cancelled', message: 'customer changed their mind' } });
    const purged = await http(server().url, 'DELETE', `/v1/instances/${view.id}`);
    expect(purged.status).toBe(204);
    expect((await http(server().url, 'GET', `/v1/instances/${view.id}`)).status).toBe(404);
  });

  it('terminates, and refuses to purge a live instance or suspend a finished one', async () => {
    const view = await server().client.startInstance('page');
    const live = await http(server().url, 'DELETE', `/v1/instances/${view.id}`);
    expect(live.status).toBe(409);
    expect(live.json.detail).toMatch(/only finished instances can be purged/);
    const terminated = await post(`/v1/instances/${view.id}/terminate`, { reason: 'stuck' });
    expect(terminated.json.status).toBe('TERMINATED');
    const suspend = await post(`/v1/instances/${view.id}/suspend`);
    expect(suspend.status).toBe(409);
    expect(suspend.json.type).toBe('https://segue.dev/problems/invalid-state');
    expect((await post('/v1/instances/ghost/cancel')).status).toBe(404);
  });

  it('retries a failed instance from the failed step', async () => {
    const view = await server().client.startInstance('job');
    const [task] = await server().client.poll({ types: ['job.work'], worker: 'test', wait: '5s' });
    await server().client.fail(task!.token, { error: 'Broken', message: 'the machine broke', retryable: false });
    const failed = await until(view.id, (v) => v.status === 'FAILED');
    expect(failed.error).toMatchObject({ error: 'Broken', message: 'the machine broke', step: 'work' });

    const retried = await post(`/v1/instances/${view.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.json.status).toBe('RUNNING');
    const [again] = await server().client.poll({ types: ['job.work'], worker: 'test', wait: '5s' });
    expect(again!.instanceId).toBe(view.id);
    await server().client.complete(again!.token, { fixed: true });
    expect((await until(view.id, (v) => v.status === 'COMPLETED')).output).toEqual({ fixed: true });
  });
});
