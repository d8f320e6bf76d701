/** Run slots: a workflow's concurrency limit, held in the store for every engine on it. */
import { describe, expect, it } from 'vitest';
import type { SlotRequest } from '../../engine/store/port.js';
import { T0 } from './records.js';
import type { StoreContext } from './store-contract.js';

const req = (at: number, limit = 2, maxWaiting = 100): SlotRequest => ({ limit, at, maxWaiting });

export function runSlotContract(ctx: StoreContext): void {
  describe('run slots', () => {
    it('gives slots up to the limit, queues the rest in start order, and keeps a holder its slot', async () => {
      const { store } = ctx;
      expect(await store.takeRunSlot('orders', 'i-1', req(T0))).toEqual({ answer: 'held', promoted: [] });
      expect(await store.takeRunSlot('orders', 'i-2', req(T0 + 1))).toEqual({ answer: 'held', promoted: [] });
      expect(await store.takeRunSlot('orders', 'i-5', req(T0 + 5))).toEqual({ answer: 'queued', promoted: [] });
      expect(await store.takeRunSlot('orders', 'i-3', req(T0 + 3))).toEqual({ answer: 'queued', promoted: [] });
      // Asking again changes nothing: a holder keeps its slot, a waiting instance its place.
      expect(await store.takeRunSlot('orders', 'i-1', req(T0))).toEqual({ answer: 'held', promoted: [] });
      expect(await store.takeRunSlot('orders', 'i-5', req(T0 + 5))).toEqual({ answer: 'queued', promoted: [] });
      // Another workflow counts on its own.
      expect(await store.takeRunSlot('billing', 'b-1', req(T0, 1))).toEqual({ answer: 'held', promoted: [] });
      expect(await store.listRunSlots()).toEqual([
        { workflow: 'billing', holders: ['b-1'], waiting: [] },
        { workflow: 'orders', holders: ['i-1', 'i-2'], waiting: [{ id: 'i-3', at: T0 + 3 }, { id: 'i-5', at: T0 + 5 }] },
      ]);
    });

    it('hands a freed slot to the oldest waiting instance, and forgets one that leaves the queue', async () => {
      const { store } = ctx;
      for (const [id, at] of [['i-1', 1], ['i-2', 2], ['i-3', 3], ['i-4', 4]] as const) await store.takeRunSlot('orders', id, req(T0 + at));
      expect(await store.giveBackRunSlot('orders', 'i-3', 2)).toEqual([]);
      expect(await store.giveBackRunSlot('orders', 'i-1', 2)).toEqual(['i-4']);
      expect(await store.giveBackRunSlot('orders', 'i-1', 2)).toEqual([]);
      expect(await store.listRunSlots()).toEqual([{ workflow: 'orders', holders: ['i-2', 'i-4'], waiting: [] }]);
      await store.giveBackRunSlot('orders', 'i-2', 2);
      await store.giveBackRunSlot('orders', 'i-4', 2);
      expect(await store.listRunSlots()).toEqual([]);
    });

    it('fills every slot a raised limit frees, and refuses past the longest queue', async () => {
      const { store } = ctx;
      for (const [id, at] of [['i-1', 1], ['i-2', 2], ['i-3', 3]] as const) await store.takeRunSlot('orders', id, req(T0 + at, 1, 2));
      expect(await store.takeRunSlot('orders', 'i-4', req(T0 + 4, 1, 2))).toEqual({ answer: 'refused', promoted: [] });
      expect(await store.takeRunSlot('orders', 'i-4', req(T0 + 4, 3, 2))).toEqual({ answer: 'queued', promoted: ['i-2', 'i-3'] });
    });

    it('holds the limit exactly when many ask at once', async () => {
      const { store } = ctx;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => store.takeRunSlot('orders', `i-${i}`, req(T0 + i, 3))));
      expect(answers.filter((a) => a.answer === 'held')).toHaveLength(3);
      const [slots] = await store.listRunSlots();
      expect(slots!.holders).toHaveLength(3);
      expect(slots!.waiting).toHaveLength(17);
      const freed = await Promise.all(slots!.holders.map((id) => store.giveBackRunSlot('orders', id, 3)));
      // Each give-back hands its slot to the oldest still waiting, whichever of them ran first.
      expect(freed.flat().sort()).toEqual(slots!.waiting.slice(0, 3).map((w) => w.id).sort());
    });
  });
}
