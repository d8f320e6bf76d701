/** `workflow`: starts a child instance and waits for it to end, with an optional timeout. */
import type { WorkflowStep } from '../../definitions/model.js';
import { startTimer, type StepHandler } from '../context.js';
import type { Command } from '../model.js';

export const workflow: StepHandler<WorkflowStep> = {
  async enter(d, frame, step) {
    const input = step.input ? await step.input.evaluate(frame.data, d.bindings(frame)) : frame.data;
    // Step names may hold spaces; ids travel in URLs, so keep them to a safe alphabet.
    const childId = `${d.record.id}.${step.name.replace(/[^A-Za-z0-9_.-]/g, '-')}.${d.run}-${++d.state.ids}`;
    const command: Extract<Command, { type: 'startChild' }> = { type: 'startChild', childId, workflow: step.workflow, input };
    if (step.version !== undefined) command.version = step.version;
    d.commands.push(command);
    frame.wait = { kind: 'child', childId };
    if (step.timeoutMs !== undefined) frame.wait.timerId = startTimer(d, 'c', d.now + step.timeoutMs);
    d.log('ChildStarted', step.name, { childId, workflow: step.workflow, attempt: frame.attempt });
  },
};
