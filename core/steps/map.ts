/** `map`: an iteration per item, at most `concurrency` at a time; results in item order. */
import type { Json, MapStep, ToleratedFailures } from '../../definitions/model.js';
import type { Decision, StepHandler } from '../context.js';
import { copyJson, isObject } from '../data.js';
import { completeStep, failStep } from '../flow.js';
import { hookEnvironment, hookError, errorInfo } from '../hooks.js';
import type { Frame } from '../model.js';
import { abortJoin, fork, leave } from './join.js';

export const map: StepHandler<MapStep> = {
  async enter(d, frame, step) {
    // With hooks (ASL), they give the iterations' inputs and limits; else `items` and the step's own.
    const run = step.hooks?.items ? await step.hooks.items(frame.data, hookEnvironment(d, frame, step)) : undefined;
    const items = run ? run.inputs : await ownItems(d, frame, step);
    if (items.length === 0) return completeStep(d, frame, step, []);
    if (items.length > d.options.maxMapItems) {
      const message = `"items" gave ${items.length} items, more than the limit of ${d.options.maxMapItems}; split the list, or process it in pages with a loop`;
      return failStep(d, frame, step, { error: 'LimitExceeded', message, retryable: false });
    }
    frame.wait = { kind: 'join' };
    frame.join = { kind: 'map', running: [], results: {}, items, nextIndex: 0, failures: 0, ...(run ? { concurrency: run.concurrency, tolerance: run.tolerance } : {}) };
    launchIterations(d, frame, step);
  },

  async childEnded(d, parent, step, child, end) {
    leave(parent, child);
    const join = parent.join!;
    if ('error' in end && step.hooks?.tolerates) {
      join.failures = (join.failures ?? 0) + 1;
      const exceeded = step.hooks.tolerates(join.tolerance ?? {}, join.failures, join.items!.length, hookError(end.error));
      if (exceeded) return abortJoin(d, parent, step, { ...end.error, ...errorInfo(exceeded, end.error.step ?? step.name), index: child.index! });
      join.results[String(child.index)] = step.hooks.failedItem?.(hookError(end.error)) ?? null;
    } else if ('error' in end) {
      join.failures = (join.failures ?? 0) + 1;
      if (!withinTolerance(step.toleratedFailures, join.failures, join.items!.length)) {
        return abortJoin(d, parent, step, { ...end.error, index: child.index! });
      }
      join.results[String(child.index)] = { error: end.error.error, message: end.error.message };
    } else {
      join.results[String(child.index)] = end.output;
    }
    launchIterations(d, parent, step);
    if (join.running.length > 0) return;
    const results = join.items!.map((_, i) => join.results[String(i)] ?? null);
    return completeStep(d, parent, step, results);
  },
};

async function ownItems(d: Decision, frame: Frame, step: MapStep): Promise<Json[]> {
  const value = await step.items.evaluate(frame.data, d.bindings(frame));
  // JSONata gives a single value for a one-item sequence and nothing for an empty one.
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function launchIterations(d: Decision, frame: Frame, step: MapStep): void {
  const join = frame.join!;
  const items = join.items!;
  const concurrency = join.concurrency ?? step.concurrency;
  while (join.nextIndex! < items.length && (concurrency === 0 || join.running.length < concurrency)) {
    const index = join.nextIndex!;
    const item = items[index]!;
    // With hooks, the items are the iterations' inputs as they are.
    const data = step.hooks ? copyJson(item) : isObject(item) ? copyJson(item) : { item: copyJson(item) };
    const child = fork(d, frame, step.body, data);
    child.index = index;
    child.item = item;
    join.running.push(child.id);
    join.nextIndex = index + 1;
  }
}

function withinTolerance(tolerated: ToleratedFailures, failures: number, total: number): boolean {
  if (tolerated.kind === 'count') return failures <= tolerated.count;
  return (failures / total) * 100 <= tolerated.percent;
}
