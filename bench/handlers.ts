/**
 * The benchmark's task handlers, the same in-process and in worker processes: no work, so the
 * figures measure the engine. Each returns its input plus one field.
 */
import type { Json } from '../definitions/model.js';

type Handler = (input: Json, ctx: { attempt: number }) => Json;

function withDone(input: Json): Json {
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...input, done: true } : { value: input, done: true };
}

/** Attempts that fail before one succeeds; keyed on the attempt number so it needs no memory. */
export const FLAKY_FAILURES = 2;

export const BENCH_HANDLERS: Record<string, Handler> = {
  'bench.noop': (input) => withDone(input),
  'bench.flaky': (input, ctx) => {
    if (ctx.attempt <= FLAKY_FAILURES) {
      const err = new Error(`attempt ${ctx.attempt} fails on purpose`);
      err.name = 'Flaky';
      throw err;
    }
    return withDone(input);
  },
};
