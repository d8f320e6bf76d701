/**
 * Task tokens sent back from outside: the result, the failure or a heartbeat of a task step that
 * waits for a callback (ASL's SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat). A token
 * names its instance, so it goes straight there and is applied like any input: two engines given
 * the same token at once both decide, one commits (compare-and-swap on the instance), and the
 * other, deciding again on what was committed, finds no step waiting for it any more.
 */
import type { Json } from '../definitions/model.js';
import { instanceOfCallbackToken } from '../core/callback-token.js';
import type { CallbackInput, ErrorInfo } from '../core/model.js';
import { SegueError } from './errors.js';
import { checkPayload, type Limits } from './limits.js';
import type { InputPort } from './inputs.js';
import { concealSecrets, concealText, type Secrets } from './secrets.js';
import type { TaskTokenFailure } from '../protocol/tasks.js';

export class TaskTokens {
  constructor(
    private readonly inputs: Pick<InputPort, 'apply'>,
    private readonly secrets: Secrets,
    private readonly limits: Pick<Limits, 'maxPayloadBytes'>,
  ) {}

  /** The step's result is `output`. */
  async succeed(token: string, output: Json): Promise<void> {
    checkPayload('the output sent with the task token', output, this.limits);
    return this.send({ type: 'callbackSucceeded', token, output: concealSecrets(output, this.secrets) });
  }

  /** The step fails with this error (an absent name is the empty one, as a Fail state without Error gives). */
  async fail(token: string, failure: TaskTokenFailure): Promise<void> {
    const error: ErrorInfo = { error: failure.error ?? '', message: concealText(failure.cause ?? '', this.secrets) };
    return this.send({ type: 'callbackFailed', token, error });
  }

  /** The step's heartbeat clock starts again. */
  async heartbeat(token: string): Promise<void> {
    return this.send({ type: 'callbackHeartbeat', token });
  }

  private async send(input: CallbackInput): Promise<void> {
    const instanceId = instanceOfCallbackToken(input.token);
    if (instanceId === null) throw new SegueError('NOT_FOUND', 'no task has this token (TaskDoesNotExist): it names no instance; send back the token exactly as the step gave it');
    let outcome;
    try {
      ({ outcome } = await this.inputs.apply(instanceId, input));
    } catch (err) {
      if (err instanceof SegueError && err.code === 'NOT_FOUND') {
        throw new SegueError('NOT_FOUND', `no task has this token (TaskDoesNotExist): the instance it names, "${instanceId}", does not exist`);
      }
      throw err;
    }
    if (outcome.kind === 'stale') throw new SegueError('STALE_TOKEN', `this task token is no longer current (TaskTimedOut): ${outcome.reason}`);
  }
}
