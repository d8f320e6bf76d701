/**
 * Concurrency limits: a workflow's `concurrency: { limit }` (at most that many instances running
 * at once, over every engine on the store), and the cap on the instances one engine works on.
 *
 * The count is the store's run slots (store/run-slots.ts). A start is decided only once its
 * instance holds a slot; otherwise the instance stays PENDING in the workflow's queue, in start
 * order. When an instance ends its slot is given back, and the store hands it to the oldest
 * waiting instance, whose start this engine then applies. A crash between those steps is repaired
 * by the sweep: slots held by instances that are gone or finished are given back, and holders
 * still PENDING are started.
 */
import type { Plan } from '../definitions/model.js';
import { SegueError } from './errors.js';
import type { PlanRegistry } from './plans.js';
import type { InstanceRecord, Store } from './store/port.js';
import { TERMINAL_STATUSES } from './store/port.js';

export interface ConcurrencyOptions {
  /** Most instances this engine applies inputs to at once; new starts and events past it are refused (OVERLOADED). */
  maxActiveInstances: number;
  /** Most instances waiting for a slot per workflow; a start past it is refused (OVERLOADED). */
  maxQueuedStarts: number;
  /** How often the sweep repairs slots left by a crash, ms. */
  slotSweepMs: number;
}

export const DEFAULT_CONCURRENCY: ConcurrencyOptions = { maxActiveInstances: 10_000, maxQueuedStarts: 100_000, slotSweepMs: 5_000 };

/** Seconds a refused client is told to wait (Retry-After). */
export const RETRY_AFTER_S = 1;

export function overloaded(message: string): SegueError {
  return new SegueError('OVERLOADED', `${message}; try again in ${RETRY_AFTER_S} s`);
}

export function checkConcurrencyOptions(options: ConcurrencyOptions): void {
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isInteger(value) || value < 1) throw new SegueError('BAD_REQUEST', `${name} must be a whole number >= 1, got ${value}`);
  }
}

export class RunSlotGate {
  private nextSweepAt = 0;
  /** Holders found gone or finished by the last sweep: given back if they still are at the next one. */
  private suspects = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly plans: PlanRegistry,
    private readonly now: () => number,
    private readonly options: ConcurrencyOptions,
    /** Applies the start of an instance that was handed a slot. */
    private readonly startInstance: (id: string) => Promise<unknown>,
  ) {}

  /**
   * Takes a slot for the start of `record`, or its place in the queue: true when it may start now.
   * `bounded`: a start from outside (the API), refused when the queue is full.
   */
  async take(plan: Plan, record: InstanceRecord, bounded: boolean): Promise<boolean> {
    const limit = plan.concurrencyLimit!;
    const maxWaiting = bounded ? this.options.maxQueuedStarts : Number.MAX_SAFE_INTEGER;
    const taken = await this.store.takeRunSlot(plan.name, record.id, { limit, at: record.createdAt, maxWaiting });
    this.startAll(taken.promoted);
    if (taken.answer === 'refused') {
      throw overloaded(`workflow "${plan.name}" has ${maxWaiting} instances waiting to start (its concurrency limit is ${limit})`);
    }
    return taken.answer === 'held';
  }

  /**
   * A FAILED instance retried runs again at once, so it needs a slot now: it cannot wait PENDING
   * like a start. Without a free one the retry is refused (OVERLOADED) and nothing changes.
   */
  async takeForRetry(plan: Plan, record: InstanceRecord): Promise<void> {
    const limit = plan.concurrencyLimit!;
    const taken = await this.store.takeRunSlot(plan.name, record.id, { limit, at: record.createdAt, maxWaiting: 0 });
    this.startAll(taken.promoted);
    if (taken.answer !== 'held') throw overloaded(`workflow "${plan.name}" runs ${limit} instances already (its concurrency limit), so "${record.id}" cannot be retried now`);
  }

  /** An instance ended: its slot goes to the oldest waiting instance, which is started. */
  async ended(record: InstanceRecord): Promise<void> {
    const plan = await this.plans.get(record.workflow, record.version);
    if (plan.concurrencyLimit === undefined) return;
    this.startAll(await this.store.giveBackRunSlot(plan.name, record.id, plan.concurrencyLimit));
  }

  /** Repairs what a crash left, at most once per slotSweepMs; answers how many slots it acted on. */
  async sweep(): Promise<number> {
    const now = this.now();
    if (now < this.nextSweepAt) return 0;
    this.nextSweepAt = now + this.options.slotSweepMs;
    const suspects = new Set<string>();
    let acted = 0;
    for (const slots of await this.store.listRunSlots()) {
      for (const id of [...slots.holders, ...slots.waiting.map((w) => w.id)]) {
        const record = await this.store.getInstance(id);
        if (record && !TERMINAL_STATUSES.has(record.status)) {
          if (record.status === 'PENDING' && slots.holders.includes(id)) {
            acted += 1;
            this.startAll([id]);
          }
          continue;
        }
        // A holder may be an instance whose creation is in flight: only one seen so twice is let go.
        if (!this.suspects.has(id)) {
          suspects.add(id);
          continue;
        }
        acted += 1;
        if (record) await this.ended(record);
        else this.startAll(await this.store.giveBackRunSlot(slots.workflow, id, await this.latestLimit(slots.workflow)));
      }
    }
    this.suspects = suspects;
    return acted;
  }

  /** The limit of the workflow's latest version; none (a workflow no longer limited, or gone) frees every slot for the waiting. */
  private async latestLimit(workflow: string): Promise<number> {
    const plan = await this.plans.get(workflow).catch(() => null);
    return plan?.concurrencyLimit ?? Number.MAX_SAFE_INTEGER;
  }

  private startAll(ids: string[]): void {
    // A start that fails here is applied again by the sweep.
    for (const id of ids) void this.startInstance(id).catch(() => undefined);
  }
}
