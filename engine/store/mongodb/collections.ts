/**
 * The MongoDB adapter's collections. The instance document is the unit of consistency: every
 * change to an instance is one conditional update on it, and the writes a transition makes to the
 * other collections go through its outbox (outbox.ts). `meta` holds the schema version. Lifecycle
 * events reach the feed as events.ts describes.
 */
import type { Collection, Db } from 'mongodb';
import type {
  DeadLetterDoc,
  DefinitionDoc,
  EventDoc,
  HistoryDoc,
  InstanceDoc,
  PendingEventDoc,
  ScheduleDoc,
  SubscriptionDoc,
  TaskDoc,
  TimerDoc,
} from './documents.js';
import type { RunSlotDoc } from './run-slots.js';

export interface MetaDoc {
  _id: string;
  version: number;
}

export interface Collections {
  db: Db;
  meta: Collection<MetaDoc>;
  definitions: Collection<DefinitionDoc>;
  instances: Collection<InstanceDoc>;
  history: Collection<HistoryDoc>;
  tasks: Collection<TaskDoc>;
  timers: Collection<TimerDoc>;
  schedules: Collection<ScheduleDoc>;
  pendingEvents: Collection<PendingEventDoc>;
  events: Collection<EventDoc>;
  subscriptions: Collection<SubscriptionDoc>;
  deadLetters: Collection<DeadLetterDoc>;
  runSlots: Collection<RunSlotDoc>;
}

export function openCollections(db: Db): Collections {
  return {
    db,
    meta: db.collection<MetaDoc>('meta'),
    definitions: db.collection<DefinitionDoc>('definitions'),
    instances: db.collection<InstanceDoc>('instances'),
    history: db.collection<HistoryDoc>('history'),
    tasks: db.collection<TaskDoc>('tasks'),
    timers: db.collection<TimerDoc>('timers'),
    schedules: db.collection<ScheduleDoc>('schedules'),
    pendingEvents: db.collection<PendingEventDoc>('pending_events'),
    events: db.collection<EventDoc>('events'),
    subscriptions: db.collection<SubscriptionDoc>('subscriptions'),
    deadLetters: db.collection<DeadLetterDoc>('dead_letters'),
    runSlots: db.collection<RunSlotDoc>('run_slots'),
  };
}
