/** The API's metrics, observed from the commits of an engine in this process. */
import { afterEach, expect, it } from 'vitest';
import { ApiMetrics } from '../../api/metrics.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
let metrics: ApiMetrics | undefined;
afterEach(async () => {
  metrics?.close();
  await t?.engine.stop();
});

function count(text: string, metric: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

it('times steps of at most so many instances at once, forgetting the least recently active', async () => {
  t = await testEngine();
  await t.register(`
name: metered
steps:
  - { name: work, type: task, task: metered.work }
`);
  metrics = new ApiMetrics(t.engine, 2);
  // Three instances each open a step; tracking two, the first one's is forgotten.
  for (let i = 0; i < 3; i += 1) await t.engine.startInstance('metered');
  const tasks = await t.engine.tasks.poll({ queues: ['metered.work'], max: 3 });
  expect(tasks).toHaveLength(3);
  for (const task of tasks) await t.engine.tasks.complete(task.token, { ok: true });

  const text = await metrics.text();
  expect(count(text, 'segue_instances_finished_total', 'workflow="metered",status="COMPLETED"')).toBe(3);
  expect(count(text, 'segue_step_duration_seconds_count', 'workflow="metered",step="work",outcome="completed"')).toBe(2);
});
