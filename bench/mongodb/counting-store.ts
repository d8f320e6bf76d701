/**
 * A MongoDB store that counts what the hot path costs: every command the driver sends (its
 * command monitoring, by command and collection) and every compare-and-swap another engine won.
 */
import { createMongoStore } from '../../engine/store/mongodb/mongodb-store.js';
import { TERMINAL_STATUSES, type InstanceStatus, type Store } from '../../engine/store/port.js';

export interface Counts {
  /** By `<command> <collection>`, or the command's name alone. */
  commands: Record<string, number>;
  /** Transitions committed, and those refused because another engine had moved the instance on. */
  commits: number;
  refusedSwaps: number;
}

export function emptyCounts(): Counts {
  return { commands: {}, commits: 0, refusedSwaps: 0 };
}

export function totalCommands(counts: Counts): number {
  return Object.values(counts.commands).reduce((n, c) => n + c, 0);
}

/** What happened between two snapshots. */
export function countsSince(before: Counts, after: Counts): Counts {
  const commands: Record<string, number> = {};
  for (const [name, n] of Object.entries(after.commands)) {
    const d = n - (before.commands[name] ?? 0);
    if (d > 0) commands[name] = d;
  }
  return { commands, commits: after.commits - before.commits, refusedSwaps: after.refusedSwaps - before.refusedSwaps };
}

export function addCounts(into: Counts, more: Counts): Counts {
  for (const [name, n] of Object.entries(more.commands)) into.commands[name] = (into.commands[name] ?? 0) + n;
  into.commits += more.commits;
  into.refusedSwaps += more.refusedSwaps;
  return into;
}

/**
 * Opens the store on `database` of the server at `uri`; `counts` grows as it is used, and
 * `onFinished` hears of every commit that ends an instance.
 */
export async function openCountingStore(
  uri: string,
  database: string,
  onFinished: (id: string, status: InstanceStatus) => void = () => undefined,
): Promise<{ store: Store; counts: Counts }> {
  const counts = emptyCounts();
  const store = createMongoStore(uri, {
    database,
    onCommand: (event) => {
      const collection = event.command[event.commandName];
      const name = typeof collection === 'string' ? `${event.commandName} ${collection}` : event.commandName;
      counts.commands[name] = (counts.commands[name] ?? 0) + 1;
    },
  });
  const commit = store.commitTransition.bind(store);
  store.commitTransition = async (transition) => {
    const applied = await commit(transition);
    if (applied) counts.commits += 1;
    else counts.refusedSwaps += 1;
    if (applied && TERMINAL_STATUSES.has(transition.record.status)) onFinished(transition.record.id, transition.record.status);
    return applied;
  };
  await store.init();
  return { store, counts };
}

/** A snapshot, so later counting does not change it. */
export function snapshot(counts: Counts): Counts {
  return { commands: { ...counts.commands }, commits: counts.commits, refusedSwaps: counts.refusedSwaps };
}
