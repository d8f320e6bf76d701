/**
 * Runs one corpus case on the engine: a fresh engine on the in-memory store with a virtual clock
 * (Waits and retry backoffs take no time), the definition registered as an ASL workflow, one
 * execution started with the case's input and driven to its end, every Task answered with the
 * recorded results of its state, in order.
 */
import { ManualClock } from '../../engine/clock.js';
import { createEngine } from '../../engine/engine.js';
import { SegueError } from '../../engine/errors.js';
import type { Json } from '../../definitions/model.js';
import { loadPlan } from '../../definitions/load.js';
import { formatProblem } from '../../definitions/model.js';
import type { Call, Reply, TaskAnswers } from '../../workflow-tests/mocks.js';
import { VirtualTimeDriver } from '../../workflow-tests/virtual-time.js';
import type { CorpusCase, RecordedTaskResult } from './corpus.js';

/** How Segue ended the execution, in Step Functions' terms. */
export interface Execution {
  status: string;
  output?: Json;
  error?: string;
  cause?: string;
  /** Why the run did not come to an end of its own (a Task asked for more results than recorded, …). */
  stopped?: string;
}

const START = Date.parse('2024-01-01T00:00:00Z');
const WORKFLOW = 'conformance';

/** Step Functions' name for each of Segue's terminal statuses. */
const STATUS: Record<string, string> = { COMPLETED: 'SUCCEEDED', FAILED: 'FAILED', TIMED_OUT: 'TIMED_OUT', CANCELLED: 'ABORTED', TERMINATED: 'ABORTED' };

export async function runCorpusCase(c: CorpusCase): Promise<Execution> {
  const text = JSON.stringify(c.definition, null, 2);
  const file = `${WORKFLOW}.asl.json`;
  const loaded = loadPlan(text, file);
  if (!loaded.plan) return { status: 'INVALID', stopped: loaded.problems.map(formatProblem).join('; ') };
  const clock = new ManualClock(START);
  const engine = await createEngine({ store: 'memory', clock, random: seededRandom() });
  try {
    await engine.register(text, file);
    const id = 'execution-1';
    try {
      await engine.startInstance(WORKFLOW, { id, input: c.input ?? {} });
    } catch (err) {
      if (!(err instanceof SegueError)) throw err;
      return { status: 'INVALID', stopped: `the execution cannot start: ${err.message}` };
    }
    const main = { name: WORKFLOW, file, text, plan: loaded.plan };
    const driver = new VirtualTimeDriver({ engine, clock, instanceId: id, workflows: { main, byName: new Map([[WORKFLOW, main]]) }, mocks: new RecordedResults(c.mocks ?? {}), events: [] });
    const drive = await driver.run();
    const view = await driver.view();
    const execution: Execution = { status: STATUS[view.status] ?? view.status };
    if (view.status === 'COMPLETED') execution.output = view.output;
    if (view.error) {
      if (view.error.error !== '') execution.error = view.error.error;
      if (view.error.message !== '') execution.cause = view.error.message;
    }
    if (drive.ending.kind === 'unmocked') execution.stopped = `Task "${drive.ending.call.step}" was called more often than AWS recorded`;
    else if (drive.ending.kind !== 'finished') execution.stopped = `the run did not end (${drive.ending.kind})`;
    return execution;
  } finally {
    await engine.stop();
  }
}

/** The recorded results of each Task state, one per call in the order they happened. */
class RecordedResults implements TaskAnswers {
  private readonly calls = new Map<string, number>();

  constructor(private readonly recorded: Record<string, RecordedTaskResult[]>) {}

  find(call: Call): { reply(call: Call): Promise<Reply | undefined> } | undefined {
    const results = this.recorded[call.step];
    if (results === undefined) return undefined;
    return {
      reply: async () => {
        const n = this.calls.get(call.step) ?? 0;
        this.calls.set(call.step, n + 1);
        const result = results[n];
        if (result === undefined) return undefined;
        if ('output' in result) return { kind: 'output', output: result.output, afterMs: 0 };
        return { kind: 'error', error: result.error, message: result.cause ?? '', afterMs: 0 };
      },
    };
  }
}

/** A fixed pseudo-random sequence, so runs repeat exactly. */
function seededRandom(): () => number {
  let seed = 42;
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}
