import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServer, tempDir } from '../helpers/server.js';

let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  tmp = tempDir();
});

afterAll(() => tmp?.cleanup());

describe('segue serve', () => {
  it('registers the examples and runs their tasks with an in-process worker module', async () => {
    const server = await startServer(join(tmp.dir, 'examples.db'), { args: ['--workflows', 'examples', '--worker', 'examples/workers/example-worker.ts'] });
    try {
      const names = (await server.client.listWorkflows()).map((w) => w.name);
      expect(names).toEqual(expect.arrayContaining(['order-processing', 'human-approval', 'trip-booking-saga']));
      const input = { orderId: 'B-9', customer: { email: 'bo@example.com' }, items: [{ sku: 'PEN-1', quantity: 1, price: 3 }], card: '0000-1111' };
      const view = await server.client.startInstance('order-processing', { input });
      const done = await server.client.getInstance(view.id, '20s');
      expect(done.status).toBe('FAILED');
      expect(done.error).toMatchObject({ error: 'PaymentDeclined', message: 'The card was declined for order B-9: card ending 1111 was declined' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('answers open long polls and exits 0 on SIGTERM', async () => {
    const server = await startServer(join(tmp.dir, 'stop.db'));
    const poll = server.client.poll({ types: ['never.comes'], worker: 'w', wait: '60s' });
    // Give the poll time to reach the server; if it has not, it fails instead of answering [].
    await new Promise((resolve) => setTimeout(resolve, 200));
    const began = Date.now();
    const code = await server.stop();
    expect(await poll).toEqual([]);
    expect(code).toBe(0);
    // The client keeps its connection alive: the server must close it rather than wait for it.
    expect(Date.now() - began).toBeLessThan(2_000);
  });

  it('refuses to start when a definition in --workflows is invalid, naming each problem', async () => {
    const dir = join(tmp.dir, 'bad-workflows');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\nsteps:\n  - name: a\n    type: sett\n');
    const result = await runCli(['serve', '--port', '0', '--store', 'memory', '--workflows', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'broken.yaml')}:4:11: step "a": "type" is "sett", which is not a step type (did you mean "set"?)`);
  });

  it('holds no long poll longer than --max-wait, and refuses a --max-wait that is not a duration', async () => {
    const server = await startServer(join(tmp.dir, 'max-wait.db'), { args: ['--max-wait', '300ms'] });
    try {
      const began = Date.now();
      expect(await server.client.poll({ types: ['never.comes'], worker: 'w', wait: '30s' })).toEqual([]);
      const waited = Date.now() - began;
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(10_000);
    } finally {
      await server.stop();
    }
    const bad = await runCli(['serve', '--port', '0', '--store', 'memory', '--max-wait', 'forever']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-wait must be a duration like 30s or 500ms, got "forever"/);
  });

  it('refuses a port that is not a number', async () => {
    const result = await runCli(['serve', '--port', 'eighty', '--store', 'memory']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the port must be a number from 0 to 65535/);
  });
});
