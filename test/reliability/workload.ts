/**
 * The chaos workload, drawn from a seed: which instances start when, with what input, and what
 * each must end with — status, output, step completions, events, compensations and tasks —
 * computed from the input alone.
 */
import type { Json } from '../../definitions/model.js';
import { taskValue } from './chaos-tasks.js';

/** A seeded source of numbers in [0, 1) (mulberry32): the same seed draws the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export type Kind = 'retry' | 'fanout' | 'events' | 'saga';

const WORKFLOWS: Record<Kind, string> = { retry: 'chaos-retry', fanout: 'chaos-fanout', events: 'chaos-events', saga: 'chaos-saga' };
export const WORKFLOW_FILES = Object.values(WORKFLOWS).map((name) => `${name}.yaml`);

export interface Expected {
  status: 'COMPLETED' | 'FAILED';
  /** COMPLETED: the output. */
  output?: Json;
  /** FAILED: the error name. */
  error?: string;
  /** Step name → how many StepCompleted events it must have (absent = none). */
  steps: Record<string, number>;
  /** Task step name → how many TaskCompleted events (each task of that step completes once). */
  tasks: Record<string, number>;
  /** Steps whose compensations must complete, in the order they run. */
  compensations: string[];
  /** Stages of the tasks the instance needs done (by the worker), each at least once. */
  stages: string[];
}

export interface InstanceSpec {
  id: string;
  kind: Kind;
  workflow: string;
  input: Json;
  /** When to start it, ms after the run began. */
  startAfterMs: number;
  expected: Expected;
}

/** The events the harness raises: `first` for the instance itself, `second` by correlation key. */
export const EVENTS = {
  first: (key: string): Json => ({ value: `first-${key}` }),
  second: (key: string): Json => ({ value: `second-${key}` }),
};

/** `count` instances of every kind, their starts spread over `spreadMs`. */
export function drawWorkload(seed: number, count: number, spreadMs: number): InstanceSpec[] {
  const random = seededRandom(seed);
  const kinds: Kind[] = ['retry', 'fanout', 'events', 'saga'];
  const specs: InstanceSpec[] = [];
  for (let i = 0; i < count; i += 1) {
    const kind = kinds[i % kinds.length]!;
    const id = `chaos-${seed}-${i}`;
    const failTimes = randomInt(random, 0, 2);
    const input = inputFor(kind, id, failTimes, random);
    specs.push({ id, kind, workflow: WORKFLOWS[kind], input, startAfterMs: Math.round((spreadMs * i) / count), expected: expectedFor(kind, input) });
  }
  return specs;
}

function inputFor(kind: Kind, key: string, failTimes: number, random: () => number): Record<string, Json> {
  switch (kind) {
    case 'fanout':
      return { key, failTimes, items: Array.from({ length: randomInt(random, 2, 5) }, () => randomInt(random, 1, 99)) };
    case 'saga':
      return { key, failTimes, refuse: random() < 0.4 };
    default:
      return { key, failTimes };
  }
}

function expectedFor(kind: Kind, input: Record<string, Json>): Expected {
  const key = input.key as string;
  const once = (...names: string[]): Record<string, number> => Object.fromEntries(names.map((n) => [n, 1]));
  switch (kind) {
    case 'retry': {
      const fetched = taskValue('fetch', key);
      return {
        status: 'COMPLETED',
        output: { key, fetched, transformed: taskValue('transform', fetched) },
        steps: once('fetch', 'pause', 'transform', 'done'),
        tasks: once('fetch', 'transform'),
        compensations: [],
        stages: ['fetch', 'transform'],
      };
    }
    case 'fanout': {
      const items = input.items as number[];
      return {
        status: 'COMPLETED',
        output: { key, left: taskValue('left', key), right: taskValue('right', key), items: items.map((n, i) => taskValue(`item-${i}`, `${key}:${n}`)) },
        steps: { ...once('both', 'leftTask', 'rightPause', 'rightTask', 'each', 'done'), itemTask: items.length },
        tasks: { ...once('leftTask', 'rightTask'), itemTask: items.length },
        compensations: [],
        stages: ['left', 'right', ...items.map((_, i) => `item-${i}`)],
      };
    }
    case 'events':
      return {
        status: 'COMPLETED',
        output: { key, first: `first-${key}`, second: `second-${key}`, recorded: taskValue('record', key) },
        steps: once('pause', 'first', 'record', 'second', 'done'),
        tasks: once('record'),
        compensations: [],
        stages: ['record'],
      };
    case 'saga':
      return input.refuse === true
        ? {
            status: 'FAILED',
            error: 'Refused',
            steps: once('reserve', 'charge'),
            tasks: once('reserve', 'charge'),
            compensations: ['charge', 'reserve'],
            stages: ['reserve', 'charge', 'ship', 'undo-charge', 'undo-reserve'],
          }
        : {
            status: 'COMPLETED',
            output: { key, reserved: taskValue('reserve', key), charged: taskValue('charge', key), shipped: taskValue('ship', key) },
            steps: once('reserve', 'charge', 'ship', 'done'),
            tasks: once('reserve', 'charge', 'ship'),
            compensations: [],
            stages: ['reserve', 'charge', 'ship'],
          };
  }
}
