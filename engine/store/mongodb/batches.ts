/**
 * Shared round trips: the requests that arrive while an earlier batch is in flight go together in
 * the next one, so that concurrent callers pay one command where each would have paid its own. A
 * request that finds nothing in flight goes at once: a batch never waits to fill.
 */

/**
 * Most requests in one batch. Few enough for released FerretDB 1.24, which holds one of its 100
 * SQLite connections per statement of an update command until the command ends.
 */
const MAX_BATCH = 64;

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class Batches<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private running = false;

  /**
   * `run` answers a batch, one result per item, in order. With `keyOf`, items of one key never
   * share a batch: the later ones wait for the next, in the order they came.
   */
  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly keyOf?: (item: T) => string,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.next();
      try {
        const results = await this.run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
  }

  private next(): Waiting<T, R>[] {
    if (!this.keyOf) return this.waiting.splice(0, MAX_BATCH);
    const keys = new Set<string>();
    const batch: Waiting<T, R>[] = [];
    const rest: Waiting<T, R>[] = [];
    for (const w of this.waiting) {
      const key = this.keyOf(w.item);
      if (batch.length < MAX_BATCH && !keys.has(key)) {
        keys.add(key);
        batch.push(w);
      } else rest.push(w);
    }
    this.waiting = rest;
    return batch;
  }
}
