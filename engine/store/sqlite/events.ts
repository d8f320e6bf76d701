/**
 * Lifecycle events, subscriptions and dead letters in SQLite. Events are inserted by the
 * transitions that make them (writes.ts, in their transaction); here they are read, and
 * subscriptions and dead letters kept as JSON records beside the columns their queries need.
 */
import type { Database } from 'better-sqlite3';
import type { StoredForm, StoredJson } from '../stored-json.js';
import type { DeadLetter, FeedEvent, LifecycleEvent, LifecycleEventType, SubscriptionRecord } from '../port.js';

export type EventRow = Omit<LifecycleEvent, 'step' | 'data'> & {
  step: string | null;
  /** The event's data as stored JSON (sealed with a data key): the same encoding point as an instance's state. */
  data: StoredForm;
};

export function eventToRow(event: LifecycleEvent, json: StoredJson): EventRow {
  const { step, data, ...rest } = event;
  return { ...rest, step: step ?? null, data: json.stringify(data) };
}

function rowToEvent(row: EventRow & { seq: number }, json: StoredJson): FeedEvent {
  const { step, data, type, ...rest } = row;
  const event: FeedEvent = { ...rest, type: type as LifecycleEventType, data: json.parse(data, `data of event "${row.id}"`) };
  if (step !== null) event.step = step;
  return event;
}

interface DeadLetterRow {
  subscriptionId: string;
  eventId: string;
  seq: number;
  record: StoredForm;
}

export function prepareEventStatements(db: Database, json: StoredJson) {
  const readEvents = db.prepare<[number, number], EventRow & { seq: number }>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const lastSeq = db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck();
  const insertSubscription = db.prepare<[string, number, StoredForm]>('INSERT OR IGNORE INTO subscriptions (id, rev, record) VALUES (?, ?, ?)');
  const updateSubscription = db.prepare<[number, StoredForm, string, number]>('UPDATE subscriptions SET rev = ?, record = ? WHERE id = ? AND rev = ?');
  const getSubscription = db.prepare<[string], StoredForm>('SELECT record FROM subscriptions WHERE id = ?').pluck();
  const listSubscriptions = db.prepare<[], StoredForm>('SELECT record FROM subscriptions ORDER BY id').pluck();
  const deleteSubscription = db.prepare<[string]>('DELETE FROM subscriptions WHERE id = ?');
  const deleteLettersOf = db.prepare<[string]>('DELETE FROM dead_letters WHERE subscriptionId = ?');
  const putLetter = db.prepare<[DeadLetterRow]>(
    'INSERT OR REPLACE INTO dead_letters (subscriptionId, eventId, seq, record) VALUES (@subscriptionId, @eventId, @seq, @record)',
  );
  const listLetters = db.prepare<[string, number], StoredForm>('SELECT record FROM dead_letters WHERE subscriptionId = ? ORDER BY seq LIMIT ?').pluck();
  const getLetter = db.prepare<[string, string], StoredForm>('SELECT record FROM dead_letters WHERE subscriptionId = ? AND eventId = ?').pluck();
  const deleteLetter = db.prepare<[string, string]>('DELETE FROM dead_letters WHERE subscriptionId = ? AND eventId = ?');
  const subscription = (record: StoredForm): SubscriptionRecord => json.parse(record, 'a stored subscription');
  const letter = (record: StoredForm): DeadLetter => json.parse(record, 'a stored dead letter');

  return {
    readEvents: (after: number, limit: number): FeedEvent[] => readEvents.all(after, limit).map((row) => rowToEvent(row, json)),
    lastEventSeq: (): number => lastSeq.get() ?? 0,
    /** Runs inside a group-commit batch. */
    putSubscription(record: SubscriptionRecord, expectedRev: number | null): boolean {
      const stored = json.stringify(record);
      const result = expectedRev === null ? insertSubscription.run(record.id, record.rev, stored) : updateSubscription.run(record.rev, stored, record.id, expectedRev);
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
      putLetter.run({ subscriptionId: l.subscriptionId, eventId: l.event.id, seq: l.event.seq, record: json.stringify(l) });
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
