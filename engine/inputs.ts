/**
 * What the runtime is given to apply (an input, and the task or timer it consumes), what it
 * answers, and the port through which the task queue and the timer loop hand it their inputs.
 */
import type { Outcome } from '../core/context.js';
import type { EngineInput } from '../core/model.js';
import type { EagerLeases } from './leases.js';
import type { Notifier } from './notifier.js';
import type { InstanceRecord, Store } from './store/port.js';

export interface ApplyResult {
  outcome: Outcome;
  record: InstanceRecord;
}

/** What one input consumed, removed in the same commit whatever the outcome. */
export interface Consumed {
  taskId?: string;
  timerId?: string;
  /**
   * A delivery of this input before this one did not finish (its timer, or the expired lease it
   * times out, was claimed again): its engine died, or its transition threw. Such an input is tried
   * on its own, its try written first, and its instance is set aside after too many.
   */
  redelivered?: boolean;
}

/** The runtime as the task queue and the timer loop use it. */
export interface InputPort {
  readonly store: Store;
  /** Where the runtime tells what each commit wrote. */
  readonly notifier: Notifier;
  now(): number;
  /**
   * Applies `input` to instance `id`. Tasks it schedules that no in-process worker takes are leased
   * to `eager` when it has room.
   */
  apply(id: string, input: EngineInput, consumed?: Consumed, eager?: EagerLeases): Promise<ApplyResult>;
}
