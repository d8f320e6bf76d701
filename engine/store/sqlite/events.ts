/**
 * Lifecycle events, subscriptions and dead letters in SQLite. Events are inserted by the
 * transitions that make them (writes.ts, in their transaction); here they are read, and
 * subscriptions and dead letters kept as JSON records beside the columns their queries need.
 */
import type { Database } from 'better-sqlite3';
import { parseJson } from '../checks.js';
import type { DeadLetter, FeedEvent, LifecycleEvent, LifecycleEventType, SubscriptionRecord } from '../port.js';

export type EventRow = Omit<LifecycleEvent, 'step' | 'data'> & {
  step: string | null;
  /** The event's data as JSON: the same encoding point as an instance's state. */
  data: string;
};

export function eventToRow(event: LifecycleEvent): EventRow {
  const { step, data, ...rest } = event;
  return { ...rest, step: step ?? null, data: JSON.stringify(data) };
}

function rowToEvent(row: EventRow & { seq: number }): FeedEvent {
  const { step, data, type, ...rest } = row;
  const event: FeedEvent = { ...rest, type: type as LifecycleEventType, data: parseJson(data, `data of event "${row.id}"`) };
  if (step !== null) event.step = step;
  return event;
}

interface DeadLetterRow {
  subscriptionId: string;
  eventId: string;
  seq: number;
  record: string;
}

export function prepareEventStatements(db: Database) {
  const readEvents = db.prepare<[number, number], EventRow & { seq: number }>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const lastSeq = db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck();
  const insertSubscription = db.prepare<[string, number, string]>('INSERT OR IGNORE INTO subscriptions (id, rev, record) VALUES (?, ?, ?)');
  const updateSubscription = db.prepare<[number, string, string, number]>('UPDATE subscriptions SET rev = ?, record = ? WHERE id = ? AND rev = ?');
  const getSubscription = db.prepare<[string], string>('SELECT record FROM subscriptions WHERE id = ?').pluck();
  const listSubscriptions = db.prepare<[], string>('SELECT record FROM subscriptions ORDER BY id').pluck();
  const deleteSubscription = db.prepare<[string]>('DELETE FROM subscriptions WHERE id = ?');
  const deleteLettersOf = db.prepare<[string]>('DELETE FROM dead_letters WHERE subscriptionId = ?');
  const putLetter = db.prepare<[DeadLetterRow]>(
    'INSERT OR REPLACE INTO dead_letters (subscriptionId, eventId, seq, record) VALUES (@subscriptionId, @eventId, @seq, @record)',
  );
  const listLetters = db.prepare<[string, number], string>('SELECT record FROM dead_letters WHERE subscriptionId = ? ORDER BY seq LIMIT ?').pluck();
  const getLetter = db.prepare<[string, string], string>('SELECT record FROM dead_letters WHERE subscriptionId = ? AND eventId = ?').pluck();
  const deleteLetter = db.prepare<[string, string]>('DELETE FROM dead_letters WHERE subscriptionId = ? AND eventId = ?');
  const subscription = (record: string): SubscriptionRecord => parseJson(record, 'a stored subscription');
  const letter = (record: string): DeadLetter => parseJson(record, 'a stored dead letter');

  return {
    readEvents: (after: number, limit: number): FeedEvent[] => readEvents.all(after, limit).map(rowToEvent),
    lastEventSeq: (): number => lastSeq.get() ?? 0,
    /** Runs inside a group-commit batch. */
    putSubscription(record: SubscriptionRecord, expectedRev: number | null): boolean {
      const json = JSON.stringify(record);
      const result = expectedRev === null ? insertSubscription.run(record.id, record.rev, json) : updateSubscription.run(record.rev, json, record.id, expectedRev);
      return result.changes === 1;
    },
    getSubscription(id: string): SubscriptionRecord | null {
      const record = getSubscription.get(id);
      return record === undefined ? null : subscription(record);
    },
    listSubscriptions: (): SubscriptionRecord[] => listSubscriptions.all().map(subscription),
    /** Runs inside a group-commit batch. */
    deleteSubscription(id: string): boolean {
      deleteLettersOf.run(id);
      return deleteSubscription.run(id).changes === 1;
    },
    /** Runs inside a group-commit batch. */
    putDeadLetter(l: DeadLetter): void {
      putLetter.run({ subscriptionId: l.subscriptionId, eventId: l.event.id, seq: l.event.seq, record: JSON.stringify(l) });
    },
    listDeadLetters: (subscriptionId: string, limit: number): DeadLetter[] => listLetters.all(subscriptionId, limit).map(letter),
    getDeadLetter(subscriptionId: string, eventId: string): DeadLetter | null {
      const record = getLetter.get(subscriptionId, eventId);
      return record === undefined ? null : letter(record);
    },
    /** Runs inside a group-commit batch. */
    deleteDeadLetter: (subscriptionId: string, eventId: string): boolean => deleteLetter.run(subscriptionId, eventId).changes === 1,
  };
}

export type EventStatements = ReturnType<typeof prepareEventStatements>;
