/**
 * Circuit breakers of http steps over real HTTP: the target is a server process of its own that
 * answers 503 until it is healed. The engine's clock is the manual one, so the breaker's open
 * time passes when the test says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ApiMetrics } from '../../api/metrics.js';
import { settle, testEngine, type TestEngine } from '../helpers/engine.js';

/** Answers 503 to every call until POST /heal, then 200; GET /hits says how many calls came (those two aside). */
const TARGET = `
let healthy = false, hits = 0;
const server = require('node:http').createServer((req, res) => {
  if (req.url === '/heal') { healthy = true; return res.end(); }
  if (req.url === '/hits') return res.end(String(hits));
  hits += 1;
  res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ healthy }));
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

let target: ChildProcess;
let base: string;
beforeAll(async () => {
  target = spawn(process.execPath, ['-e', TARGET], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(target.stdout!, 'data')) as [Buffer];
  base = `http://127.0.0.1:${chunk.toString().trim()}`;
});
afterAll(() => {
  target.kill();
});

let t: TestEngine;
let metrics: ApiMetrics;
afterEach(async () => {
  metrics.close();
  await t.engine.stop();
});

const hits = async (): Promise<number> => Number(await (await fetch(`${base}/hits`)).text());

const CALL = (retry: string) => `
name: call-${retry === '' ? 'once' : 'retrying'}
steps:
  - name: call
    type: http
    url: "\${ base & '/pay' }"
    ${retry}
`;

it('opens after failures in a row, fails fast with CircuitOpen, half-opens and closes, all in the metrics', async () => {
  t = await testEngine({}, { engine: { http: { allowHosts: ['127.0.0.1'] }, breakers: { failureThreshold: 3, openMs: 60_000 } } });
  metrics = new ApiMetrics(t.engine);
  await t.register(CALL(''), CALL('retry: { maxAttempts: 3, initialInterval: 1m, backoffCoefficient: 1 }'));
  const host = new URL(base).host;
  const failure = async (workflow: string) => {
    const view = await t.engine.startInstance(workflow, { input: { base } });
    await settle(t, view.id);
    return t.engine.getInstance(view.id);
  };

  for (let i = 0; i < 3; i += 1) expect((await failure('call-once')).error).toMatchObject({ error: 'HttpError', message: expect.stringContaining('answered 503') });
  expect(await hits()).toBe(3);
  const fast = await failure('call-once');
  expect(fast.status).toBe('FAILED');
  expect(fast.error).toMatchObject({ error: 'CircuitOpen', message: expect.stringContaining(`the circuit breaker for host "${host}" is open, as it failed 3 times in a row`) });
  expect(await hits()).toBe(3);
  let text = await metrics.text();
  expect(text).toContain(`segue_http_circuit_state{host="${host}",state="open"} 1`);
  expect(text).toContain(`segue_http_circuit_state{host="${host}",state="closed"} 0`);
  expect(text).toContain(`segue_http_circuit_transitions_total{host="${host}",from="closed",to="open"} 1`);

  // CircuitOpen is retryable: the step's policy retries it, and the retry a minute later is the
  // half-open breaker's trial call, which reaches the (healed) target and closes the breaker.
  await fetch(`${base}/heal`, { method: 'POST' });
  const retried = await t.engine.startInstance('call-retrying', { input: { base } });
  await settle(t, retried.id);
  expect((await t.engine.getInstance(retried.id)).current).toMatchObject([{ step: 'call', waiting: 'retry', attempt: 1 }]);
  expect(await hits()).toBe(3);
  await t.advance(60_000);
  await settle(t, retried.id);
  expect(await t.engine.getInstance(retried.id)).toMatchObject({ status: 'COMPLETED', output: { call: { status: 200, body: { healthy: true } } } });
  expect(await hits()).toBe(4);
  text = await metrics.text();
  expect(text).toContain(`segue_http_circuit_state{host="${host}",state="closed"} 1`);
  expect(text).toContain(`segue_http_circuit_transitions_total{host="${host}",from="open",to="half-open"} 1`);
  expect(text).toContain(`segue_http_circuit_transitions_total{host="${host}",from="half-open",to="closed"} 1`);
});
