/** `compensate`: runs the compensations registered so far, then goes on (or the instance fails). */
import type { CompensateStep } from '../../definitions/model.js';
import type { StepHandler } from '../context.js';
import { goto } from '../flow.js';
import { beginCompensation } from '../saga.js';

export const compensate: StepHandler<CompensateStep> = {
  async enter(d, frame) {
    frame.wait = { kind: 'compensation' };
    return beginCompensation(d, { reason: 'step', resumeFrames: [frame.id] });
  },
  async compensated(d, frame, step) {
    d.log('StepCompleted', frame.step);
    return goto(d, frame, step.next);
  },
};
