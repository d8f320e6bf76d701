/** `task`: a worker runs it; the frame waits for the result. */
import type { TaskStep } from '../../definitions/model.js';
import { awaitTask, type StepHandler } from '../context.js';

export const task: StepHandler<TaskStep> = {
  async enter(d, frame, step) {
    const input = step.input ? await step.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
    awaitTask(d, frame, { step: step.name, type: step.task, queue: step.queue, input, timeoutMs: step.timeoutMs, heartbeatMs: step.heartbeatMs });
  },
};
