/**
 * Group commit of effects: steps 2 and 3 of the outbox protocol (outbox.ts) for the commits that
 * swapped while an earlier group was being applied, done together: one write per collection the
 * effects touch, then one update clearing every outbox of the group, instead of that many per
 * commit. Each compare-and-swap stays its own update (its result must be its own); only what
 * follows it is shared. A crash halfway leaves the group's outboxes, which replays finish, as for
 * a lone commit. Commits of one instance never share a group (see Batches), so no commit's
 * removal meets another's creation of the same id.
 */
import { Batches } from './batches.js';
import type { Collections } from './collections.js';
import type { EffectsDoc } from './documents.js';
import { applyEffects } from './outbox.js';

/** The effects of the commit that made `rev` of instance `id`. */
export interface Applied {
  c: Collections;
  id: string;
  rev: number;
  effects: EffectsDoc;
}

/** `beforeClear` runs after a group's effects, before its outboxes are cleared (a fault point). */
export function effectsGroups(beforeClear: () => void): Batches<Applied, void> {
  return new Batches(
    async (group) => {
      const c = group[0]!.c;
      await applyEffects(c, mergeEffects(group.map((a) => a.effects)));
      beforeClear();
      // Each clear is conditional on the outbox still being that commit's: a later one is left alone.
      const clears = group.map(({ id, rev }) => ({ updateOne: { filter: { _id: id, 'outbox.rev': rev }, update: { $unset: { outbox: '' as const } } } }));
      await c.instances.bulkWrite(clears, { ordered: false });
      return group.map(() => undefined);
    },
    (applied) => applied.id,
  );
}

function mergeEffects(all: EffectsDoc[]): EffectsDoc {
  return {
    history: all.flatMap((e) => e.history),
    removeTasks: all.flatMap((e) => e.removeTasks),
    createTasks: all.flatMap((e) => e.createTasks),
    removeTimers: all.flatMap((e) => e.removeTimers),
    createTimers: all.flatMap((e) => e.createTimers),
    createInstances: all.flatMap((e) => e.createInstances),
    events: all.flatMap((e) => e.events ?? []),
  };
}
