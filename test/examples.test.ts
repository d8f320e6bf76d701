import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../definitions/load.js';
import { formatProblem } from '../definitions/model.js';
import type { Plan } from '../definitions/model.js';
import worker from '../examples/workers/example-worker.js';

const folder = new URL('../examples/', import.meta.url);
// Definitions only: their tests (*.test.yaml) are run by segue test (test/workflow-tests/).
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.yaml') && !name.endsWith('.test.yaml'))
  .sort();

function load(name: string): Plan {
  const { plan, problems } = loadPlan(readFileSync(new URL(name, folder), 'utf8'), `examples/${name}`);
  expect(problems.map(formatProblem)).toEqual([]);
  return plan!;
}

/** Task types of task steps and of task compensations, in every scope. */
function taskTypes(plan: Plan): string[] {
  const types: string[] = [];
  for (const scope of plan.scopes.values()) {
    for (const step of scope.steps) {
      if (step.type === 'task') types.push(step.task);
      if ('compensate' in step && step.compensate?.kind === 'task') types.push(step.compensate.task);
    }
  }
  return types;
}

describe('examples', () => {
  it('covers every pattern of the definition language', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'batch-fanout.yaml',
        'eternal-aggregator.yaml',
        'expense-claim.yaml',
        'http-call.yaml',
        'human-approval.yaml',
        'map-items.yaml',
        'monitor-loop.yaml',
        'order-processing.yaml',
        'parent-child.yaml',
        'shipment.yaml',
        'trip-booking-saga.yaml',
      ]),
    );
  });

  it.each(files)('%s validates with no problem, compiles, and says how to run it', (name) => {
    const plan = load(name);
    expect(`${plan.name}.yaml`).toBe(name);
    const header = readFileSync(new URL(name, folder), 'utf8').split('\n')[0]!;
    expect(header).toMatch(/^# \S/);
    expect(readFileSync(new URL(name, folder), 'utf8')).toMatch(/^# run: segue /m);
  });

  it.each(files)('%s uses only task types the example worker handles', (name) => {
    for (const type of taskTypes(load(name))) expect(Object.keys(worker), `task type ${type}`).toContain(type);
  });

  it('calls child workflows that are examples too', () => {
    const names = new Set(files.map((name) => name.replace(/\.yaml$/, '')));
    const parent = load('parent-child.yaml');
    const children = [...parent.scopes.values()].flatMap((s) => s.steps).flatMap((s) => (s.type === 'workflow' ? [s.workflow] : []));
    expect(children).toEqual(['shipment']);
    for (const child of children) expect(names).toContain(child);
  });
});

describe('example worker', () => {
  const ctx = { attempt: 1 };

  it('fails the saga deterministically when more seats are asked than are left', async () => {
    await expect(worker['travel.bookFlight']!({ destination: 'Lisbon', date: '2024-06-10', seats: 9 }, ctx)).rejects.toMatchObject({
      name: 'NoSeatsAvailable',
    });
    const ticket = await worker['travel.bookFlight']!({ destination: 'Lisbon', date: '2024-06-10', seats: 2 }, ctx);
    expect(ticket).toEqual(await worker['travel.bookFlight']!({ destination: 'Lisbon', date: '2024-06-10', seats: 2 }, ctx));
  });

  it('declines cards starting with 0000 and refuses unsupported image formats by error name', async () => {
    await expect(worker['payments.charge']!({ orderId: 'A', card: '0000', amount: 3 }, ctx)).rejects.toMatchObject({ name: 'CardDeclined' });
    await expect(worker['images.resize']!({ url: 'https://x/4.gif', width: 200 }, ctx)).rejects.toMatchObject({ name: 'UnsupportedFormat' });
    expect(await worker['images.resize']!({ url: 'https://x/1.jpg', width: 200 }, ctx)).toEqual({ thumbnailUrl: 'https://x/1-w200.jpg' });
  });

  it('reports the monitored export done at the third check', async () => {
    const states = [];
    for (const check of [1, 2, 3]) states.push(((await worker['exports.status']!({ jobId: 'j', check }, ctx)) as { state: string }).state);
    expect(states).toEqual(['running', 'running', 'done']);
  });
});
