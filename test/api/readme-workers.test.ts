/** The README's "Workers" section against the code: every task route is there, and its handler module loads and runs. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../api/routes.js';
import { loadWorkerModule } from '../../cli/worker-module.js';
import { REPO, tempDir } from '../helpers/server.js';

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const WORKERS = README.slice(README.indexOf('\n## Workers\n'), README.indexOf('\n## ', README.indexOf('\n## Workers\n') + 1));
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("the README's Workers section", () => {
  it('lists every route of the worker protocol with its body', () => {
    expect(WORKERS.length).toBeGreaterThan(100);
    for (const route of ROUTES.filter((r) => r.tag === 'tasks')) expect(WORKERS, route.operationId).toContain(`| \`${route.method.toUpperCase()} ${route.path}\` |`);
    expect(WORKERS).toContain('{types: ["payments.charge"], worker: "w1", max?: 1–100, wait?: "30s" or ms}');
  });

  it('shows a handler module that --worker loads, with a handler that answers and one that fails as described', async () => {
    const source = /```ts\n([\s\S]*?)```/.exec(WORKERS)?.[1];
    expect(source).toBeDefined();
    const file = join(tmp.dir, 'readme-worker.ts');
    writeFileSync(file, source!);
    const handlers = await loadWorkerModule(file);
    expect(Object.keys(handlers)).toEqual(['payments.charge', 'email.send']);
    const ctx = { attempt: 2, instanceId: 'i', step: 's', type: 'payments.charge', heartbeat: async () => undefined };
    expect(await handlers['payments.charge']!({ orderId: 'A-1' }, ctx)).toEqual({ paymentId: 'PAY-A-1', attempt: 2 });
    await expect(Promise.resolve().then(() => handlers['email.send']!({ to: 'ada@example.com' }, ctx))).rejects.toMatchObject({ name: 'MailboxFull', retryable: false });
  });
});
