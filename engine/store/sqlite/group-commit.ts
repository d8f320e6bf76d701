/**
 * Group commit: the writes issued close together (in the same event-loop turn) run in ONE SQLite
 * transaction, so they share one fsync instead of paying one each. Every write runs in its own
 * SAVEPOINT inside it: a write that fails (a constraint, an injected fault) rolls back alone and
 * rejects alone, and a compare-and-swap that loses writes nothing and resolves false while the
 * others commit. Writes run in the order they were submitted, so two transitions of one instance
 * in a batch behave as if committed one after the other.
 *
 * Durability: no promise settles before COMMIT has returned, so a resolved write is as durable as
 * the connection's `synchronous` setting makes a commit (with FULL it survived fsync).
 */
import Database from 'better-sqlite3';
import { faultPoint } from '../faults.js';

const beforeBatchCommit = faultPoint('sqlite.batch.beforeCommit');

/** One submitted write: the synchronous work to run in the batch, and how to answer its caller. */
interface Write {
  action: string;
  work: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** Set while the batch runs: the write's result, or the error that rolled it back alone. */
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

export type ErrorNormaliser = (err: unknown, action: string) => unknown;

/**
 * Only these failures are the write's own: SQLite keeps the enclosing transaction, so rolling back
 * to the savepoint undoes exactly that write. Any other SQLite error (I/O, disk full, busy) may
 * have ended the transaction, so the whole batch is given up.
 */
function isOwnFailure(err: unknown): boolean {
  return !(err instanceof Database.SqliteError) || err.code.startsWith('SQLITE_CONSTRAINT') || err.code === 'SQLITE_TOOBIG';
}

export class GroupCommit {
  private pending: Write[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly runBatch: { immediate(writes: Write[]): void };
  /** Runs one write in a savepoint: better-sqlite3 nests a transaction function as a SAVEPOINT. */
  private readonly inSavepoint: (work: () => unknown) => unknown;

  constructor(
    private readonly db: Database.Database,
    private readonly maxBatch: number,
    private readonly normalise: ErrorNormaliser,
  ) {
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    this.runBatch = db.transaction((writes: Write[]) => this.runAll(writes));
  }

  /** Queues `work` for the next batch; settles once that batch has committed (or failed). */
  submit<T>(action: string, work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ action, work, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued now, in one transaction. Never throws: each write settles instead. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const writes = this.pending;
    if (writes.length === 0) return;
    this.pending = [];
    try {
      this.runBatch.immediate(writes);
    } catch (err) {
      // Nothing of the batch was kept: a write that failed on its own keeps its own error.
      for (const write of writes) {
        const own = write.outcome?.ok === false ? write.outcome.error : err;
        write.reject(this.normalise(own, write.action));
      }
      return;
    }
    for (const write of writes) {
      const outcome = write.outcome!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(this.normalise(outcome.error, write.action));
    }
  }

  private runAll(writes: Write[]): void {
    for (const write of writes) {
      try {
        write.outcome = { ok: true, value: this.inSavepoint(write.work) };
      } catch (error) {
        write.outcome = { ok: false, error };
        if (!isOwnFailure(error) || !this.db.inTransaction) throw error;
      }
    }
    beforeBatchCommit();
  }
}
