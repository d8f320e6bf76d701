/**
 * The store records of decide's commands: the tasks, timers and child instances a decision asks
 * for, added to the draft of its commit. A task this process (or the remote worker reporting the
 * input) can take is written already leased to it.
 */
import { initialState, type DecideResult } from '../core/decide.js';
import { copyJson } from '../core/data.js';
import type { EngineInput } from '../core/model.js';
import { SegueError } from './errors.js';
import type { EagerLeases, LocalLeases } from './leases.js';
import type { PlanRegistry } from './plans.js';
import type { InstanceRecord, TaskRecord } from './store/port.js';
import type { TransitionDraft } from './transition-draft.js';

/** Who may take the tasks of a decision at once, and where a child's workflow is looked up. */
export interface RecordTargets {
  plans: PlanRegistry;
  localLeases: LocalLeases | undefined;
  eager: EagerLeases | undefined;
}

/** Adds the store writes of decide's commands to the draft. */
export async function addCommandRecords(draft: TransitionDraft, result: DecideResult, now: number, to: RecordTargets): Promise<void> {
  const id = result.record.id;
  draft.history.push(...result.history);
  for (const c of result.commands) {
    switch (c.type) {
      case 'scheduleTask': {
        const task: TaskRecord = {
          id: c.task.id,
          instanceId: id,
          run: result.record.run,
          step: c.task.step,
          type: c.task.type,
          queue: c.task.queue,
          input: c.task.input,
          attempt: c.task.attempt,
          status: 'QUEUED',
          timeoutMs: c.task.timeoutMs,
          heartbeatMs: c.task.heartbeatMs,
          createdAt: now,
          token: null,
          worker: null,
          leasedAt: null,
          leaseExpiresAt: null,
        };
        // A task this process can run at once is written already leased to it: no claim round
        // trip; so is one the remote worker reporting the input asked for.
        const local = to.localLeases?.reserve(task);
        const remote = local ? null : to.eager?.reserve(c.task.queue);
        if (local) leaseTo(task, local, now);
        else if (remote) {
          leaseTo(task, remote, now);
          draft.leaseEagerly(task.id, to.eager!);
        }
        draft.createTasks.push(task);
        break;
      }
      case 'removeTask':
        draft.removeTask(c.taskId);
        break;
      case 'startTimer':
        draft.createTimers.push({ id: c.timerId, instanceId: id, dueAt: c.dueAt, input: c.input });
        break;
      case 'removeTimer':
        draft.removeTimer(c.timerId);
        break;
      case 'message':
        draft.createTimers.push({ id: c.messageId, instanceId: c.instanceId, dueAt: now, input: c.input });
        break;
      case 'startChild':
        await addChild(draft, result.record, c, now, to.plans);
        break;
    }
  }
}

/** The child instance is created with the parent's commit and started by a timer due now. */
async function addChild(
  draft: TransitionDraft,
  parent: InstanceRecord,
  c: Extract<DecideResult['commands'][number], { type: 'startChild' }>,
  now: number,
  plans: PlanRegistry,
): Promise<void> {
  let version: number;
  try {
    version = (await plans.get(c.workflow, c.version)).version;
  } catch (err) {
    if (!(err instanceof SegueError)) throw err;
    const input: EngineInput = { type: 'childFinished', childId: c.childId, status: 'FAILED', error: { error: 'ChildFailed', message: err.message } };
    draft.createTimers.push({ id: `${c.childId}:finished`, instanceId: parent.id, dueAt: now, input });
    return;
  }
  draft.createInstances.push({
    id: c.childId,
    run: 1,
    workflow: c.workflow,
    version,
    status: 'PENDING',
    rev: 1,
    parentId: parent.id,
    createdAt: now,
    updatedAt: now,
    waits: [],
    state: initialState(c.input, now, { parent: { id: parent.id, childId: c.childId } }),
  });
  draft.createTimers.push({ id: `${c.childId}:start`, instanceId: c.childId, dueAt: now, input: { type: 'start' } });
}

/** Makes `task` (not written yet) leased to `lease`'s worker. */
export function leaseTo(task: TaskRecord, lease: { worker: string; token: string }, now: number): void {
  // Its own copy: the input may be the frame's data, which later decisions change.
  task.input = copyJson(task.input);
  task.status = 'LEASED';
  task.token = lease.token;
  task.worker = lease.worker;
  task.leasedAt = now;
  task.leaseExpiresAt = now + Math.min(task.timeoutMs, task.heartbeatMs ?? task.timeoutMs);
}
