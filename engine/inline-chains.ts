/**
 * Inline chains: the in-process tasks a fold schedules, run before its commit, their results
 * decided on top of it, so that quick handlers in a row share one commit. What applyStepwise does
 * with such results when the fold went over a limit (HeldTasks) is here too.
 */
import type { EngineInput } from '../core/model.js';
import { leaseTo } from './command-records.js';
import type { Fold, Posted } from './fold.js';
import type { InlineRun, LocalLeases } from './leases.js';
import type { TaskRecord } from './store/port.js';

/** Most results of inline tasks and due timers folded into one commit. */
const MAX_INLINE_RESULTS = 1_000;

/** What the chain needs of the runtime. */
export interface ChainRuntime {
  readonly localLeases: LocalLeases | undefined;
  now(): number;
  /** Decides one input on top of the fold. */
  fold(f: Fold, posted: Posted): Promise<unknown>;
  /** Whether the record is over a limit as it stands. */
  isOverLimit(f: Fold): boolean;
}

interface Running {
  run: InlineRun;
  settled: Promise<void>;
  input?: EngineInput;
}

/**
 * Runs the in-process tasks the fold scheduled, and fires its timers that are already due (a
 * retry with no backoff), folding their results in as they come, for as long as the workers'
 * inline time allows. A handler still running then is detached: it reports after the commit.
 * A crash before the commit loses these results: the task leased in the last commit times out,
 * and its step's retry policy decides whether it runs again (with the steps after it).
 * Answers the inputs folded in, in order.
 */
export async function foldInline(f: Fold, runtime: ChainRuntime): Promise<Posted[]> {
  const leases = runtime.localLeases;
  const chained: Posted[] = [];
  if (!leases || leases.inlineMs <= 0) return chained;
  const deadline = performance.now() + leases.inlineMs;
  const runs = new Map<string, Running>();
  try {
    while (chained.length < MAX_INLINE_RESULTS) {
      const now = runtime.now();
      const due = f.draft.createTimers.find((t) => t.instanceId === f.record.id && t.dueAt <= now);
      if (due) {
        const posted = { input: due.input, consumed: { timerId: due.id } };
        chained.push(posted);
        await runtime.fold(f, posted);
        continue;
      }
      const toStart: TaskRecord[] = [];
      for (const task of f.draft.createTasks) {
        // A step with a heartbeat is long by nature; it runs once committed, as do tasks of other workers.
        if (runs.has(task.id) || f.draft.running.has(task.id) || task.heartbeatMs !== null || f.draft.isEager(task.id)) continue;
        if (task.status === 'QUEUED') {
          const lease = leases.reserve(task);
          if (!lease) continue;
          leaseTo(task, lease, now);
        }
        toStart.push(task);
      }
      // Nothing starts on a state over a limit: the step that broke it is to fail (applyStepwise),
      // so no step after it may run, even once.
      if (toStart.length > 0 && runtime.isOverLimit(f)) break;
      for (const task of toStart) {
        const run = leases.runInline(task);
        const entry: Running = { run, settled: Promise.resolve() };
        entry.settled = run.result.then(
          (input) => void (entry.input = input),
          () => undefined, // never settles as far as the fold is concerned: detached below
        );
        runs.set(task.id, entry);
      }
      // A result for a task a later decision removed is reported on its own, to be refused.
      for (const [taskId, entry] of runs) {
        if (entry.input === undefined || f.draft.createTasks.some((t) => t.id === taskId)) continue;
        entry.run.detach();
        runs.delete(taskId);
      }
      if (runs.size === 0) break;
      const entries = [...runs.values()];
      if (!entries.some((e) => e.input !== undefined)) await firstOf(entries.map((e) => e.settled), deadline);
      const finished = f.draft.createTasks.filter((t) => runs.get(t.id)?.input !== undefined);
      if (finished.length === 0) break;
      for (const task of finished) {
        const posted = { input: runs.get(task.id)!.input!, consumed: { taskId: task.id } };
        runs.delete(task.id);
        chained.push(posted);
        await runtime.fold(f, posted);
      }
      if (performance.now() >= deadline) break;
    }
  } finally {
    for (const [taskId, entry] of runs) {
      entry.run.detach();
      f.draft.running.add(taskId);
    }
  }
  return chained;
}

/** Resolves when the first of `settled` does, or at `deadline` (performance.now() ms). */
async function firstOf(settled: Promise<void>[], deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - performance.now()))));
  await Promise.race([...settled, late]);
  clearTimeout(timer);
}

/**
 * Tasks of an inline chain whose results applyStepwise has at hand: written leased to this
 * process but not run again, then given back (their result applied) or run after all (it was not).
 */
export class HeldTasks {
  private readonly ids: Set<string>;
  private readonly waiting = new Map<string, TaskRecord>();

  constructor(chained: Posted[]) {
    this.ids = new Set(chained.flatMap((c) => (c.consumed.taskId ? [c.consumed.taskId] : [])));
  }

  /** True when the task is held back rather than run. */
  hold(task: TaskRecord): boolean {
    if (!this.ids.has(task.id)) return false;
    this.waiting.set(task.id, task);
    return true;
  }

  /** Its result is being applied: its reserved lease is given back. */
  consume(taskId: string | undefined, leases: LocalLeases | undefined): void {
    if (taskId !== undefined && this.waiting.delete(taskId)) leases?.release(1);
  }

  runRest(leases: LocalLeases | undefined): void {
    for (const task of this.waiting.values()) leases!.runLeased(task);
    this.waiting.clear();
  }
}
