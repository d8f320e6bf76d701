/**
 * The chaos run's count of lifecycle events: a subscriber (a real HTTP server in the run's
 * process) subscribed to the terminal instance events, and the check that every instance's
 * terminal event reached it at least once, and none for a transition that did not happen.
 */
import { eventually } from '../helpers/server.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import type { Cluster } from './cluster.js';
import type { Tally } from './checks.js';
import type { InstanceSpec } from './workload.js';

/** What the servers of a run need to deliver to the subscriber: it listens on 127.0.0.1. */
export const DELIVERY_ENV = { SEGUE_HTTP_ALLOW: '127.0.0.1', SEGUE_DELIVERY_LEASE: '11s' };

const TERMINAL_TYPES = ['completed', 'failed', 'cancelled', 'terminated', 'timed_out'].map((end) => `segue.instance.${end}`);

export async function subscribeToEnds(cluster: Cluster): Promise<Subscriber> {
  const hooks = await startSubscriber();
  await cluster.call((c) => c.createSubscription({ url: hooks.url, types: TERMINAL_TYPES }), 'subscribing to the terminal events');
  return hooks;
}

/** Waits up to `waitMs` for every instance's terminal event, then counts what came against the statuses the instances ended in. */
export async function checkTerminalEvents(tally: Tally, specs: InstanceSpec[], cluster: Cluster, hooks: Subscriber, waitMs: number): Promise<void> {
  const final = new Map<string, string>();
  for (const spec of specs) final.set(spec.id, `segue.instance.${(await cluster.call((c) => c.getInstance(spec.id), `reading ${spec.id}`)).status.toLowerCase()}`);
  const ends = (): Map<string, Set<string>> => {
    const byInstance = new Map<string, Set<string>>();
    for (const { event } of hooks.received) byInstance.set(event.subject, (byInstance.get(event.subject) ?? new Set()).add(`${event.id} ${event.type}`));
    return byInstance;
  };
  await eventually(() => (specs.every((s) => ends().has(s.id)) ? true : undefined), { timeoutMs: waitMs, what: 'every terminal event' }).catch(() => undefined);
  const received = ends();
  tally.terminalEvents = [...received.values()].reduce((n, set) => n + set.size, 0);
  tally.terminalDeliveries = hooks.received.length;
  for (const spec of specs) {
    const got = [...(received.get(spec.id) ?? [])];
    if (got.length === 0) {
      tally.missingTerminalEvents += 1;
      tally.failures.push(`${spec.id}: no terminal event delivered (it ended ${final.get(spec.id)})`);
    } else if (got.length > 1 || !got[0]!.endsWith(` ${final.get(spec.id)}`)) {
      tally.unexpectedTerminalEvents += got.length - (got.some((g) => g.endsWith(` ${final.get(spec.id)}`)) ? 1 : 0);
      tally.failures.push(`${spec.id}: ended ${final.get(spec.id)}, but the terminal events delivered were ${got.join(', ')}`);
    }
  }
  for (const subject of received.keys()) if (!final.has(subject)) tally.failures.push(`a terminal event for ${subject}, which the run never started`);
}
