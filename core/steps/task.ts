/** `task`: a worker runs it; the frame waits for the result. */
import type { TaskStep } from '../../definitions/model.js';
import { awaitTask, type StepHandler } from '../context.js';
import { hookEnvironment } from '../hooks.js';

export const task: StepHandler<TaskStep> = {
  async enter(d, frame, step) {
    if (step.hooks?.input) {
      const env = hookEnvironment(d, frame, step);
      const input = await step.hooks.input(frame.data, env);
      const limits = step.hooks.limits ? await step.hooks.limits(input, env) : {};
      return awaitTask(d, frame, { step: step.name, type: step.task, queue: step.queue, input, ...limits });
    }
    const input = step.input ? await step.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
    awaitTask(d, frame, { step: step.name, type: step.task, queue: step.queue, input, timeoutMs: step.timeoutMs, heartbeatMs: step.heartbeatMs });
  },
};
