/**
 * The API against its own contract, checked by an outside tool: schemathesis (from PyPI) generates
 * requests from /openapi.json of a real `segue serve` (a temporary SQLite file, the examples
 * registered, some instances and a schedule to find) and checks every answer: no 5xx; status,
 * content type, headers and body as the document declares them; what the document refuses is
 * refused, and what it accepts is accepted (where a schema can say it: test/api/schemathesis.toml).
 * Bounded by examples per operation, and by a deadline. In CI (CI=true) a missing schemathesis is
 * a failure; elsewhere the test is skipped, saying why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { REPO, startServer, tempDir, type TestServer } from '../helpers/server.js';

const SCHEMATHESIS = 'schemathesis';
const CONFIG = join(REPO, 'test', 'api', 'schemathesis.toml');
/** Generated cases per operation and phase; with the seed, the run is the same every time. */
const MAX_EXAMPLES = 20;
const SEED = 20_261_201;
const DEADLINE_MS = 240_000;

const installed = spawnSync(SCHEMATHESIS, ['--version'], { encoding: 'utf8' }).status === 0;
const inCi = process.env.CI === 'true';

const APPROVAL = { requester: 'ada', approver: 'bob', item: 'lamp', amount: 40 };
const ORDER = { customer: { email: 'ada@example.com' }, items: [{ sku: 'BOOK-1', quantity: 2, price: 12.5 }] };
/** The ids schemathesis.toml names, so that generated requests find something. */
const SEEDED: { id: string; workflow: string; input: Json }[] = [
  ...[1, 2, 3].map((n) => ({ id: `st-waiting-${n}`, workflow: 'human-approval', input: { requestId: `R-${n}`, ...APPROVAL } })),
  { id: 'st-done', workflow: 'order-processing', input: { orderId: 'A-1', ...ORDER, card: '4242' } },
  { id: 'st-failed', workflow: 'order-processing', input: { orderId: 'A-2', ...ORDER, card: '0000-1111' } },
];

let server: TestServer | undefined;
const tmp = tempDir();

beforeAll(async () => {
  if (!installed) return;
  // Long polls are cut short: a generated `wait` must not hold a request for a minute.
  const args = ['--workflows', 'examples', '--worker', 'examples/workers/example-worker.ts', '--max-wait', '200ms'];
  server = await startServer(join(tmp.dir, 'schemathesis.db'), { args });
  for (const s of SEEDED) await server.client.startInstance(s.workflow, { id: s.id, input: s.input }, '5s');
  await server.client.createSchedule({ id: 'st-schedule', workflow: 'map-items', cron: '0 0 1 1 *', paused: true });
  await server.client.createSubscription({ id: 'st-subscription', url: 'https://hooks.example.com/segue', paused: true });
});

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

/** Runs schemathesis to its end (or the deadline); its exit code and everything it printed. */
function runSchemathesis(url: string): Promise<{ code: number | null; output: string }> {
  const args = ['--config-file', CONFIG, 'run', `${url}/openapi.json`, '--max-examples', String(MAX_EXAMPLES), '--seed', String(SEED), '--no-color'];
  return new Promise((resolve) => {
    const child = spawn(SCHEMATHESIS, args, { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n(stopped: no result within ${DEADLINE_MS / 1000} s)`;
      child.kill('SIGKILL');
    }, DEADLINE_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** What a failed run says about its failures: from its FAILURES (or ERRORS) heading on. */
function findings(output: string): string {
  const start = output.search(/^=+ (ERRORS|FAILURES) =+$/m);
  return start < 0 ? output : output.slice(start);
}

describe('the API against /openapi.json, under schemathesis', () => {
  if (!installed && inCi) {
    it('runs in CI', () => {
      throw new Error(`"${SCHEMATHESIS}" is not installed, and CI must run this check: pip install schemathesis (.ci/run does)`);
    });
    return;
  }
  const title = installed
    ? `answers every generated request as the document says, without a 5xx (${MAX_EXAMPLES} examples per operation)`
    : `skipped: "${SCHEMATHESIS}" is not installed (pip install schemathesis)`;
  it.skipIf(!installed)(
    title,
    async () => {
      const { code, output } = await runSchemathesis(server!.url);
      expect(code, findings(output)).toBe(0);
      // Every operation of the document tested, and thousands of requests sent: not a run that did nothing.
      const [, selected, total] = /Selected: (\d+)\/(\d+)/.exec(output) ?? [];
      expect(Number(total)).toBeGreaterThan(30);
      expect(selected).toBe(total);
      expect(/Tested: (\d+)/.exec(output)?.[1]).toBe(total);
      expect(Number(/(\d+) generated/.exec(output)?.[1] ?? 0), output.slice(-600)).toBeGreaterThan(1000);
    },
    DEADLINE_MS + 10_000,
  );
});
