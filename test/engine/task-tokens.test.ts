/**
 * Task tokens on an embedded engine: an in-process handler that sends its token back itself
 * before returning (the usual Lambda pattern), an output too large to keep, and secrets in what
 * is sent back.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { SegueError } from '../../engine/errors.js';
import type { Engine } from '../../engine/engine.js';
import { testEngine } from '../helpers/engine.js';

const APPROVE = JSON.stringify({
  StartAt: 'Approve',
  States: {
    Approve: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { 'token.$': '$$.Task.Token' },
      TimeoutSeconds: 300,
      ResultPath: '$.approval',
      End: true,
    },
  },
});

async function engineWith(handler: (token: string, engine: Engine) => Promise<Json>, options: Parameters<typeof testEngine>[1] = {}) {
  let engine: Engine | undefined;
  const t = await testEngine({ 'lambda:invoke': (input) => handler((input as { token: string }).token, engine!) }, options);
  engine = t.engine;
  await engine.register(APPROVE, 'approve.asl.json');
  return t;
}

describe('task tokens on an embedded engine', () => {
  it("takes the token a handler sends back before it returns; the handler's own result, now stale, changes nothing", async () => {
    const t = await engineWith(async (token, engine) => {
      await engine.taskTokens.succeed(token, { by: 'callback' });
      return { by: 'handler' };
    });
    const id = await t.run('approve', {});
    expect(await t.engine.getInstance(id)).toMatchObject({ status: 'COMPLETED', output: { approval: { by: 'callback' } } });
    await t.engine.stop();
  });

  it('refuses an output over the payload limit with LIMIT_EXCEEDED and leaves the step waiting', async () => {
    const tokens: string[] = [];
    const t = await engineWith(async (token) => {
      tokens.push(token);
      return null;
    }, { engine: { limits: { maxPayloadBytes: 1_000 } } });
    const id = await t.run('approve', {});
    const refused = await t.engine.taskTokens.succeed(tokens[0]!, 'x'.repeat(2_000)).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SegueError);
    expect(refused).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/^the output sent with the task token is /) });
    expect((await t.engine.getInstance(id)).current).toMatchObject([{ step: 'Approve', waiting: 'callback' }]);
    await t.engine.taskTokens.succeed(tokens[0]!, 'small');
    expect(await t.engine.getInstance(id)).toMatchObject({ status: 'COMPLETED', output: { approval: 'small' } });
    await t.engine.stop();
  });

  it('keeps secrets out of what is sent back, as out of task results', async () => {
    const tokens: string[] = [];
    const t = await engineWith(async (token) => {
      tokens.push(token);
      return null;
    }, { engine: { secrets: { api_key: 'sk-live-1234567890' } } });
    const id = await t.run('approve', {});
    await t.engine.taskTokens.fail(tokens[0]!, { error: 'Denied', cause: 'the key sk-live-1234567890 was refused' });
    const view = await t.engine.getInstance(id);
    expect(view).toMatchObject({ status: 'FAILED', error: { error: 'Denied' } });
    expect(view.error!.message).not.toContain('sk-live-1234567890');
    await t.engine.stop();
  });
});
