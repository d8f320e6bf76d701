/** `http`: the engine's HTTP executor makes the call, as a task of the reserved type `$http`. */
import type { HttpStep } from '../../definitions/model.js';
import { awaitTask, httpRequest, type StepHandler } from '../context.js';
import { HTTP_TASK_TYPE } from '../model.js';

export const http: StepHandler<HttpStep> = {
  async enter(d, frame, step) {
    const input = await httpRequest(d, frame, step);
    awaitTask(d, frame, { step: step.name, type: HTTP_TASK_TYPE, queue: HTTP_TASK_TYPE, input, timeoutMs: step.timeoutMs });
  },
};
