/**
 * ASL's `.waitForTaskToken` over real HTTP: a worker takes the task and finds the token in its
 * input, the step waits on after the worker's result, and the token sent back to
 * POST /v1/task-tokens/{token}/success|failure|heartbeat ends it (or keeps it alive). On a real
 * `segue serve` process (two of them on one SQLite file for the token sent to both at once), and,
 * for the heartbeat timeout, on an engine with a manual clock behind the same API.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../api/app.js';
import { ProblemError, SegueClient, type ClaimedTask } from '../../client/http-client.js';
import { ManualClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { finishedOn, http, runCli, serverForFile, startServer } from '../helpers/server.js';

const TYPE = 'sqs:sendMessage';

function approval(settings: object, catchers: object[], extra: object = {}): string {
  return JSON.stringify({
    StartAt: 'Approve',
    States: {
      Approve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { 'order.$': '$.order', 'token.$': '$$.Task.Token' },
        ...settings,
        ResultPath: '$.approval',
        Catch: catchers,
        Next: 'Done',
      },
      Done: { Type: 'Pass', End: true },
      ...extra,
    },
  });
}

/** What a worker of the task does: takes it (the token is in its input), and reports that it handed it on. */
async function dispatch(client: SegueClient, order: string): Promise<string> {
  const [task] = (await client.poll({ types: [TYPE], worker: 'queue-writer', wait: '10s' })) as ClaimedTask[];
  expect(task, `a task for ${order}`).toBeDefined();
  const input = task!.input as { order: string; token: string };
  expect(input.order).toBe(order);
  await client.complete(task!.token, { MessageId: `M-${order}` });
  return input.token;
}

async function refusal(call: Promise<unknown>): Promise<ProblemError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProblemError);
  return err as ProblemError;
}

describe('task tokens on a segue serve process', () => {
  const server = serverForFile();
  let client: SegueClient;

  beforeAll(async () => {
    client = server().client;
    const catchers = [{ ErrorEquals: ['Rejected'], ResultPath: '$.rejection', Next: 'Declined' }];
    await client.registerWorkflow(approval({ TimeoutSeconds: 3600 }, catchers, { Declined: { Type: 'Fail', Error: 'OrderDeclined', CausePath: '$.rejection.Cause' } }), 'application/json', 'approval');
  });

  it("takes the output sent with the token as the step's result, after the worker's own result left it waiting", async () => {
    await client.startInstance('approval', { id: 'A-1', input: { order: 'A-1' } });
    const token = await dispatch(client, 'A-1');
    const waiting = await client.getInstance('A-1');
    expect(waiting.status).toBe('RUNNING');
    expect(waiting.current).toMatchObject([{ step: 'Approve', waiting: 'callback' }]);
    await client.sendTaskHeartbeat(token);
    await client.sendTaskSuccess(token, { approved: true, by: 'ada' });
    const done = await finishedOn(client, 'A-1');
    expect(done).toMatchObject({ status: 'COMPLETED', output: { order: 'A-1', approval: { approved: true, by: 'ada' } } });

    // Used: refused, and the instance stays as it was.
    const before = await client.history('A-1');
    const again = await refusal(client.sendTaskSuccess(token, { approved: false }));
    expect(again.status).toBe(409);
    expect(again.detail).toMatch(/^this task token is no longer current \(TaskTimedOut\): instance A-1 is COMPLETED/);
    expect((await refusal(client.sendTaskHeartbeat(token))).status).toBe(409);
    expect(await client.history('A-1')).toEqual(before);
    expect(await client.getInstance('A-1')).toMatchObject({ status: 'COMPLETED', output: { approval: { approved: true } } });
  });

  it('fails the step with the error and cause sent with the token, which its Catch rule takes', async () => {
    await client.startInstance('approval', { id: 'B-1', input: { order: 'B-1' } });
    const token = await dispatch(client, 'B-1');
    await client.sendTaskFailure(token, { error: 'Rejected', cause: 'out of stock' });
    const done = await finishedOn(client, 'B-1');
    expect(done).toMatchObject({ status: 'FAILED', error: { error: 'OrderDeclined', message: 'out of stock' } });
  });

  it('answers 400 to what is no token, 404 to a token of no instance, 409 to a token no step waits for, and changes nothing', async () => {
    await client.startInstance('approval', { id: 'C-1', input: { order: 'C-1' } });
    const token = await dispatch(client, 'C-1');
    const before = await client.getInstance('C-1');

    const malformed = await http(server().url, 'POST', '/v1/task-tokens/not-a-token/success', JSON.stringify({ output: 1 }));
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ type: 'https://segue.dev/problems/request-invalid', detail: expect.stringContaining('"token"') });

    const [encoded, nonce] = token.split('.') as [string, string];
    const nameless = await refusal(client.sendTaskSuccess(`${Buffer.from('no wait id').toString('base64url')}.${nonce}`, 1));
    expect(nameless.status).toBe(404);
    expect(nameless.detail).toMatch(/^no task has this token \(TaskDoesNotExist\): it names no instance/);
    const elsewhere = `${Buffer.from('Z-9:1:cb1').toString('base64url')}.${nonce}`;
    const missing = await refusal(client.sendTaskSuccess(elsewhere, 1));
    expect(missing.status).toBe(404);
    expect(missing.detail).toBe('no task has this token (TaskDoesNotExist): the instance it names, "Z-9", does not exist');

    const guessed = `${encoded}.${nonce.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`;
    for (const send of [() => client.sendTaskSuccess(guessed, 1), () => client.sendTaskFailure(guessed, { error: 'X' }), () => client.sendTaskHeartbeat(guessed)]) {
      const stale = await refusal(send());
      expect(stale.status).toBe(409);
      expect(stale.detail).toMatch(/no step waits for this task token/);
    }
    expect(await client.getInstance('C-1')).toEqual(before);
    await client.sendTaskSuccess(token, 'ok');
    expect(await finishedOn(client, 'C-1')).toMatchObject({ status: 'COMPLETED', output: { approval: 'ok' } });
  });

  it('sends a token back from the command line', async () => {
    await client.startInstance('approval', { id: 'D-1', input: { order: 'D-1' } });
    const token = await dispatch(client, 'D-1');
    const cli = await runCli(['task-token', 'success', token, '--output', '{"via":"cli"}', '--server', server().url]);
    expect(cli).toMatchObject({ code: 0, stdout: 'the step has its result\n' });
    expect(await finishedOn(client, 'D-1')).toMatchObject({ status: 'COMPLETED', output: { approval: { via: 'cli' } } });
    const late = await runCli(['task-token', 'heartbeat', token, '--server', server().url]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/TaskTimedOut/);
  });

  it('applies a token sent to two engines on one store at once exactly once', async () => {
    const second = await startServer(join(server().dir, 'segue.db'));
    try {
      for (const id of ['E-1', 'E-2', 'E-3']) {
        await client.startInstance('approval', { id, input: { order: id } });
        const token = await dispatch(client, id);
        const sent = await Promise.allSettled([client.sendTaskSuccess(token, { engine: 1 }), second.client.sendTaskSuccess(token, { engine: 2 })]);
        const accepted = sent.filter((s) => s.status === 'fulfilled');
        expect(accepted, id).toHaveLength(1);
        const refused = sent.find((s) => s.status === 'rejected') as PromiseRejectedResult;
        expect((refused.reason as ProblemError).status).toBe(409);
        const done = await finishedOn(client, id);
        expect(done.status).toBe('COMPLETED');
        const history = await client.history(id);
        expect(history.filter((e) => e.type === 'CallbackSucceeded')).toHaveLength(1);
        expect(history.filter((e) => e.type === 'InstanceCompleted')).toHaveLength(1);
      }
    } finally {
      await second.stop();
    }
  });
});

