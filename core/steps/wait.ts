/** `wait`: for an event (a buffered one is taken at once), with an optional timeout. */
import type { Json, WaitStep } from '../../definitions/model.js';
import { startTimer, type StepHandler } from '../context.js';
import { completeStep } from '../flow.js';

export const wait: StepHandler<WaitStep> = {
  async enter(d, frame, step) {
    const buffered = d.state.inbox.findIndex((e) => e.event === step.event);
    if (buffered >= 0) {
      const [event] = d.state.inbox.splice(buffered, 1);
      d.log('EventConsumed', step.name, { event: step.event, buffered: true });
      return completeStep(d, frame, step, event!.payload);
    }
    const key = step.correlate ? correlationKey(await step.correlate.evaluate(frame.data, d.bindings(frame))) : null;
    frame.wait = { kind: 'event', event: step.event, key };
    if (step.timeoutMs !== undefined) frame.wait.timerId = startTimer(d, 'w', d.now + step.timeoutMs);
    d.log('EventAwaited', step.name, key === null ? { event: step.event } : { event: step.event, key });
  },
};

/** Correlation keys are compared as strings: `"42"` and `42` find the same wait. */
function correlationKey(value: Json | undefined): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
