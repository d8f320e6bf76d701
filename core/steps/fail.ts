/** `fail`: the frame fails with the declared error; no catch rule of its own applies. */
import type { FailStep } from '../../definitions/model.js';
import type { StepHandler } from '../context.js';
import { failFrame } from '../flow.js';
import { errorInfo, hookEnvironment } from '../hooks.js';

export const fail: StepHandler<FailStep> = {
  async enter(d, frame, step) {
    if (step.hooks?.failure) {
      const error = await step.hooks.failure(frame.data, hookEnvironment(d, frame, step));
      d.log('StepCompleted', step.name);
      return failFrame(d, frame, errorInfo(error, step.name));
    }
    const message = step.message ? String(await step.message.evaluate(frame.data, d.bindings(frame))) : '';
    d.log('StepCompleted', step.name);
    return failFrame(d, frame, { error: step.error, message, step: step.name, retryable: false });
  },
};
