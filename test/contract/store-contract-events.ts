/** The lifecycle event part of the Store contract: the outbox and feed, subscriptions, dead letters. */
import { describe, expect, it } from 'vitest';
import type { DeadLetter, FeedEvent, SubscriptionRecord } from '../../engine/store/port.js';
import type { StoreContext } from './store-contract.js';
import { T0, creation, historyEvent, instance, lifecycleEvent, next } from './records.js';

function subscription(id: string, over: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id,
    url: 'https://hooks.example.com/segue',
    types: ['segue.instance.completed'],
    workflow: null,
    secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
    paused: false,
    maxAttempts: 5,
    rev: 1,
    createdAt: T0,
    updatedAt: T0,
    cursor: 0,
    failure: null,
    lease: null,
    delivered: 0,
    ...over,
  };
}

const withoutSeq = ({ seq: _seq, ...event }: FeedEvent) => event;

export function eventContract(ctx: StoreContext): void {
  describe('lifecycle events', () => {
    it('are written with the creation and the transitions that make them, in commit order, and resumed after a seq', async () => {
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a, { history: [historyEvent('i-1', 1)], events: [lifecycleEvent('i-1', 1)] }));
      const b = instance('i-2');
      await ctx.store.createInstance(creation(b, { events: [lifecycleEvent('i-2', 1)] }));
      const done = next(a, { status: 'COMPLETED' }, { events: [lifecycleEvent('i-1', 2, { type: 'segue.instance.completed', data: { output: [1, 2] } }), lifecycleEvent('i-1', 3, { type: 'segue.step.completed', step: 'charge' })] });
      expect(await ctx.store.commitTransition(done)).toBe(true);

      const feed = await ctx.store.readEvents(0, 10);
      expect(feed.map(withoutSeq)).toEqual([lifecycleEvent('i-1', 1), lifecycleEvent('i-2', 1), ...done.events!]);
      const seqs = feed.map((e) => e.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(4);
      expect(await ctx.store.lastEventSeq()).toBe(seqs[3]);
      expect((await ctx.store.readEvents(seqs[1]!, 10)).map((e) => e.id)).toEqual(['i-1:1:2', 'i-1:1:3']);
      expect((await ctx.store.readEvents(seqs[0]!, 1)).map((e) => e.id)).toEqual(['i-2:1:1']);
      expect(await ctx.store.readEvents(seqs[3]!, 10)).toEqual([]);
    });

    it('start the feed empty, at seq 0', async () => {
      expect(await ctx.store.lastEventSeq()).toBe(0);
      expect(await ctx.store.readEvents(0, 10)).toEqual([]);
    });

    it('are not written by a transition that is refused (stale rev, or an id taken)', async () => {
      const a = instance('i-1');
      await ctx.store.createInstance(creation(a));
      expect(await ctx.store.createInstance(creation(instance('i-1'), { events: [lifecycleEvent('i-1', 1)] }))).toBe(false);
      const winner = next(a, {}, { events: [lifecycleEvent('i-1', 2)] });
      const loser = next(a, {}, { events: [lifecycleEvent('i-1', 3)] });
      expect(await ctx.store.commitTransition(winner)).toBe(true);
      expect(await ctx.store.commitTransition(loser)).toBe(false);
      expect((await ctx.store.readEvents(0, 10)).map((e) => e.id)).toEqual(['i-1:1:2']);
    });

    it('stay in the feed when their instance is purged', async () => {
      const a = instance('i-1', { status: 'COMPLETED' });
      await ctx.store.createInstance(creation(a, { events: [lifecycleEvent('i-1', 1, { type: 'segue.instance.completed' })] }));
      expect(await ctx.store.purgeInstance('i-1')).toBe(true);
      expect((await ctx.store.readEvents(0, 10)).map((e) => e.id)).toEqual(['i-1:1:1']);
    });
  });

  describe('subscriptions', () => {
    it('insert only when the id is free, replace at the expected rev, list by id, and delete', async () => {
      expect(await ctx.store.putSubscription(subscription('b'), null)).toBe(true);
      expect(await ctx.store.putSubscription(subscription('a'), null)).toBe(true);
      expect(await ctx.store.putSubscription(subscription('a', { url: 'https://other.example.com/' }), null)).toBe(false);
      const moved = subscription('a', { rev: 2, cursor: 7, lease: { owner: 'engine-1', until: T0 + 30_000 } });
      expect(await ctx.store.putSubscription(moved, 1)).toBe(true);
      expect(await ctx.store.putSubscription(subscription('a', { rev: 2 }), 1)).toBe(false);
      expect(await ctx.store.getSubscription('a')).toEqual(moved);
      expect(await ctx.store.getSubscription('missing')).toBeNull();
      expect((await ctx.store.listSubscriptions()).map((s) => s.id)).toEqual(['a', 'b']);
      expect(await ctx.store.deleteSubscription('a')).toBe(true);
      expect(await ctx.store.deleteSubscription('a')).toBe(false);
      expect((await ctx.store.listSubscriptions()).map((s) => s.id)).toEqual(['b']);
    });

    it('keep dead letters by event, oldest first, replaced when put again, and removed with the subscription', async () => {
      await ctx.store.putSubscription(subscription('a'), null);
      const letter = (seq: number, over: Partial<DeadLetter> = {}): DeadLetter => ({
        subscriptionId: 'a',
        event: { ...lifecycleEvent('i-1', seq), seq },
        attempts: 5,
        lastError: 'answered 503 Service Unavailable',
        deadAt: T0 + seq,
        ...over,
      });
      await ctx.store.putDeadLetter(letter(9));
      await ctx.store.putDeadLetter(letter(3));
      await ctx.store.putDeadLetter(letter(3, { attempts: 6 }));
      await ctx.store.putDeadLetter(letter(4, { subscriptionId: 'b' }));
      expect(await ctx.store.listDeadLetters('a', 10)).toEqual([letter(3, { attempts: 6 }), letter(9)]);
      expect(await ctx.store.listDeadLetters('a', 1)).toEqual([letter(3, { attempts: 6 })]);
      expect(await ctx.store.getDeadLetter('a', 'i-1:1:9')).toEqual(letter(9));
      expect(await ctx.store.getDeadLetter('a', 'i-1:1:4')).toBeNull();
      expect(await ctx.store.deleteDeadLetter('a', 'i-1:1:9')).toBe(true);
      expect(await ctx.store.deleteDeadLetter('a', 'i-1:1:9')).toBe(false);
      await ctx.store.deleteSubscription('a');
      expect(await ctx.store.listDeadLetters('a', 10)).toEqual([]);
      expect(await ctx.store.listDeadLetters('b', 10)).toHaveLength(1);
    });
  });
}
