/**
 * The store writes of one transition, gathered from one or more decisions before it is committed.
 * A task or timer created and done with inside the same draft is never written at all.
 */
import { lifecycleEvents } from './events/lifecycle-events.js';
import type { EagerLeases } from './leases.js';
import type { HistoryEvent, InstanceRecord, TaskRecord, TimerRecord, Transition } from './store/port.js';

export class TransitionDraft {
  readonly history: HistoryEvent[] = [];
  readonly createTasks: TaskRecord[] = [];
  readonly createTimers: TimerRecord[] = [];
  readonly createInstances: InstanceRecord[] = [];
  private readonly removedTasks = new Set<string>();
  private readonly removedTimers = new Set<string>();
  /** Ids created and done with in this draft: removing them again writes nothing. */
  private readonly dropped = new Set<string>();
  /** Tasks of this draft leased to this process whose handlers already run (started before the commit). */
  readonly running = new Set<string>();
  /** Tasks of this draft leased to remote workers, by id: theirs once the draft is committed. (Made when first needed: most drafts have none.) */
  private eager: Map<string, EagerLeases> | undefined;
  private eagerSettled = false;

  leaseEagerly(taskId: string, to: EagerLeases): void {
    (this.eager ??= new Map()).set(taskId, to);
  }

  isEager(taskId: string): boolean {
    return this.eager?.has(taskId) ?? false;
  }

  /**
   * Hands the eagerly leased tasks to their workers once the draft is `written`; gives back the
   * leases of those it dropped meanwhile, or of all when it is not written.
   */
  settleEager(written: boolean): void {
    if (this.eagerSettled || !this.eager) return;
    this.eagerSettled = true;
    for (const [id, to] of this.eager) {
      const task = written ? this.createTasks.find((t) => t.id === id) : undefined;
      if (task) to.deliver(task);
      else to.release();
    }
  }

  removeTask(id: string): void {
    this.remove(this.createTasks, this.removedTasks, id);
  }

  removeTimer(id: string): void {
    this.remove(this.createTimers, this.removedTimers, id);
  }

  private remove(created: { id: string }[], removed: Set<string>, id: string): void {
    const i = created.findIndex((x) => x.id === id);
    if (i >= 0) {
      created.splice(i, 1);
      this.dropped.add(id);
    } else if (!this.dropped.has(id)) removed.add(id);
  }

  isEmpty(): boolean {
    return (
      this.history.length + this.createTasks.length + this.createTimers.length + this.createInstances.length + this.removedTasks.size + this.removedTimers.size ===
      0
    );
  }

  /** Tasks leased to this process whose handlers are still to be started once the draft is committed. */
  leasedToStart(): TaskRecord[] {
    return this.createTasks.filter((t) => t.status === 'LEASED' && !this.running.has(t.id) && !this.isEager(t.id));
  }

  /** The draft as one transition to `record`; its lifecycle events with it, step events only `stepEvents`. */
  toTransition(record: InstanceRecord, expectedRev: number, stateJson: string, stepEvents: boolean): Transition {
    return {
      record,
      expectedRev,
      stateJson,
      history: this.history,
      createTasks: this.createTasks,
      removeTasks: [...this.removedTasks],
      createTimers: this.createTimers,
      removeTimers: [...this.removedTimers],
      createInstances: this.createInstances,
      events: lifecycleEvents(record, this.history, stepEvents),
    };
  }
}
