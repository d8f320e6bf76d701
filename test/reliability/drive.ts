/**
 * The harness's side of the chaos workload: starts the instances on time, raises their events,
 * and waits for them all to finish — through server crashes. An event whose request failed is
 * looked for in the instance's history before it is sent again, so the harness itself never
 * raises an event twice.
 */
import type { HistoryView, InstanceView } from '../../client/http-client.js';
import { eventOf } from './checks.js';
import { isTransient, pause, type Cluster } from './cluster.js';
import { EVENTS, type InstanceSpec } from './workload.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);
const EVENT_RECORDS = new Set(['EventBuffered', 'EventReceived', 'EventConsumed']);
const LOOK_EVERY_MS = 200;

export class Driver {
  /** Instance id → the events the server acknowledged for it. */
  readonly raised = new Map<string, Set<string>>();
  readonly failures: string[] = [];
  private readonly abandoned = new Set<string>();
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly specs: InstanceSpec[],
  ) {
    for (const spec of specs) this.raised.set(spec.id, new Set());
  }

  /** Starts each instance at its time after `began`; resolves once all are started. */
  async startAll(began: number): Promise<void> {
    const drives: Promise<void>[] = [];
    for (const spec of this.specs) {
      await pause(began + spec.startAfterMs - Date.now());
      drives.push(this.drive(spec).catch((err: Error) => void this.failures.push(`${spec.id}: ${err.message}`)));
    }
    await Promise.all(drives);
  }

  /** Delivers "second" to each events instance once it waits for it, until all have it or `stop`. */
  async deliverAll(): Promise<void> {
    const pending = (): InstanceSpec[] => this.specs.filter((s) => s.kind === 'events' && !this.raised.get(s.id)!.has('second') && !this.abandoned.has(s.id));
    while (!this.stopped && pending().length > 0) {
      const waiting = new Set((await this.running('chaos-events')).filter((v) => v.current.some((c) => c.event === 'second')).map((v) => v.id));
      for (const spec of pending()) if (waiting.has(spec.id)) await this.deliverSecond(spec);
      await pause(LOOK_EVERY_MS);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Waits until every instance is finished; returns the ids still unfinished at the deadline. */
  async drain(timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const statuses = await this.statuses();
      const unfinished = this.specs.filter((s) => !TERMINAL.has(statuses.get(s.id) ?? '')).map((s) => s.id);
      if (unfinished.length === 0 || Date.now() > deadline) return unfinished;
      await pause(LOOK_EVERY_MS);
    }
  }

  private async drive(spec: InstanceSpec): Promise<void> {
    await this.cluster.call((c) => c.startInstance(spec.workflow, { id: spec.id, input: spec.input }), `starting ${spec.id}`);
    if (spec.kind === 'events') await this.raiseFirst(spec);
  }

  private async raiseFirst(spec: InstanceSpec): Promise<void> {
    const key = (spec.input as { key: string }).key;
    for (;;) {
      try {
        await this.cluster.once((c) => c.raiseEvent(spec.id, 'first', EVENTS.first(key)));
        this.raised.get(spec.id)!.add('first');
        return;
      } catch (err) {
        if (!isTransient(err)) throw new Error(`raising "first": ${(err as Error).message}`);
      }
      // The request failed: it may have been applied before the server died.
      if (await this.seen(spec.id, 'first')) {
        this.raised.get(spec.id)!.add('first');
        return;
      }
      await pause(100);
    }
  }

  private async deliverSecond(spec: InstanceSpec): Promise<void> {
    const key = (spec.input as { key: string }).key;
    try {
      const { delivered } = await this.cluster.once((c) => c.deliverEvent('second', key, EVENTS.second(key)));
      if (delivered > 0) this.raised.get(spec.id)!.add('second');
      if (delivered > 1) this.failures.push(`${spec.id}: "second" for key ${key} was delivered to ${delivered} instances`);
    } catch (err) {
      if (!isTransient(err)) {
        this.abandoned.add(spec.id);
        this.failures.push(`${spec.id}: delivering "second": ${(err as Error).message}`);
      } else if (await this.seen(spec.id, 'second')) {
        this.raised.get(spec.id)!.add('second');
      }
    }
  }

  /** Whether the instance's history records the event (received, buffered or consumed). */
  private async seen(id: string, event: string): Promise<boolean> {
    const history: HistoryView[] = await this.cluster.call((c) => c.history(id), `reading the history of ${id}`);
    return history.some((e) => EVENT_RECORDS.has(e.type) && eventOf(e) === event);
  }

  private async running(workflow: string): Promise<InstanceView[]> {
    return this.list({ workflow, status: 'RUNNING' });
  }

  private async statuses(): Promise<Map<string, string>> {
    return new Map((await this.list({})).map((v) => [v.id, v.status]));
  }

  private async list(filter: { workflow?: string; status?: string }): Promise<InstanceView[]> {
    const items: InstanceView[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.cluster.call((c) => c.listInstances({ ...filter, limit: 1000, ...(cursor ? { cursor } : {}) }), 'listing instances');
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
}
