/**
 * One mailbox per key: what is posted for a key is handled in order, one batch at a time, and
 * everything that arrived while a batch was being handled forms the next batch. The runtime uses
 * it so that results arriving together for one instance (a map's iterations) share one commit.
 */

export type Settled<R> = { value: R } | { error: unknown };

interface Letter<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class Mailboxes<T, R> {
  private readonly boxes = new Map<string, Letter<T, R>[]>();

  constructor(
    /** Handles one batch; answers one Settled per item, in order. */
    private readonly handle: (key: string, items: T[]) => Promise<Settled<R>[]>,
    private readonly maxBatch: number,
  ) {}

  /** Keys with items being handled or waiting. */
  get size(): number {
    return this.boxes.size;
  }

  post(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const letter = { item, resolve, reject };
      const box = this.boxes.get(key);
      if (box) {
        box.push(letter);
        return;
      }
      const fresh = [letter];
      this.boxes.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  private async drain(key: string, box: Letter<T, R>[]): Promise<void> {
    while (box.length > 0) {
      const batch = box.splice(0, this.maxBatch);
      let settled: Settled<R>[];
      try {
        settled = await this.handle(
          key,
          batch.map((l) => l.item),
        );
      } catch (error) {
        settled = batch.map(() => ({ error }));
      }
      batch.forEach((letter, i) => {
        const s = settled[i]!;
        if ('value' in s) letter.resolve(s.value);
        else letter.reject(s.error);
      });
    }
    this.boxes.delete(key);
  }
}
