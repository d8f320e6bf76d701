/** Schedules in SQLite: one row per schedule, its record as JSON, compare-and-swap on `rev`. */
import type { Database } from 'better-sqlite3';
import type { ScheduleRecord } from '../port.js';
import type { StoredForm, StoredJson } from '../stored-json.js';

interface ScheduleRow {
  id: string;
  rev: number;
  paused: number;
  nextFireAt: number | null;
  hasWork: number;
  record: StoredForm;
}

function toRow(s: ScheduleRecord, json: StoredJson): ScheduleRow {
  return {
    id: s.id,
    rev: s.rev,
    paused: s.paused ? 1 : 0,
    nextFireAt: s.nextFireAt,
    hasWork: s.pending.length > 0 || s.buffered !== null ? 1 : 0,
    record: json.stringify(s),
  };
}

export function prepareScheduleStatements(db: Database, json: StoredJson) {
  const parse = (record: StoredForm): ScheduleRecord => json.parse<ScheduleRecord>(record, 'schedule');
  const insert = db.prepare<[ScheduleRow]>(
    'INSERT OR IGNORE INTO schedules (id, rev, paused, nextFireAt, hasWork, record) VALUES (@id, @rev, @paused, @nextFireAt, @hasWork, @record)',
  );
  const update = db.prepare<[ScheduleRow & { expectedRev: number }]>(
    'UPDATE schedules SET rev = @rev, paused = @paused, nextFireAt = @nextFireAt, hasWork = @hasWork, record = @record WHERE id = @id AND rev = @expectedRev',
  );
  const get = db.prepare<[string], StoredForm>('SELECT record FROM schedules WHERE id = ?').pluck();
  const list = db.prepare<[], StoredForm>('SELECT record FROM schedules ORDER BY id').pluck();
  const remove = db.prepare<[string]>('DELETE FROM schedules WHERE id = ?');
  const due = db
    .prepare<[number, number], StoredForm>(
      'SELECT record FROM schedules WHERE paused = 0 AND (nextFireAt <= ? OR hasWork = 1) ORDER BY coalesce(nextFireAt, 0), id LIMIT ?',
    )
    .pluck();
  return {
    /** Runs inside a group-commit batch. */
    put(schedule: ScheduleRecord, expectedRev: number | null): boolean {
      const row = toRow(schedule, json);
      const result = expectedRev === null ? insert.run(row) : update.run({ ...row, expectedRev });
      return result.changes === 1;
    },
    remove(id: string): boolean {
      return remove.run(id).changes === 1;
    },
    get(id: string): ScheduleRecord | null {
      const record = get.get(id);
      return record === undefined ? null : parse(record);
    },
    list(): ScheduleRecord[] {
      return list.all().map(parse);
    },
    due(now: number, limit: number): ScheduleRecord[] {
      return due.all(now, limit).map(parse);
    },
  };
}

export type ScheduleStatements = ReturnType<typeof prepareScheduleStatements>;
