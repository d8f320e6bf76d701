/**
 * Redrive with edits: a FAILED instance re-run from a chosen step, with its data patched, on a
 * newer version of its workflow. Everything that can be refused is checked here, before the
 * input is applied, so a dry run answers exactly what the retry would do.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Json, Plan } from '../definitions/model.js';
import { isObject, mergePatch } from '../core/data.js';
import type { EngineInput, InstanceRecord } from '../core/model.js';
import { SegueError } from './errors.js';
import type { PlanRegistry } from './plans.js';
import type { RetryPreview, RetryRequest } from '../protocol/instances.js';

/** True when the request asks for more than a plain retry. */
export function isRedrive(request: RetryRequest): boolean {
  return request.from !== undefined || request.patch !== undefined || request.version !== undefined;
}

/**
 * The retry input for `request`, and what it would change. Throws INVALID_STATE when the instance
 * cannot be redriven, BAD_REQUEST for a step or version that does not exist, INPUT_INVALID when the
 * patched data breaks the input schema.
 */
export async function prepareRedrive(
  record: InstanceRecord,
  plans: PlanRegistry,
  request: RetryRequest,
  by: string | undefined,
): Promise<{ input: Extract<EngineInput, { type: 'retry' }>; preview: RetryPreview }> {
  const failed = record.state.failedFrame;
  if (record.setAside !== undefined && isRedrive(request)) {
    throw new SegueError('INVALID_STATE', `instance "${record.id}" is set aside: retry it without a step, patch or version to apply what it holds`);
  }
  if (record.status !== 'FAILED' || !failed) {
    throw new SegueError('INVALID_STATE', `instance "${record.id}" is ${record.status}: only a FAILED instance can be retried from a step, with a patch, on another version or as a dry run`);
  }
  const plan = await targetPlan(record, plans, request.version);
  const from = request.from ?? failed.step;
  const scope = plan.scopes.get(failed.scope);
  if (!scope?.byName.has(from)) {
    const known = scope ? `; its steps are ${scope.steps.map((s) => `"${s.name}"`).join(', ')}` : '';
    const which = request.from === undefined ? `the failed step "${from}"` : `step "${from}"`;
    throw new SegueError('BAD_REQUEST', `workflow "${plan.name}" version ${plan.version} has no ${which} at its top level to retry from${known}`);
  }
  const data = request.patch === undefined ? failed.data : mergePatch(failed.data, request.patch);
  if (request.patch !== undefined) plans.checkPatchedData(plan, failed.data, data);
  const input = retryInput(request, by);
  if (request.from !== undefined) input.from = from;
  if (request.patch !== undefined) input.patch = request.patch;
  if (plan.version !== record.version) input.version = plan.version;
  const preview: RetryPreview = {
    instanceId: record.id,
    from,
    failedAt: failed.step,
    version: { from: record.version, to: plan.version },
    changes: changedPointers(failed.data, data),
    data,
  };
  return { input, preview };
}

/** The retry input of who asked and why; a plain retry is no more than this. */
export function retryInput(request: RetryRequest, by: string | undefined): Extract<EngineInput, { type: 'retry' }> {
  const input: Extract<EngineInput, { type: 'retry' }> = { type: 'retry' };
  if (request.reason !== undefined) input.reason = request.reason;
  if (by !== undefined) input.by = by;
  return input;
}

async function targetPlan(record: InstanceRecord, plans: PlanRegistry, version: RetryRequest['version']): Promise<Plan> {
  if (version === undefined) return plans.get(record.workflow, record.version);
  try {
    return await plans.get(record.workflow, version === 'latest' ? undefined : version);
  } catch (err) {
    if (err instanceof SegueError && err.code === 'NOT_FOUND') throw new SegueError('BAD_REQUEST', err.message);
    throw err;
  }
}

/** JSON pointers (RFC 6901) of the fields that differ between `before` and `after`, objects walked down to what differs. */
export function changedPointers(before: Json | undefined, after: Json | undefined, at = ''): string[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (!isObject(before) || !isObject(after)) return [at === '' ? '/' : at];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed: string[] = [];
  for (const key of keys) {
    const pointer = `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    changed.push(...changedPointers(Object.hasOwn(before, key) ? before[key] : undefined, Object.hasOwn(after, key) ? after[key] : undefined, pointer));
  }
  return changed;
}
