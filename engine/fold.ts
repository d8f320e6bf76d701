/**
 * A commit in the making: the inputs posted to an instance, and the decisions on them gathered
 * (the fold) before one compare-and-swap writes them all.
 */
import type { Plan } from '../definitions/model.js';
import type { EngineInput } from '../core/model.js';
import type { Consumed } from './inputs.js';
import type { EagerLeases } from './leases.js';
import type { InstanceRecord } from './store/port.js';
import type { TransitionDraft } from './transition-draft.js';

/** An input, what it consumed, and who takes the tasks it schedules when nobody in this process does. */
export interface Posted {
  input: EngineInput;
  consumed: Consumed;
  eager?: EagerLeases;
  /** The try of this delivery is written already (a redelivered input, marked before it is applied). */
  tried?: boolean;
}

/** Decisions gathered for one commit: the record as it stands after them, and their writes. */
export interface Fold {
  plan: Plan;
  record: InstanceRecord;
  draft: TransitionDraft;
}

/** The timer or task an input consumes is removed with its commit, whatever the outcome. */
export function consume(draft: TransitionDraft, consumed: Consumed): void {
  if (consumed.taskId) draft.removeTask(consumed.taskId);
  if (consumed.timerId) draft.removeTimer(consumed.timerId);
}
