/** `succeed`: the frame ends here, with the data or the `value` template as its output. */
import type { SucceedStep } from '../../definitions/model.js';
import type { StepHandler } from '../context.js';
import { finishFrame } from '../flow.js';
import { applyOutcome, hookEnvironment } from '../hooks.js';

export const succeed: StepHandler<SucceedStep> = {
  async enter(d, frame, step) {
    if (step.hooks) {
      applyOutcome(frame, await step.hooks.output(frame.data, undefined, hookEnvironment(d, frame, step)));
      d.log('StepCompleted', step.name);
      return finishFrame(d, frame, frame.data);
    }
    const output = step.value ? await step.value.evaluate(frame.data, d.bindings(frame)) : frame.data;
    d.log('StepCompleted', step.name);
    return finishFrame(d, frame, output);
  },
};
