/**
 * The pull feed: lifecycle events after a cursor, in feed order, as CloudEvents; a read that finds
 * none may wait for the next (a long poll), woken by this process's commits and looking again
 * every second for other engines'. The cursor is the seq of the last event read: a consumer that
 * keeps it resumes where it stopped, whenever it comes back.
 */
import { SegueError } from '../errors.js';
import type { Notifier } from '../notifier.js';
import type { EventStore } from '../store/port.js';
import { cloudEventJson } from './cloud-event.js';
import type { FeedPage } from '../../protocol/events.js';

const LOOK_AGAIN_MS = 1_000;

export function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  if (!/^\d{1,15}$/.test(cursor)) throw new SegueError('BAD_REQUEST', `after: "${cursor}" is not a feed cursor (the cursor of an earlier answer, or 0 for the start)`);
  return Number(cursor);
}

export async function readFeed(store: EventStore, notifier: Notifier, after: number, limit: number, waitMs: number): Promise<FeedPage> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    // Listening before reading: an event committed meanwhile wakes the wait.
    let wake: (() => void) | undefined;
    let woken = false;
    const onEvents = (): void => {
      woken = true;
      wake?.();
    };
    notifier.once('events', onEvents);
    try {
      const events = await store.readEvents(after, limit);
      const remaining = deadline - Date.now();
      if (events.length > 0 || remaining <= 0) {
        return { events: events.map(cloudEventJson), cursor: String(events.at(-1)?.seq ?? after) };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, LOOK_AGAIN_MS));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (woken) wake();
      });
    } finally {
      notifier.off('events', onEvents);
    }
  }
}
