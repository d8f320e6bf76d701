/** `choice`: the first condition that holds names the next step; else `otherwise`, else `next`. */
import { END, type ChoiceStep, type Json } from '../../definitions/model.js';
import type { StepHandler } from '../context.js';
import { goto } from '../flow.js';
import { applyOutcome, hookEnvironment } from '../hooks.js';

export const choice: StepHandler<ChoiceStep> = {
  async enter(d, frame, step) {
    if (step.hooks?.choose) {
      const chosen = await step.hooks.choose(frame.data, hookEnvironment(d, frame, step));
      applyOutcome(frame, chosen);
      d.log('StepCompleted', step.name, { next: chosen.next });
      return goto(d, frame, chosen.next);
    }
    const b = d.bindings(frame);
    let target = step.otherwise ?? step.next;
    for (const option of step.choices) {
      if (truthy(await option.when.evaluate(frame.data, b))) {
        target = option.next;
        break;
      }
    }
    d.log('StepCompleted', step.name, { next: target === END ? 'end' : target });
    return goto(d, frame, target);
  },
};

/** JSONata's notion of truth (`$boolean`). */
export function truthy(value: Json | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => truthy(v));
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}
