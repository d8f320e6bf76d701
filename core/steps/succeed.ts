/** `succeed`: the frame ends here, with the data or the `value` template as its output. */
import type { SucceedStep } from '../../definitions/model.js';
import type { StepHandler } from '../context.js';
import { finishFrame } from '../flow.js';

export const succeed: StepHandler<SucceedStep> = {
  async enter(d, frame, step) {
    const output = step.value ? await step.value.evaluate(frame.data, d.bindings(frame)) : frame.data;
    d.log('StepCompleted', step.name);
    return finishFrame(d, frame, output);
  },
};
