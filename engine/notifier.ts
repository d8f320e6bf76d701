/**
 * What this process tells its own listeners after each commit: queued tasks (pollers wake), the
 * earliest new timer (the timer loop wakes), every committed record with its history (metrics),
 * lifecycle events written (deliveries), and an instance that finished (awaiting callers). Local only: other engines learn from the store.
 */
import { EventEmitter } from 'node:events';
import type { HistoryEvent } from '../core/model.js';
import type { InstanceRecord, LifecycleEvent } from './store/port.js';

export type Notifications = {
  /** A task was queued on this queue. */
  tasks: [queue: string];
  /** Timers were written; the earliest is due then (epoch ms). */
  timers: [dueAt: number];
  instance: [record: InstanceRecord, history: HistoryEvent[]];
  /** Lifecycle events were committed (the outbox): deliveries and feed readers wake. */
  events: [events: LifecycleEvent[]];
} & { [finished: `finished:${string}`]: [record: InstanceRecord] };

export class Notifier extends EventEmitter<Notifications> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}
