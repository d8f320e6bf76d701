/** `task`: a worker runs it; the frame waits for the result, or, for a callback step, for its token to come back. */
import type { TaskStep } from '../../definitions/model.js';
import { awaitCallback, callbackToken } from '../callbacks.js';
import { awaitTask, type Decision, type StepHandler, type TaskRequest } from '../context.js';
import type { Frame } from '../model.js';
import { hookEnvironment } from '../hooks.js';

export const task: StepHandler<TaskStep> = {
  async enter(d, frame, step) {
    // Made before the input: the step's input may pass the token on to its worker.
    const token = step.callback ? callbackToken(d) : undefined;
    if (step.hooks?.input) {
      const env = hookEnvironment(d, frame, step, token);
      const input = await step.hooks.input(frame.data, env);
      const limits = step.hooks.limits ? await step.hooks.limits(input, env) : {};
      return schedule(d, frame, { step: step.name, type: step.task, queue: step.queue, input, ...limits }, token);
    }
    const input = step.input ? await step.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
    schedule(d, frame, { step: step.name, type: step.task, queue: step.queue, input, timeoutMs: step.timeoutMs, heartbeatMs: step.heartbeatMs }, token);
  },
};

function schedule(d: Decision, frame: Frame, request: Omit<TaskRequest, 'attempt'>, token: string | undefined): void {
  if (token === undefined) awaitTask(d, frame, request);
  else awaitCallback(d, frame, request, token);
}
