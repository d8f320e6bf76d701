/** Run slots in SQLite: one row per workflow, its holders and queue as JSON, changed inside a group-commit batch. */
import type { Database } from 'better-sqlite3';
import type { RunSlots, SlotRequest, SlotTaken } from '../port.js';
import { emptySlots, giveBackSlot, takeSlot } from '../run-slots.js';
import { parseJson } from '../checks.js';

interface SlotRow {
  workflow: string;
  holders: string;
  waiting: string;
}

export function prepareRunSlotStatements(db: Database) {
  const get = db.prepare<[string], SlotRow>('SELECT workflow, holders, waiting FROM run_slots WHERE workflow = ?');
  const all = db.prepare<[], SlotRow>('SELECT workflow, holders, waiting FROM run_slots ORDER BY workflow');
  const put = db.prepare<[SlotRow]>('INSERT OR REPLACE INTO run_slots (workflow, holders, waiting) VALUES (@workflow, @holders, @waiting)');
  const remove = db.prepare<[string]>('DELETE FROM run_slots WHERE workflow = ?');
  const read = (row: SlotRow): RunSlots => ({
    workflow: row.workflow,
    holders: parseJson<string[]>(row.holders, `run slots of workflow "${row.workflow}"`),
    waiting: parseJson<RunSlots['waiting']>(row.waiting, `run slot queue of workflow "${row.workflow}"`),
  });
  /** Reads, changes and writes back one workflow's slots: atomic in the batch's transaction. */
  function change<T>(workflow: string, edit: (slots: RunSlots) => T): T {
    const row = get.get(workflow);
    const slots = row ? read(row) : emptySlots(workflow);
    const answer = edit(slots);
    if (slots.holders.length === 0 && slots.waiting.length === 0) remove.run(workflow);
    else put.run({ workflow, holders: JSON.stringify(slots.holders), waiting: JSON.stringify(slots.waiting) });
    return answer;
  }
  return {
    /** Run inside a group-commit batch. */
    take(workflow: string, id: string, req: SlotRequest): SlotTaken {
      return change(workflow, (slots) => takeSlot(slots, id, req));
    },
    /** Run inside a group-commit batch. */
    giveBack(workflow: string, id: string, limit: number): string[] {
      return change(workflow, (slots) => giveBackSlot(slots, id, limit));
    },
    list(): RunSlots[] {
      return all.all().map(read);
    },
  };
}

export type RunSlotStatements = ReturnType<typeof prepareRunSlotStatements>;
