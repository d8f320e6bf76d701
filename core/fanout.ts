/**
 * Parallel branches and map iterations: child frames forked from a parent frame and joined back.
 */
import type { Json, MapStep, ParallelStep, ToleratedFailures } from '../definitions/model.js';
import { copyJson, isObject } from './data.js';
import type { Decision } from './context.js';
import type { ErrorInfo, Frame, Join } from './model.js';
import { completeStep, failStep } from './steps.js';
import { cancelFrame } from './cancel.js';

export async function startParallel(d: Decision, frame: Frame, step: ParallelStep): Promise<void> {
  const join: Join = { kind: 'parallel', running: [], results: {} };
  frame.wait = { kind: 'join' };
  frame.join = join;
  for (const branch of step.branches) {
    const child = fork(d, frame, branch.scope, copyJson(frame.data));
    child.branch = branch.name;
    join.running.push(child.id);
  }
}

export async function startMap(d: Decision, frame: Frame, step: MapStep): Promise<void> {
  const value = await step.items.evaluate(frame.data, d.bindings(frame));
  // JSONata gives a single value for a one-item sequence and nothing for an empty one.
  const items: Json[] = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (items.length === 0) return completeStep(d, frame, step, []);
  if (items.length > d.options.maxMapItems) {
    const message = `"items" gave ${items.length} items, more than the limit of ${d.options.maxMapItems}; split the list, or process it in pages with a loop`;
    return failStep(d, frame, step, { error: 'LimitExceeded', message, retryable: false });
  }
  frame.wait = { kind: 'join' };
  frame.join = { kind: 'map', running: [], results: {}, items, nextIndex: 0, failures: 0 };
  launchIterations(d, frame, step);
}

function launchIterations(d: Decision, frame: Frame, step: MapStep): void {
  const join = frame.join!;
  const items = join.items!;
  while (join.nextIndex! < items.length && (step.concurrency === 0 || join.running.length < step.concurrency)) {
    const index = join.nextIndex!;
    const item = items[index]!;
    const child = fork(d, frame, step.body, isObject(item) ? copyJson(item) : { item: copyJson(item) });
    child.index = index;
    child.item = item;
    join.running.push(child.id);
    join.nextIndex = index + 1;
  }
}

function fork(d: Decision, parent: Frame, scope: string, data: Json): Frame {
  const child: Frame = { id: d.newId('f'), parent: parent.id, scope, step: d.firstStep(scope), data, attempt: 1 };
  d.state.frames[child.id] = child;
  d.markReady(child);
  return child;
}

/** A branch or iteration reached its end with `output`. */
export async function childFinished(d: Decision, child: Frame, output: Json): Promise<void> {
  const parent = d.frame(child.parent!);
  const join = parent?.join;
  if (!parent || !join) return;
  join.running = join.running.filter((id) => id !== child.id);
  join.results[resultKey(child)] = output;
  await settle(d, parent);
}

/** A branch or iteration failed past its own catch rules. */
export async function childFailed(d: Decision, child: Frame, error: ErrorInfo): Promise<void> {
  const parent = d.frame(child.parent!);
  const join = parent?.join;
  if (!parent || !join) return;
  join.running = join.running.filter((id) => id !== child.id);
  const step = d.stepOf(parent);
  if (step.type === 'map' && join.kind === 'map') {
    join.failures = (join.failures ?? 0) + 1;
    if (withinTolerance(step.toleratedFailures, join.failures, join.items!.length)) {
      join.results[resultKey(child)] = { error: error.error, message: error.message };
      return settle(d, parent);
    }
    return abortJoin(d, parent, { ...error, index: child.index! });
  }
  return abortJoin(d, parent, { ...error, branch: child.branch! });
}

/** The first failure past tolerance cancels the siblings still running; the step fails with it. */
async function abortJoin(d: Decision, parent: Frame, error: ErrorInfo): Promise<void> {
  for (const id of parent.join!.running) cancelFrame(d, id, `${parent.step} failed`);
  await failStep(d, parent, d.stepOf(parent), error);
}

async function settle(d: Decision, parent: Frame): Promise<void> {
  const join = parent.join!;
  const step = d.stepOf(parent);
  if (step.type === 'map') {
    launchIterations(d, parent, step);
    if (join.running.length > 0) return;
    const results = join.items!.map((_, i) => join.results[String(i)] ?? null);
    return completeStep(d, parent, step, results);
  }
  if (join.running.length > 0) return;
  // Branches finish in any order; the result lists them as the definition declares them.
  const results: Record<string, Json> = {};
  if (step.type === 'parallel') for (const branch of step.branches) results[branch.name] = join.results[branch.name] ?? null;
  return completeStep(d, parent, step, results);
}

function resultKey(child: Frame): string {
  return child.branch ?? String(child.index);
}

function withinTolerance(tolerated: ToleratedFailures, failures: number, total: number): boolean {
  if (tolerated.kind === 'count') return failures <= tolerated.count;
  return (failures / total) * 100 <= tolerated.percent;
}
