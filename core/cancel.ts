/** Abandoning frames: their pending tasks, timers and children are withdrawn. */
import type { Decision } from './context.js';
import type { Wait } from './model.js';

/** Cancels frame `id` and everything forked from it. Registered compensations stay registered. */
export function cancelFrame(d: Decision, id: string, reason: string, mode: 'cancel' | 'terminate' = 'cancel'): void {
  const frame = d.frame(id);
  if (!frame) return;
  for (const child of Object.values(d.state.frames)) {
    if (child.parent === id) cancelFrame(d, child.id, reason, mode);
  }
  if (frame.wait) withdraw(d, frame.wait, reason, mode);
  delete d.state.frames[id];
  d.log('StepCancelled', frame.step, { reason });
}

/** Cancels every frame of the run. */
export function cancelAllFrames(d: Decision, reason: string, mode: 'cancel' | 'terminate' = 'cancel'): void {
  for (const frame of Object.values(d.state.frames)) {
    if (frame.parent === undefined) cancelFrame(d, frame.id, reason, mode);
  }
}

function withdraw(d: Decision, wait: Wait, reason: string, mode: 'cancel' | 'terminate'): void {
  switch (wait.kind) {
    case 'task':
      d.commands.push({ type: 'removeTask', taskId: wait.taskId });
      return;
    case 'retry':
    case 'delay':
      d.commands.push({ type: 'removeTimer', timerId: wait.timerId });
      return;
    case 'event':
      if (wait.timerId) d.commands.push({ type: 'removeTimer', timerId: wait.timerId });
      return;
    case 'child':
      if (wait.timerId) d.commands.push({ type: 'removeTimer', timerId: wait.timerId });
      d.commands.push({
        type: 'message',
        instanceId: wait.childId,
        messageId: `${wait.childId}:${mode}`,
        input: { type: mode, reason },
      });
      return;
    case 'join':
    case 'compensation':
      return;
  }
}
