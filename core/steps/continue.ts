/** `continue`: ends this run; `decide` starts the next one under the same id with the evaluated input. */
import type { ContinueStep } from '../../definitions/model.js';
import { cancelAllFrames, type StepHandler } from '../context.js';

export const continueAsNew: StepHandler<ContinueStep> = {
  async enter(d, frame, step) {
    const input = step.input ? await step.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
    delete d.state.frames[frame.id];
    cancelAllFrames(d, 'continued as new');
    d.continueWith = input;
    d.log('ContinuedAsNew', step.name);
  },
};
