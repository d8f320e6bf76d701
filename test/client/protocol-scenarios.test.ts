/**
 * The shared protocol scenarios (test/protocol-scenarios/*.json, described in the README there) on
 * the TypeScript worker against a real server. The Python worker's tests run the same files, so
 * both SDKs are held to the same end states and the same requests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import type { SegueClient } from '../../client/http-client.js';
import { createWorker, type WorkerContext, type WorkerHandler } from '../../client/worker-client.js';
import { REPO, serverForFile } from '../helpers/server.js';

interface Behaviour {
  sleepMs?: number;
  heartbeats?: number;
  fail?: { error: string; message: string; retryable?: boolean };
  return?: Json;
  returnInput?: true | Record<string, Json>;
  returnContext?: true;
}

interface Scenario {
  description: string;
  workflow: { name: string } & Record<string, Json>;
  instance: { id: string; input: Json };
  worker: { concurrency: number; name?: string; types?: string[] };
  handlers: Record<string, Behaviour | { attempts: Behaviour[] }>;
  expect: {
    status: string;
    output?: Json;
    error?: Record<string, Json>;
    calls?: Record<string, number>;
    maxInFlight?: number;
    history?: Record<string, number>;
    workerInHistory?: string;
    requests?: Record<string, number>;
  };
}

const DIR = join(REPO, 'test', 'protocol-scenarios');
const scenarios = readdirSync(DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => [file, JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Scenario] as const);

const server = serverForFile();

/** The handlers a scenario describes, counting their calls and the most running at once. */
function handlersOf(scenario: Scenario): { handlers: Record<string, WorkerHandler>; calls: Record<string, number>; maxInFlight: () => number } {
  const calls: Record<string, number> = {};
  let inFlight = 0;
  let most = 0;
  const handlers: Record<string, WorkerHandler> = {};
  for (const [type, spec] of Object.entries(scenario.handlers)) {
    calls[type] = 0;
    handlers[type] = async (input: Json, ctx: WorkerContext) => {
      calls[type]! += 1;
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        const attempts = 'attempts' in spec ? spec.attempts : [spec];
        return await behave(attempts[Math.min(ctx.attempt, attempts.length) - 1]!, input, ctx);
      } finally {
        inFlight -= 1;
      }
    };
  }
  return { handlers, calls, maxInFlight: () => most };
}

async function behave(b: Behaviour, input: Json, ctx: WorkerContext): Promise<Json | undefined> {
  if (b.sleepMs) await new Promise((resolve) => setTimeout(resolve, b.sleepMs));
  for (let i = 0; i < (b.heartbeats ?? 0); i += 1) await ctx.heartbeat();
  if (b.fail) throw Object.assign(new Error(b.fail.message), { name: b.fail.error, ...(b.fail.retryable === false ? { retryable: false } : {}) });
  if (b.returnContext) return { attempt: ctx.attempt, instanceId: ctx.instanceId, step: ctx.step, type: ctx.type };
  if (b.returnInput === true) return input;
  if (b.returnInput) return { ...(input as Record<string, Json>), ...b.returnInput };
  return b.return;
}

/** The counters of /metrics the scenarios' `requests` speak of. */
async function requestCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (pattern: RegExp): number =>
    text
      .split('\n')
      .filter((line) => pattern.test(line))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return {
    results: count(/^segue_http_request_duration_seconds_count\{method="POST",route="\/v1\/tasks\/results",/),
    heartbeats: count(/^segue_http_request_duration_seconds_count\{method="POST",route="\/v1\/tasks\/\{token\}\/heartbeat",/),
    single: count(/^segue_http_request_duration_seconds_count\{method="POST",route="\/v1\/tasks\/\{token\}\/(complete|fail)",/),
    polledWithTasks: count(/^segue_task_poll_wait_seconds_count\{result="tasks"\}/),
  };
}

function withInstanceId(value: Json | undefined, id: string): Json | undefined {
  if (value === '$instanceId') return id;
  if (Array.isArray(value)) return value.map((v) => withInstanceId(v, id)!);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withInstanceId(v, id)!]));
  return value;
}

async function finished(client: SegueClient, id: string): Promise<Awaited<ReturnType<SegueClient['getInstance']>>> {
  for (;;) {
    const view = await client.getInstance(id, '10s');
    if (!['PENDING', 'RUNNING'].includes(view.status)) return view;
  }
}

describe('protocol scenarios on the TypeScript worker', () => {
  it('finds the scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(8);
  });

  it.each(scenarios)('%s', async (_, scenario) => {
    const { url, client } = server();
    await client.registerWorkflow(JSON.stringify(scenario.workflow), 'application/json');
    const { handlers, calls, maxInFlight } = handlersOf(scenario);
    const before = await requestCounts(url);
    const worker = createWorker({
      url,
      handlers,
      concurrency: scenario.worker.concurrency,
      pollWait: '5s',
      ...(scenario.worker.name ? { worker: scenario.worker.name } : {}),
      ...(scenario.worker.types ? { types: scenario.worker.types } : {}),
    });
    worker.start();
    let view;
    try {
      await client.startInstance(scenario.workflow.name, { id: scenario.instance.id, input: scenario.instance.input });
      view = await finished(client, scenario.instance.id);
    } finally {
      await worker.stop();
    }
    const want = scenario.expect;
    expect(view.status).toBe(want.status);
    if ('output' in want) expect(view.output).toEqual(withInstanceId(want.output, view.id));
    if (want.error) expect(view.error).toMatchObject(want.error);
    if (want.calls) expect(calls).toEqual(want.calls);
    if (want.maxInFlight !== undefined) expect(maxInFlight()).toBe(want.maxInFlight);
    if (want.history || want.workerInHistory) {
      const events = await client.history(view.id);
      if (want.history) {
        for (const [type, n] of Object.entries(want.history)) expect(events.filter((e) => e.type === type), type).toHaveLength(n);
      }
      if (want.workerInHistory) {
        const started = events.filter((e) => e.type === 'TaskStarted');
        expect(started.length).toBeGreaterThan(0);
        for (const e of started) expect((e.details as { worker?: string }).worker).toBe(want.workerInHistory);
      }
    }
    if (want.requests) {
      const after = await requestCounts(url);
      const counted = Object.fromEntries(Object.keys(want.requests).map((key) => [key, after[key]! - before[key]!]));
      expect(counted).toEqual(want.requests);
    }
  });
});
