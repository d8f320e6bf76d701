/**
 * JSONata as Step Functions runs it: the `jsonata` package, plus the functions AWS adds
 * (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`) and without `$eval`.
 *
 * This is the one place the ASL modules touch the `jsonata` package. When the project's shared
 * expression module (definitions/expressions.ts) gains its evaluation budgets, `compileJsonata`
 * and `evaluate` below are the seam to switch over; nothing else needs to change.
 */
import jsonata from 'jsonata';
import type { Json } from '../model.js';
import { HASH_ALGORITHMS, hashHex, partition, range } from './common-functions.js';
import { JavaRandom, uuidFrom } from './random.js';
import type { RandomSource } from './random.js';

/** Values bound as `$name` (without the `$`): `states` and the workflow's variables. */
export type JsonataBindings = Record<string, Json | undefined>;

export interface JsonataExpression {
  readonly source: string;
  /** The expression's value, or undefined when it selects nothing. */
  evaluate(bindings: JsonataBindings, random: RandomSource): Promise<Json | undefined>;
}

/** JSONata refused the text; `offset` is the index of the fault in `source`. */
export class JsonataSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${detail} in the JSONata expression "${source}"`);
    this.name = 'JsonataSyntaxError';
  }
}

/** The expression failed while it ran; `detail` is JSONata's message (with its error code). */
export class JsonataEvaluationError extends Error {
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`the JSONata expression "${source}" failed: ${detail}`);
    this.name = 'JsonataEvaluationError';
  }
}

export function compileJsonata(source: string): JsonataExpression {
  let compiled: ReturnType<typeof jsonata>;
  try {
    compiled = jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number };
    const offset = Math.max(0, Math.min(source.length, e.position ?? 1) - 1);
    throw new JsonataSyntaxError(source, offset, e.message ?? String(err));
  }
  return {
    source,
    async evaluate(bindings, random) {
      // The random source differs per evaluation, so the functions that use it are bound each time.
      const functions = awsFunctions(random);
      for (const [name, { implementation, signature }] of Object.entries(functions)) compiled.registerFunction(name, implementation, signature);
      try {
        return toJson(await compiled.evaluate(undefined, bindings));
      } catch (err) {
        const e = err as { code?: string; message?: string };
        throw new JsonataEvaluationError(source, e.code ? `${e.code}: ${e.message}` : (e.message ?? String(err)));
      }
    },
  };
}

/** Names of the functions Step Functions adds to JSONata. */
export const AWS_JSONATA_FUNCTIONS = ['partition', 'range', 'hash', 'random', 'uuid', 'parse'] as const;

// JSONata checks the arguments against the signature before it calls the function.
type Registered = { implementation: (...args: any[]) => unknown; signature?: string };

function fail(message: string): never {
  // A code of our own: JSONata replaces the message of the codes it knows with its own text.
  throw Object.assign(new Error(message), { code: 'SFN01' });
}

function awsFunctions(random: RandomSource): Record<string, Registered> {
  return {
    partition: {
      implementation: (items: Json[], size: number) => {
        const chunk = Math.trunc(size);
        if (chunk < 1) fail('$partition: the chunk size must be a positive number');
        return partition(items, chunk);
      },
      signature: '<an:a>',
    },
    range: {
      // AWS drops fractions towards zero and includes the end when a step lands on it.
      implementation: (start: number, end: number, step: number) => {
        const [from, to, by] = [Math.trunc(start), Math.trunc(end), Math.trunc(step)];
        if (by === 0) fail('$range: the step cannot be 0');
        return range(from, to, by);
      },
      signature: '<nnn:a<n>>',
    },
    hash: {
      implementation: (value: string, algorithm: string) => {
        return hashHex(value, algorithm) ?? fail(`$hash: the algorithm must be one of ${Object.keys(HASH_ALGORITHMS).join(', ')}`);
      },
      signature: '<ss:s>',
    },
    random: {
      // With a seed, Java's generator, so the number is the one AWS gives.
      implementation: (seed?: number) => (seed === undefined ? random() : new JavaRandom(seed).nextDouble()),
      signature: '<n?:n>',
    },
    uuid: { implementation: () => uuidFrom(random), signature: '<:s>' },
    parse: {
      implementation: (text: string) => {
        try {
          return JSON.parse(text) as Json;
        } catch {
          return fail('$parse: the text is not valid JSON');
        }
      },
      signature: '<s:j>',
    },
    eval: { implementation: () => fail('$eval is not available in Step Functions; use $parse to read JSON text') },
  };
}

/** JSONata may return sequences (arrays with extra flags) and functions; keep only plain JSON. */
function toJson(value: unknown): Json | undefined {
  if (value === undefined || typeof value === 'function') return undefined;
  if (value === null || typeof value !== 'object') return value as Json;
  return JSON.parse(JSON.stringify(value)) as Json;
}
