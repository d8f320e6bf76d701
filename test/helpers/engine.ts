/** An engine on an in-memory store with a manual clock, and helpers to drive it in tests. */
import { ManualClock } from '../../engine/clock.js';
import { createEngine, type Engine, type EngineOptions } from '../../engine/engine.js';
import type { TaskHandler } from '../../engine/local-workers.js';
import type { Store } from '../../engine/store/port.js';
import type { Json } from '../../definitions/model.js';

export interface TestEngine {
  engine: Engine;
  clock: ManualClock;
  /** Registers YAML definitions. */
  register(...yaml: string[]): Promise<void>;
  /** Starts an instance and runs everything that can run now. */
  run(workflow: string, input?: Json, id?: string): Promise<string>;
  /** Moves the clock and runs what became due. */
  advance(ms: number): Promise<void>;
  /** Task types seen by handlers, in order. */
  calls: { type: string; input: Json; attempt: number }[];
}

export async function testEngine(
  handlers: Record<string, TaskHandler> = {},
  options: { store?: Store | string; random?: () => number; maxStepsPerInput?: number; engine?: Partial<EngineOptions> } = {},
): Promise<TestEngine> {
  const clock = new ManualClock();
  const calls: TestEngine['calls'] = [];
  const traced: Record<string, TaskHandler> = {};
  for (const [type, handler] of Object.entries(handlers)) {
    traced[type] = (input, ctx) => {
      calls.push({ type, input, attempt: ctx.attempt });
      return handler(input, ctx);
    };
  }
  const engine = await createEngine({
    store: options.store ?? 'memory',
    clock,
    random: options.random ?? (() => 0.5),
    handlers: traced,
    ...options.engine,
    ...(options.maxStepsPerInput ? { decide: { maxStepsPerInput: options.maxStepsPerInput } } : {}),
  });
  return {
    engine,
    clock,
    calls,
    async register(...yaml) {
      for (const text of yaml) await engine.register(text);
    },
    async run(workflow, input = {}, id) {
      const view = await engine.startInstance(workflow, { input, ...(id ? { id } : {}) });
      await engine.runUntilIdle();
      return view.id;
    },
    async advance(ms) {
      clock.advance(ms);
      await engine.runUntilIdle();
    },
  };
}

/** A handler that echoes its input merged with `extra`. */
export function echo(extra: Record<string, Json> = {}): TaskHandler {
  return (input) => (typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...input, ...extra } : { value: input, ...extra });
}

/** An error with a name, as a worker would throw it. */
export function named(name: string, message = name, retryable?: boolean): Error {
  const e = new Error(message) as Error & { retryable?: boolean };
  e.name = name;
  if (retryable !== undefined) e.retryable = retryable;
  return e;
}

/**
 * Runs in-process work until the instance has no task in flight: real HTTP calls (http steps)
 * finish on the real event loop, so this polls briefly instead of only running what is due.
 */
export async function settle(t: TestEngine, id: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    await t.engine.runUntilIdle();
    const view = await t.engine.getInstance(id);
    if (view.status !== 'RUNNING' || view.current.every((c) => c.waiting !== 'task')) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}
