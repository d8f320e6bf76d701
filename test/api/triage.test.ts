/**
 * The list's triage routes over real HTTP: GET /v1/instance-counts (every status counted, of a
 * workflow and a time range) and GET /v1/instances?key= (the instances waiting with a correlation
 * key, whatever the event).
 */
import { expect, it } from 'vitest';
import { ProblemError } from '../../client/http-client.js';
import { serverForFile } from '../helpers/server.js';

const SHIP = `name: triage-ship
steps:
  - { name: paid, type: wait, event: paid, correlate: orderId, next: shipped }
  - { name: shipped, type: wait, event: shipped, correlate: orderId }
`;
const OTHER = `name: triage-other
steps:
  - { name: approve, type: wait, event: approved, correlate: orderId }
`;

const server = serverForFile([SHIP, OTHER]);
const ZERO = { PENDING: 0, RUNNING: 0, SUSPENDED: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0, TERMINATED: 0, TIMED_OUT: 0 };

it('counts every status, of a workflow and created in a time range', async () => {
  const { client } = server();
  expect(await client.countInstances({ workflow: 'triage-ship' })).toEqual({ counts: ZERO, total: 0 });
  for (const id of ['s-1', 's-2', 's-3']) await client.startInstance('triage-ship', { id, input: { orderId: id } });
  const before = new Date().toISOString();
  await client.lifecycle('s-2', 'terminate');
  await client.lifecycle('s-3', 'suspend');
  await client.startInstance('triage-other', { id: 'o-1', input: { orderId: 'x' } });
  expect(await client.countInstances({ workflow: 'triage-ship' })).toEqual({ counts: { ...ZERO, RUNNING: 1, TERMINATED: 1, SUSPENDED: 1 }, total: 3 });
  expect((await client.countInstances()).total).toBe(4);
  expect((await client.countInstances({ from: before })).counts).toEqual({ ...ZERO, RUNNING: 1 });
  const res = await fetch(`${server().url}/v1/instance-counts?status=RUNNING`);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { detail: string }).detail).toContain('status');
});

it('finds the instances waiting with a business key, whatever the event, with the list filters', async () => {
  const { client } = server();
  await client.startInstance('triage-ship', { id: 'k-1', input: { orderId: 'ORD-7' } });
  await client.startInstance('triage-other', { id: 'k-2', input: { orderId: 'ORD-7' } });
  await client.startInstance('triage-ship', { id: 'k-3', input: { orderId: 'ORD-8' } });
  const ids = async (request: Parameters<typeof client.listInstances>[0]) => (await client.listInstances(request)).items.map((i) => i.id);
  expect(await ids({ key: 'ORD-7' })).toEqual(['k-2', 'k-1']);
  expect(await ids({ key: 'ORD-7', workflow: 'triage-ship' })).toEqual(['k-1']);
  expect(await ids({ key: 'ORD-7', limit: 1 })).toEqual(['k-2']);
  expect(await ids({ key: 'ORD-9' })).toEqual([]);
  // The next wait correlates on the same key: still found; once nothing waits, not.
  await client.deliverEvent('paid', 'ORD-7');
  expect((await client.getInstance('k-1')).current.map((c) => c.step)).toEqual(['shipped']);
  expect(await ids({ key: 'ORD-7', status: 'RUNNING' })).toEqual(['k-2', 'k-1']);
  await client.lifecycle('k-2', 'cancel');
  expect(await ids({ key: 'ORD-7' })).toEqual(['k-1']);
  const refused = await client.listInstances({ key: 'ORD-7', cursor: 'abc' }).then(() => undefined, (err: ProblemError) => [err.status, err.detail]);
  expect(refused).toEqual([400, 'query parameter "cursor" does not go with "key": the instances waiting with a key come in one page (raise "limit")']);
});
