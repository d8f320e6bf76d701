/** `delay`: for a duration, or until a time an expression gives. */
import type { DelayStep } from '../../definitions/model.js';
import { ExpressionEvaluationError } from '../../definitions/expressions.js';
import { isTime, MAX_TIME_MS } from '../../definitions/duration.js';
import { preview, startTimer, type StepHandler } from '../context.js';
import { completeStep } from '../flow.js';
import { hookEnvironment } from '../hooks.js';

export const delay: StepHandler<DelayStep> = {
  async enter(d, frame, step) {
    let dueAt = d.now + (step.durationMs ?? 0);
    if (step.hooks?.waitUntil) dueAt = await step.hooks.waitUntil(frame.data, hookEnvironment(d, frame, step));
    else if (step.until) {
      const value = await step.until.evaluate(frame.data, d.bindings(frame));
      const time = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
      if (!isTime(time)) {
        const range = MAX_TIME_MS.toExponential().replace('+', '');
        const got = JSON.stringify(preview(value, 60));
        throw new ExpressionEvaluationError(step.until.source, `"until" must give an ISO time like 2026-01-31T09:00:00Z, or epoch milliseconds within ±${range} (the date range), got ${got}`);
      }
      dueAt = time;
    }
    if (dueAt <= d.now) return completeStep(d, frame, step, undefined);
    frame.wait = { kind: 'delay', timerId: startTimer(d, 'd', dueAt) };
    d.log('TimerStarted', step.name, { dueAt: new Date(dueAt).toISOString() });
  },
};
