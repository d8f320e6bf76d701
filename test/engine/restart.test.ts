/**
 * An engine that goes away (without stopping cleanly) loses nothing: a new engine on the same
 * SQLite file fires overdue timers late rather than never, and retries attempts whose lease expired.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ManualClock } from '../../engine/clock.js';
import { createEngine } from '../../engine/engine.js';
import { openStore } from '../../engine/store/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'segue-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const workflow = `
name: patient
steps:
  - { name: nap, type: delay, duration: 1h }
  - name: work
    type: task
    task: work
    timeout: 1m
    retry: { maxAttempts: 2, initialInterval: 1s }
  - { name: done, type: succeed, output: { worked: "\${ work.ok }" } }
`;

it('fires a timer that fell due while no engine ran, and retries a task whose worker vanished', async () => {
  const url = `sqlite:${join(dir, 'restart.db')}`;
  const clock = new ManualClock();
  const first = await createEngine({ store: await openStore(url), clock });
  await first.register(workflow);
  const { id } = await first.startInstance('patient');
  // The first engine "crashes": its store connection is dropped without any clean-up of state.
  await first.store.close();

  clock.advance(3 * 3_600_000); // the 1h timer is two hours overdue by the time anyone looks
  const second = await createEngine({ store: await openStore(url), clock });
  await second.runUntilIdle();
  expect((await second.getInstance(id)).current).toMatchObject([{ step: 'work', waiting: 'task' }]);
  // A worker takes the task and vanishes with it.
  const [lost] = await second.tasks.poll({ queues: ['work'], worker: 'doomed' });
  expect(lost!.attempt).toBe(1);
  await second.store.close();

  clock.advance(61_000); // past the lease
  let ran = 0;
  const third = await createEngine({ store: await openStore(url), clock, handlers: { work: () => ({ ok: ++ran }) } });
  await third.runUntilIdle(); // the expired lease times the attempt out; a retry is due in 1s
  clock.advance(1_000);
  await third.runUntilIdle();
  const view = await third.getInstance(id);
  expect(view.status).toBe('COMPLETED');
  expect(view.output).toEqual({ worked: 1 });
  const history = await third.history(id);
  expect(history.filter((e) => e.type === 'TimerFired')).toHaveLength(2); // the delay, then the retry
  expect(history.filter((e) => e.type === 'TaskTimedOut')).toHaveLength(1);
  await expect(third.tasks.complete(lost!.token, { late: true })).rejects.toMatchObject({ code: 'STALE_TOKEN' });
  await third.store.close();
});
