import type { InstanceRecord } from './store/port.js';

/**
 * The records this process committed last, by instance, so the next input to an instance need not
 * read back what was just written. A record here is owned by the cache: `take` hands it over (decide
 * changes it in place), and only a committed record comes back. Bounded; the oldest go first.
 */
export class RecordCache {
  private readonly records = new Map<string, InstanceRecord>();

  constructor(private readonly capacity = 10_000) {}

  take(id: string): InstanceRecord | undefined {
    const record = this.records.get(id);
    this.records.delete(id);
    return record;
  }

  keep(record: InstanceRecord): void {
    this.records.delete(record.id);
    this.records.set(record.id, record);
    if (this.records.size > this.capacity) this.records.delete(this.records.keys().next().value!);
  }
}
