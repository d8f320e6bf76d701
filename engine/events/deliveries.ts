/**
 * Delivers the feed to subscribers, at least once, in feed order (so in order per instance). A
 * subscription is delivered by one engine at a time: the engine claims it with a lease, a
 * compare-and-swap on the subscription, and moves its cursor with the same kind of write after
 * each event it dealt with (which extends the lease); an engine that dies holding it leaves the
 * lease to run out, and the next holder starts from the cursor, sending again at most the event
 * that was in flight. A failed attempt is retried with exponential backoff on the engine's clock,
 * holding back the events after it; after the subscription's last attempt the event becomes a
 * dead letter and delivery moves on.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { EventStore, FeedEvent, SubscriptionRecord } from '../store/port.js';
import { sendEvent, type HttpCall } from './webhook-sender.js';

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead_lettered';
export type DeliveryListener = (outcome: DeliveryOutcome, event: FeedEvent) => void;

export interface DeliveryOptions {
  /** How long a claim of a subscription lasts without a write, ms. Default 30 s. */
  leaseMs: number;
  /** The first retry's delay, ms; each next one doubles, up to maxRetryMs. Default 1 s. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** Events read from the feed per subscription per pass. Default 100. */
  batch: number;
  /** How often the loop looks for work other engines committed, ms. Default 1 s. */
  pollMs: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = { leaseMs: 30_000, firstRetryMs: 1_000, maxRetryMs: 300_000, batch: 100, pollMs: 1_000 };

function retryDelay(attempts: number, options: Pick<DeliveryOptions, 'firstRetryMs' | 'maxRetryMs'>): number {
  return Math.min(options.firstRetryMs * 2 ** (attempts - 1), options.maxRetryMs);
}

function wants(subscription: SubscriptionRecord, event: FeedEvent): boolean {
  return subscription.types.includes(event.type) && (subscription.workflow === null || subscription.workflow === event.workflow);
}

export class Deliveries {
  /** This process, as the holder of a subscription's lease. */
  readonly owner = `engine-${randomUUID()}`;
  private readonly listeners = new Set<DeliveryListener>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly call: HttpCall,
    private readonly options: DeliveryOptions,
    /** Told after each pass whether some subscription asks for step events. */
    private readonly stepEvents: (wanted: boolean) => void,
  ) {}

  onOutcome(listener: DeliveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs a pass soon (new events were committed here, or a subscription changed). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.tick()
      .then(() => undefined, () => undefined) // a store that failed is tried again at the next pass
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else this.timer = setTimeout(() => this.wake(), this.options.pollMs);
      });
  }

  /**
   * One pass over every subscription: delivers what is due. Returns the events dealt with. For
   * tests, and the loop. Subscriptions go side by side, each in its own order, so a subscriber
   * that is slow to answer holds back only its own events. The pass ends once every one is done
   * (the next pass must not deliver one still being delivered), then throws the first failure.
   */
  async tick(): Promise<number> {
    const subscriptions = await this.store.listSubscriptions();
    this.stepEvents(subscriptions.some((s) => s.types.some((t) => t.startsWith('segue.step.'))));
    const passes = await Promise.allSettled(subscriptions.map((s) => this.deliver(s)));
    let dealt = 0;
    for (const pass of passes) {
      if (pass.status === 'rejected') throw pass.reason;
      dealt += pass.value;
    }
    return dealt;
  }

  private async deliver(subscription: SubscriptionRecord): Promise<number> {
    const now = this.clock.now();
    if (subscription.paused) return 0;
    if (subscription.lease && subscription.lease.until > now && subscription.lease.owner !== this.owner) return 0;
    if (subscription.failure && subscription.failure.nextAttemptAt > now) return 0;
    const events = await this.store.readEvents(subscription.cursor, this.options.batch);
    if (events.length === 0) return 0;
    let held = await this.write(subscription, { lease: { owner: this.owner, until: now + this.options.leaseMs } });
    if (!held) return 0;
    let dealt = 0;
    for (const event of events) {
      const { changes, retryLater } = await this.dealWith(held, event);
      // Null: another engine holds it now (our lease ran out), or it was paused or deleted.
      held = await this.write(held, changes);
      if (!held || retryLater) return dealt;
      dealt += 1;
    }
    await this.write(held, { lease: null });
    return dealt;
  }

  /** What dealing with `event` changes on the subscription; `retryLater` when its delivery failed and waits for a retry. */
  private async dealWith(s: SubscriptionRecord, event: FeedEvent): Promise<{ changes: Partial<SubscriptionRecord>; retryLater?: true }> {
    if (!wants(s, event)) return { changes: { cursor: event.seq } };
    const now = this.clock.now();
    const attempt = await sendEvent(this.call, s, event, now);
    if (attempt.ok) {
      this.tell('delivered', event);
      const lease = { owner: this.owner, until: this.clock.now() + this.options.leaseMs };
      return { changes: { cursor: event.seq, delivered: s.delivered + 1, failure: null, lease } };
    }
    const attempts = (s.failure?.attempts ?? 0) + 1;
    if (attempts >= s.maxAttempts) {
      await this.store.putDeadLetter({ subscriptionId: s.id, event, attempts, lastError: attempt.error, deadAt: now });
      this.tell('dead_lettered', event);
      return { changes: { cursor: event.seq, failure: null } };
    }
    this.tell('failed', event);
    const failure = { attempts, nextAttemptAt: now + retryDelay(attempts, this.options), lastError: attempt.error };
    return { changes: { failure, lease: null }, retryLater: true };
  }

  /** The subscription with `changes`, written at its rev; null when it moved on meanwhile. */
  private async write(s: SubscriptionRecord, changes: Partial<SubscriptionRecord>): Promise<SubscriptionRecord | null> {
    const next = { ...s, ...changes, rev: s.rev + 1, updatedAt: this.clock.now() };
    return (await this.store.putSubscription(next, s.rev)) ? next : null;
  }

  private tell(outcome: DeliveryOutcome, event: FeedEvent): void {
    for (const listener of this.listeners) listener(outcome, event);
  }
}
