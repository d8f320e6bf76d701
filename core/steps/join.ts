/** What `parallel` and `map` share: forking child frames and giving up on the rest when one fails. */
import type { Json, MapStep, ParallelStep } from '../../definitions/model.js';
import { cancelFrame, type Decision } from '../context.js';
import { failStep } from '../flow.js';
import type { ErrorInfo, Frame } from '../model.js';

/** A new frame over `scope`, forked from `parent` with its own data, ready to run. */
export function fork(d: Decision, parent: Frame, scope: string, data: Json): Frame {
  const child: Frame = { id: d.newId('f'), parent: parent.id, scope, step: d.firstStep(scope), data, attempt: 1 };
  d.state.frames[child.id] = child;
  d.markReady(child);
  return child;
}

/** `child` no longer runs for its parent's join. */
export function leave(parent: Frame, child: Frame): void {
  parent.join!.running = parent.join!.running.filter((id) => id !== child.id);
}

/** The first failure past tolerance cancels the siblings still running; the step fails with it. */
export async function abortJoin(d: Decision, parent: Frame, step: ParallelStep | MapStep, error: ErrorInfo): Promise<void> {
  for (const id of parent.join!.running) cancelFrame(d, id, `${parent.step} failed`);
  await failStep(d, parent, step, error);
}
