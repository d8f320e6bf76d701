/**
 * Writes a transition's draft to the store and, once it is durable, carries out what it hands on:
 * the record kept for the next input, the run slot of a run that ended, the local notifications,
 * and the tasks leased to this process or to a remote worker. A draft not written gives its
 * leases back.
 */
import type { RunSlotGate } from './concurrency.js';
import type { HeldTasks } from './inline-chains.js';
import type { LocalLeases } from './leases.js';
import type { Notifier } from './notifier.js';
import type { RecordCache } from './record-cache.js';
import { TERMINAL_STATUSES, type Store, type Transition } from './store/port.js';
import type { TransitionDraft } from './transition-draft.js';

export interface TransitionWriterOptions {
  store: Store;
  /** Where a committed record is kept for the next input to its instance. */
  records: RecordCache;
  notifier: Notifier;
  localLeases: LocalLeases | undefined;
  slots: RunSlotGate | undefined;
}

/** Set when the write is done, so that a caller whose listener throws after it does not write again. */
export interface WriteProgress {
  written: boolean;
}

export class TransitionWriter {
  constructor(private readonly options: TransitionWriterOptions) {}

  /** Commits `transition` if the instance is still at its expectedRev (compare-and-swap). */
  update(transition: Transition, draft: TransitionDraft, held?: HeldTasks, progress?: WriteProgress): Promise<boolean> {
    return this.write(transition, draft, () => this.options.store.commitTransition(transition), held, progress);
  }

  /** Creates the instance of `transition`; false when one with its id exists already. */
  create(transition: Omit<Transition, 'expectedRev'>, draft: TransitionDraft, held?: HeldTasks): Promise<boolean> {
    return this.write(transition, draft, () => this.options.store.createInstance(transition), held);
  }

  /** The draft will not be written: the leases reserved for its tasks are given back. */
  discard(draft: TransitionDraft): void {
    const reserved = draft.leasedToStart().length;
    if (reserved > 0) this.options.localLeases?.release(reserved);
    draft.settleEager(false);
  }

  /**
   * Writes `transition` with `put`; once it is durable, keeps its record, announces it and runs
   * the tasks it leased to this process (but those `held` back). When it is not written, those
   * leases are given back.
   */
  private async write(
    transition: Omit<Transition, 'expectedRev'>,
    draft: TransitionDraft,
    put: () => Promise<boolean>,
    held?: HeldTasks,
    progress?: WriteProgress,
  ): Promise<boolean> {
    let written = false;
    try {
      written = await put();
    } finally {
      if (!written) this.discard(draft);
    }
    if (!written) return false;
    if (progress) progress.written = true;
    this.options.records.keep(transition.record);
    draft.settleEager(true);
    // A failure here leaves the slot to the sweep.
    if (TERMINAL_STATUSES.has(transition.record.status)) void this.options.slots?.ended(transition.record).catch(() => undefined);
    try {
      this.announce(transition);
    } finally {
      for (const task of draft.leasedToStart()) if (!held?.hold(task)) this.options.localLeases!.runLeased(task);
    }
    return true;
  }

  private announce(t: Omit<Transition, 'expectedRev'>): void {
    const n = this.options.notifier;
    // Only queued tasks wait for a poll; leased ones went to their worker with the commit.
    for (const task of t.createTasks) if (task.status === 'QUEUED') n.emit('tasks', task.queue);
    if (t.createTimers.length > 0) n.emit('timers', Math.min(...t.createTimers.map((x) => x.dueAt)));
    n.emit('instance', t.record, t.history);
    if (t.events && t.events.length > 0) n.emit('events', t.events);
    if (TERMINAL_STATUSES.has(t.record.status)) n.emit(`finished:${t.record.id}`, t.record);
  }
}
