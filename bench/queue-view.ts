/**
 * What the operator's views cost on a SQLite file: GET /v1/queues (one grouped scan of the tasks)
 * and the attention list, with many tasks queued on a queue nobody polls and some leased.
 * Medians over repeated calls: `node --import tsx bench/queue-view.ts [queued…]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../engine/clock.js';
import { createEngine } from '../engine/engine.js';

const sizes = process.argv.slice(2).map(Number);
const REPEATS = 21;

async function median(call: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i += 1) {
    const began = performance.now();
    await call();
    times.push(performance.now() - began);
  }
  return times.sort((a, b) => a - b)[REPEATS >> 1]!;
}

for (const n of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]) {
  const dir = mkdtempSync(join(tmpdir(), 'segue-bench-'));
  const clock = new ManualClock();
  const engine = await createEngine({ store: `sqlite:${join(dir, 'bench.db')}`, clock });
  await engine.register(`name: q\nsteps:\n  - { name: work, type: task, task: unpolled }\n`);
  await engine.register(`name: l\nsteps:\n  - { name: work, type: task, task: served }\n`);
  for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => engine.startInstance('q')));
  for (let i = 0; i < 100; i += 1) await engine.startInstance('l');
  await engine.tasks.poll({ queues: ['served'], worker: 'w', max: 100 });
  clock.advance(120_000);
  const queues = await median(() => engine.queues());
  const attention = await median(() => engine.needingAttention({}, 50));
  process.stdout.write(`${n} queued, 100 leased: /v1/queues ${queues.toFixed(2)} ms, attention (50) ${attention.toFixed(2)} ms (medians of ${REPEATS})\n`);
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
}
