/**
 * Every example runs: with `segue run` (a real process, on the memory store, with the example
 * worker), or — for the one that never ends by design — on an in-process engine.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerModule } from '../cli/worker-module.js';
import { testEngine } from './helpers/engine.js';

const run = promisify(execFile);
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const WORKER = 'examples/workers/example-worker.ts';

async function segueRun(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run "npm run build" first (npm test does)');
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'run', ...args], { cwd: new URL('..', import.meta.url).pathname, timeout: 60_000, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The `--input` JSON a `# run:` line of the example's header documents (the n-th one). */
async function documentedInput(example: string, nth = 0): Promise<string> {
  const text = await readFile(new URL(`../examples/${example}`, import.meta.url), 'utf8');
  const inputs = [...text.matchAll(/^# run: segue run .*--input '([^']+)'/gm)].map((m) => m[1]!);
  if (!inputs[nth]) throw new Error(`examples/${example} documents no run input #${nth}`);
  return inputs[nth]!;
}

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const id = Number(/\/users\/(\d+)/.exec(req.url ?? '')?.[1]);
    if (!id) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ id, name: 'Leanne Graham', email: 'Sincere@April.biz', address: { city: 'Gwenborough' } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('segue run on the examples', () => {
  it.each([
    ['order-processing.yaml', 0, { orderId: 'A-1', trackingNumber: expect.stringMatching(/^TRK-/) }],
    ['batch-fanout.yaml', 0, { date: '2024-05-01', orders: 128, lowStock: ['PEN-1', 'LAMP-2'] }],
    ['map-items.yaml', 0, { batchId: 'B-3', made: 3 }],
    ['monitor-loop.yaml', 0, { jobId: 'export-42', checks: 3 }],
    ['trip-booking-saga.yaml', 0, { tripId: 'T-1', flight: expect.stringMatching(/^FLT-/) }],
    ['shipment.yaml', 0, { carrier: 'CheapShip', trackingNumber: expect.stringMatching(/^CHE-/) }],
    // An Amazon States Language state machine, run like the others.
    ['expense-claim.yaml', 0, { claimId: 'C-1', total: 275, approvedBy: 'policy' }],
  ])('%s completes with its documented input', async (example, nth, output) => {
    const input = await documentedInput(example, nth);
    const result = await segueRun([`examples/${example}`, '--worker', WORKER, '--input', input]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject(output);
  });

  it('parent-child.yaml runs its child workflow registered with --workflows', async () => {
    const input = await documentedInput('parent-child.yaml');
    const result = await segueRun(['examples/parent-child.yaml', '--workflows', 'examples', '--worker', WORKER, '--input', input]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ orderId: 'A-7', carrier: expect.any(String) });
  });

  it('a declined card fails order-processing with exit 1, the status and the error on stderr', async () => {
    const input = await documentedInput('order-processing.yaml', 1);
    const result = await segueRun(['examples/order-processing.yaml', '--worker', WORKER, '--input', input]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^status: FAILED\nerror: /);
  });

  it('the saga compensates and fails when there are not enough seats', async () => {
    const input = await documentedInput('trip-booking-saga.yaml', 1);
    const result = await segueRun(['examples/trip-booking-saga.yaml', '--worker', WORKER, '--input', input]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('status: FAILED');
    expect(result.stderr).toContain('TripNotBooked');
  });

  it('human-approval.yaml completes with the approval raised as an event', async () => {
    const input = '{"requestId":"PR-7","requester":"dan@example.com","approver":"carol@example.com","item":"Laptop","amount":1450}';
    const result = await segueRun([
      'examples/human-approval.yaml',
      '--worker',
      WORKER,
      '--input',
      input,
      '--event',
      'approval={"approved":true,"by":"carol@example.com"}',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ requestId: 'PR-7', approvedBy: 'carol@example.com' });
  });

  it('http-call.yaml calls the given base URL', async () => {
    // The local test server is a loopback address: allowed explicitly, as it would be refused otherwise.
    const result = await segueRun(['examples/http-call.yaml', '--input', JSON.stringify({ baseUrl: base, userId: 1 })], { SEGUE_HTTP_ALLOW: '127.0.0.1' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ name: 'Leanne Graham', email: 'sincere@april.biz', city: 'Gwenborough' });
  });

  it('gives up after --timeout and says where the instance waits', async () => {
    const result = await segueRun(['examples/eternal-aggregator.yaml', '--input', '{"meterId":"M-1"}', '--timeout', '200ms']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('status: RUNNING after the --timeout; waiting at reading (event)');
  });
});

describe('eternal-aggregator.yaml', () => {
  it('aggregates correlated readings and continues as new every 100, forever', async () => {
    const t = await testEngine(await loadWorkerModule(WORKER));
    try {
      await t.register(await readFile(new URL('../examples/eternal-aggregator.yaml', import.meta.url), 'utf8'));
      const id = await t.run('eternal-aggregator', { meterId: 'M-1' });
      for (let i = 1; i <= 250; i += 1) {
        expect((await t.engine.deliverEvent('reading', 'M-1', { value: 2 })).delivered).toBe(1);
        await t.engine.runUntilIdle();
      }
      const view = await t.engine.getInstance(id);
      expect(view.status).toBe('RUNNING');
      expect(view.run).toBe(3);
      expect(view.data).toMatchObject({ meterId: 'M-1', total: 500, readings: 250, sinceRestart: 50 });
      expect(t.calls.filter((c) => c.type === 'metrics.publish')).toHaveLength(2);
    } finally {
      await t.engine.stop();
    }
  });
});