describe('task tokens and the heartbeat clock, on a manual clock behind the API', () => {
  const T0 = Date.parse('2026-03-01T10:00:00Z');
  const clock = new ManualClock(T0);
  let engine: Engine;
  let client: SegueClient;
  let close: () => Promise<void>;

  beforeAll(async () => {
    engine = await createEngine({ store: 'memory', clock });
    const catchers = [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.late', Next: 'Done' }];
    await engine.register(approval({ TimeoutSeconds: 60, HeartbeatSeconds: 10 }, catchers), 'approval.asl.json');
    const listener = createServer(engine).listen(0, '127.0.0.1');
    await once(listener, 'listening');
    client = new SegueClient({ url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}` });
    close = async () => {
      listener.close();
      await engine.stop();
    };
  });
  afterAll(() => close());

  /** Moves the clock to `ms` after T0 and fires what is due then. */
  async function at(ms: number): Promise<void> {
    clock.set(T0 + ms);
    await engine.timers.tick();
  }

  it('keeps the step while heartbeats come in time, and fails it with States.HeartbeatTimeout when they stop', async () => {
    await client.startInstance('approval', { id: 'H-1', input: { order: 'H-1' } });
    const token = await dispatch(client, 'H-1');
    await at(8_000);
    await client.sendTaskHeartbeat(token);
    await at(12_000); // past the first heartbeat deadline, not the second
    expect((await client.getInstance('H-1')).status).toBe('RUNNING');
    await at(17_000);
    await client.sendTaskHeartbeat(token);
    await at(26_000);
    expect((await client.getInstance('H-1')).status).toBe('RUNNING');
    await at(27_000); // 10 s after the last heartbeat
    const done = await client.getInstance('H-1');
    expect(done).toMatchObject({
      status: 'COMPLETED',
      output: { order: 'H-1', late: { Error: 'States.HeartbeatTimeout', Cause: 'no heartbeat came with the task token within 10s' } },
    });
    const late = await refusal(client.sendTaskHeartbeat(token));
    expect(late.status).toBe(409);
  });
});
