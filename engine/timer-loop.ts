/**
 * Fires due timers (retries, delays, timeouts, messages between instances, delayed starts) and
 * times out expired task leases. Several engines may run this loop on one store: timers are
 * leased when claimed, and every firing is a compare-and-swap transition, so none fires twice.
 */
import type { InputPort } from './inputs.js';
import { Failures, ignoreMissing, type TaskQueue } from './task-queue.js';
import type { TimerRecord } from './store/port.js';

export interface TimerLoopOptions {
  /** Longest sleep between looks at the store (timers written by other processes), ms. Default 1000. */
  idleMs?: number;
  /**
   * How long a claimed timer (or expired lease) is hidden from other engines while it fires, ms.
   * Default 5000: short, so timers claimed by an engine that died fire soon elsewhere (a second
   * firing is refused as stale).
   */
  leaseMs?: number;
  /** Timers fired per store round trip. Default 100. */
  batch?: number;
  /** Other work due on the same beat (the scheduler), run once per loop. */
  periodic?: () => Promise<number>;
}

export class TimerLoop {
  private readonly idleMs: number;
  private readonly leaseMs: number;
  private readonly batch: number;
  private readonly periodic?: () => Promise<number>;
  private stopped = true;
  private loop?: Promise<void>;
  private sleeper?: { timer: NodeJS.Timeout; resolve(): void; until: number };

  constructor(
    private readonly runtime: InputPort,
    private readonly queue: TaskQueue,
    options: TimerLoopOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 5_000;
    this.batch = options.batch ?? 100;
    this.periodic = options.periodic;
    runtime.notifier.on('timers', (dueAt: number) => {
      if (this.sleeper && dueAt < this.sleeper.until) this.wakeUp();
    });
  }

  /**
   * Fires every timer due now and expires overdue leases; returns how many inputs were applied. A
   * timer claimed before (whose input was not applied: an engine died on it, or it threw) is marked
   * as delivered again. One that fails does not keep the others waiting: the first error is thrown
   * once every due timer and lease had its turn.
   */
  async tick(): Promise<number> {
    let applied = 0;
    const failures = new Failures();
    for (;;) {
      const due = await this.runtime.store.claimDueTimers(this.runtime.now(), this.batch, this.leaseMs);
      const fire = async (timer: TimerRecord): Promise<void> => {
        const consumed = deliveredAgain(timer) ? { timerId: timer.id, redelivered: true } : { timerId: timer.id };
        await this.runtime.apply(timer.instanceId, timer.input, consumed).catch(ignoreMissing).catch(failures.add);
      };
      // First deliveries fire together, so that their commits share the store's group commit (the
      // runtime applies one instance's inputs in the order given). A timer delivered again may be
      // what stopped the last engine: each fires alone, so that a crash is counted against it
      // only, never against the instances that happened to be in flight beside it.
      await Promise.all(due.filter((t) => !deliveredAgain(t)).map(fire));
      for (const timer of due.filter(deliveredAgain)) await fire(timer);
      applied += due.length;
      if (due.length < this.batch) break;
    }
    applied += await this.queue.expireLeases(this.batch, this.leaseMs).catch((err: unknown) => {
      failures.add(err);
      return 0;
    });
    failures.throwFirst();
    return applied;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // A failing store (busy, restarting) must not end the loop: look again after a pause.
      await this.tick().catch(() => undefined);
      await this.periodic?.().catch(() => undefined);
      const next = await this.runtime.store.nextTimerDue().catch(() => null);
      const now = this.runtime.now();
      const wait = next === null ? this.idleMs : Math.max(0, Math.min(this.idleMs, next - now));
      if (!this.stopped) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp(), ms);
      this.sleeper = { timer, resolve, until: this.runtime.now() + ms };
    });
  }

  private wakeUp(): void {
    const s = this.sleeper;
    if (!s) return;
    this.sleeper = undefined;
    clearTimeout(s.timer);
    s.resolve();
  }
}

/** Claimed before: an engine took it and did not get to fire it (it died, or the firing threw). */
function deliveredAgain(timer: TimerRecord): boolean {
  return (timer.claims ?? 1) > 1;
}
