/**
 * Redrive with edits over real HTTP: a FAILED instance retried from a chosen step, with its data
 * patched, onto a newer version, as a dry run first; the audit entry in its history; the refusals;
 * and two server processes on one SQLite file taking the same retry at once (one wins).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProblemError, type HistoryView, type InstanceView } from '../../client/http-client.js';
import { runCli, serverForFile, startServer, type TestServer } from '../helpers/server.js';

const OPERATOR = 'operator-key-0123456789';
const KEYS = { SEGUE_API_KEYS: `ops:admin:${OPERATOR}` };

const V1 = `name: redrive-order
input:
  type: object
  required: [amount]
  properties:
    amount: { type: number, minimum: 1 }
steps:
  - { name: price, type: set, values: { total: "\${ amount * 2 }" } }
  - { name: charge, type: task, task: redrive.charge, input: { total: "\${ total }" }, retry: { maxAttempts: 1 } }
`;
// Version 2 adds a step after the charge: a redrive onto it goes on with the new shape.
const V2 = `${V1}  - { name: receipt, type: set, values: { receipt: "\${ 'R-' & $string(total) }" } }
`;

const a = serverForFile([V1], { env: KEYS, apiKey: OPERATOR });
let b: TestServer;
beforeAll(async () => {
  b = await startServer(join(a().dir, 'segue.db'), { env: KEYS, apiKey: OPERATOR });
});
afterAll(async () => {
  await b?.stop();
});

/** The one charge task queued, answered by `answer`. */
async function answerCharge(server: TestServer, answer: 'fail' | 'complete'): Promise<{ total: number }> {
  const [task] = await server.client.poll({ types: ['redrive.charge'], worker: 'test', wait: '5s' });
  expect(task).toBeDefined();
  if (answer === 'fail') await server.client.fail(task!.token, { error: 'CardDeclined', message: 'no funds' });
  else await server.client.complete(task!.token, { charged: true });
  return task!.input as { total: number };
}

async function failedInstance(id: string): Promise<InstanceView> {
  await a().client.startInstance('redrive-order', { id, input: { amount: 1 } });
  await answerCharge(a(), 'fail');
  const view = await a().client.getInstance(id, '5s');
  expect(view.status).toBe('FAILED');
  return view;
}

async function refusal(call: Promise<unknown>): Promise<{ status: number; detail: string }> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProblemError);
  return { status: (err as ProblemError).status, detail: (err as ProblemError).detail ?? '' };
}

it('answers a dry run with what would change, and changes nothing', async () => {
  await failedInstance('dry-1');
  const before = await a().client.history('dry-1');
  const answer = await a().client.retry('dry-1', { from: 'price', patch: { amount: 3, note: 'fixed by ops' }, dryRun: true });
  expect(answer.dryRun).toEqual({
    instanceId: 'dry-1',
    from: 'price',
    failedAt: 'charge',
    version: { from: 1, to: 1 },
    changes: ['/amount', '/note'],
    data: { amount: 3, total: 2, note: 'fixed by ops' },
  });
  expect((await a().client.getInstance('dry-1')).status).toBe('FAILED');
  expect(await a().client.history('dry-1')).toEqual(before);
});

it('refuses a step, a version or a patch that cannot be, and an instance that has not failed, saying why', async () => {
  await failedInstance('bad-1');
  const step = await refusal(a().client.retry('bad-1', { from: 'ship' }));
  expect(step.status).toBe(400);
  expect(step.detail).toBe('workflow "redrive-order" version 1 has no step "ship" at its top level to retry from; its steps are "price", "charge"');
  const version = await refusal(a().client.retry('bad-1', { version: 9 }));
  expect(version).toEqual({ status: 400, detail: 'workflow "redrive-order" version 9 is not registered' });
  const patch = await refusal(a().client.retry('bad-1', { patch: { amount: 'ten' } }));
  expect(patch.status).toBe(400);
  expect(patch.detail).toContain('the patched data does not match the input schema of "redrive-order"');
  expect(patch.detail).toContain('input.amount');
  const res = await fetch(`${a().url}/v1/instances/bad-1/retry`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${OPERATOR}` },
    body: JSON.stringify({ patch: [1] }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { detail: string }).detail).toContain('patch');

  await a().client.startInstance('redrive-order', { id: 'running-1', input: { amount: 1 } });
  const running = await refusal(a().client.retry('running-1', { from: 'price' }));
  expect(running).toEqual({ status: 409, detail: 'instance "running-1" is RUNNING: only a FAILED instance can be retried from a step, with a patch, on another version or as a dry run' });
  await answerCharge(a(), 'complete');
  expect((await a().client.getInstance('bad-1')).status).toBe('FAILED');
});

it('redrives from a chosen step with the data patched onto the newer version, once, whichever engine is asked', async () => {
  await failedInstance('order-1');
  expect((await b.client.registerWorkflow(V2)).version).toBe(2);

  // The same retry sent to both engines at once: one applies it, the other finds the instance running.
  const request = { from: 'price', patch: { amount: 5 }, version: 'latest' as const, reason: 'card limit raised' };
  const answers = await Promise.allSettled([a().client.retry('order-1', request), b.client.retry('order-1', request)]);
  const won = answers.filter((r) => r.status === 'fulfilled');
  const lost = answers.filter((r) => r.status === 'rejected');
  expect(won).toHaveLength(1);
  expect(lost).toHaveLength(1);
  expect(((lost[0] as PromiseRejectedResult).reason as ProblemError).status).toBe(409);
  expect((won[0] as PromiseFulfilledResult<InstanceView>).value).toMatchObject({ status: 'RUNNING', version: 2 });

  // The patched amount is what the re-run step priced.
  expect(await answerCharge(b, 'complete')).toEqual({ total: 10 });
  const done = await b.client.getInstance('order-1', '5s');
  expect(done).toMatchObject({ status: 'COMPLETED', version: 2 });
  expect(done.data).toMatchObject({ amount: 5, total: 10, receipt: 'R-10' });

  const history: HistoryView[] = await a().client.history('order-1');
  const retried = history.filter((e) => e.type === 'InstanceRetried');
  expect(retried).toHaveLength(1);
  expect(retried[0]).toMatchObject({
    step: 'price',
    details: { from: 'price', failedAt: 'charge', patch: { amount: 5 }, version: 2, by: 'ops', reason: 'card limit raised' },
  });
  // The re-run step ran again after the retry.
  const after = history.slice(history.indexOf(retried[0]!));
  expect(after.filter((e) => e.type === 'StepStarted').map((e) => e.step)).toEqual(['price', 'charge', 'receipt']);
});

it('gives the same from the command line: a dry run, then the retry', async () => {
  await failedInstance('cli-1');
  const env = { SEGUE_API_KEY: OPERATOR };
  const dry = await runCli(['retry', 'cli-1', '--from', 'price', '--patch', '{"amount":2}', '--dry-run', '--server', a().url], env);
  expect(dry.stderr).toBe('');
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/^would run +step price \(version \d+\), not charge where it failed$/m);
  expect(dry.stdout).toMatch(/^changes +\/amount$/m);
  const bad = await runCli(['retry', 'cli-1', '--patch', '[1]', '--server', a().url], env);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('--patch takes a JSON object');
  const run = await runCli(['retry', 'cli-1', '--from', 'price', '--patch', '{"amount":2}', '--server', a().url], env);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^status +RUNNING$/m);
  expect(await answerCharge(a(), 'complete')).toEqual({ total: 4 });
});
