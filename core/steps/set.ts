/** `set`: writes values into the data, then goes on. */
import type { SetStep } from '../../definitions/model.js';
import type { StepHandler } from '../context.js';
import { setPath } from '../data.js';
import { completeStep, goto } from '../flow.js';

export const set: StepHandler<SetStep> = {
  async enter(d, frame, step) {
    // A step with hooks (an ASL Pass) makes its output from its input alone.
    if (step.hooks) return completeStep(d, frame, step, undefined);
    const b = d.bindings(frame);
    for (const { path, value } of step.values) frame.data = setPath(frame.data, path, await value.evaluate(frame.data, b));
    d.log('StepCompleted', step.name);
    return goto(d, frame, step.next);
  },
};
