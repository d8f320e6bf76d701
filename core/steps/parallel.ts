/** `parallel`: a branch per declared scope, each on its own copy of the data; joined by name. */
import type { Json, ParallelStep } from '../../definitions/model.js';
import type { StepHandler } from '../context.js';
import { copyJson } from '../data.js';
import { completeStep } from '../flow.js';
import { hookEnvironment } from '../hooks.js';
import type { Join } from '../model.js';
import { abortJoin, fork, leave } from './join.js';

export const parallel: StepHandler<ParallelStep> = {
  async enter(d, frame, step) {
    const join: Join = { kind: 'parallel', running: [], results: {} };
    frame.wait = { kind: 'join' };
    // With hooks (ASL), each branch starts from the step's effective input.
    const input = step.hooks?.input ? await step.hooks.input(frame.data, hookEnvironment(d, frame, step)) : frame.data;
    frame.join = join;
    for (const branch of step.branches) {
      const child = fork(d, frame, branch.scope, copyJson(input));
      child.branch = branch.name;
      join.running.push(child.id);
    }
  },

  async childEnded(d, parent, step, child, end) {
    leave(parent, child);
    if ('error' in end) return abortJoin(d, parent, step, { ...end.error, branch: child.branch! });
    const join = parent.join!;
    join.results[child.branch!] = end.output;
    if (join.running.length > 0) return;
    // Branches finish in any order; the result lists them as the definition declares them.
    if (step.hooks) return completeStep(d, parent, step, step.branches.map((b) => join.results[b.name] ?? null));
    const results: Record<string, Json> = {};
    for (const branch of step.branches) results[branch.name] = join.results[branch.name] ?? null;
    return completeStep(d, parent, step, results);
  },
};
