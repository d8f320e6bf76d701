/**
 * The worker protocol: long-poll for tasks, then complete, fail or heartbeat by token, one at a
 * time or in batches; the task tokens of steps that wait for a callback, sent back; and the queues' overview.
 */
import type { Json } from '../definitions/model.js';
import { SegueError } from '../engine/errors.js';
import type { NextTasks } from '../engine/task-queue.js';
import { waitMs, type Handler, type HandlerContext } from './handler-context.js';
import { toProblem } from './problems.js';
import type { ClaimedTask, FailureReport, TaskTokenFailure } from '../protocol/tasks.js';
import type { TaskTokenOperation } from './routes.js';

type TaskOperations = 'pollTasks' | 'completeTask' | 'failTask' | 'reportTaskResults' | 'heartbeatTask' | TaskTokenOperation | 'listQueues';

interface PollBody {
  types: string[];
  worker: string;
  max?: number;
  wait?: string | number;
}

/** One item of POST /v1/tasks/results: a failure when it names an error, else a completion. */
type ResultItem = { token: string; output?: Json } | ({ token: string } & FailureReport);

/** With results, a worker's request for the tasks they lead to: `max` is the room it has. */
interface NextBody {
  types: string[];
  worker: string;
  max: number;
}

interface ResultOutcome {
  token: string;
  status: 'accepted' | 'stale' | 'refused';
  detail?: string;
}

export function taskHandlers(ctx: HandlerContext): Record<TaskOperations, Handler> {
  const { engine, metrics } = ctx;
  const apply = (item: ResultItem, next?: NextTasks): Promise<void> => {
    if ('error' in item) {
      const { token, ...report } = item;
      return engine.tasks.fail(token, report, next);
    }
    return engine.tasks.complete(item.token, item.output ?? null, next);
  };
  return {
    pollTasks: async (call) => {
      const body = call.body as PollBody;
      const began = performance.now();
      const request = { queues: body.types, worker: body.worker, max: body.max ?? 1, waitMs: waitMs(body.wait, ctx.maxPollWaitMs, 'wait') };
      // Aborted when the worker hangs up or the server stops: the poll answers at once.
      const tasks = await engine.tasks.poll(request, call.signal);
      metrics.observePoll((performance.now() - began) / 1000, tasks.length);
      return { status: 200, body: tasks };
    },
    completeTask: async (call) => {
      await engine.tasks.complete(call.params.token as string, ((call.body as { output?: Json }).output ?? null) as Json);
      return { status: 204 };
    },
    failTask: async (call) => {
      await engine.tasks.fail(call.params.token as string, call.body as FailureReport);
      return { status: 204 };
    },
    reportTaskResults: async (call) => {
      const { results: items, next: asked } = call.body as { results: ResultItem[]; next?: NextBody };
      const next = asked ? engine.tasks.nextTasks({ queues: asked.types, worker: asked.worker, max: asked.max }) : undefined;
      // Applied concurrently: results for different instances share the store's group commit.
      const settled = await Promise.allSettled(items.map((item) => apply(item, next)));
      const results = settled.map((s, i) => outcome(items[i]!.token, s));
      // Not the client's doing (the store failed): the worker sends the whole batch again. Tasks
      // already leased to it time out when their leases end, as a poll's answer lost on the way would.
      const failed = results.findIndex((r) => r === null);
      if (failed >= 0) throw (settled[failed] as PromiseRejectedResult).reason;
      const body: { results: (ResultOutcome | null)[]; tasks?: ClaimedTask[] } = { results };
      if (next) body.tasks = await engine.tasks.handOver(next);
      return { status: 200, body };
    },
    heartbeatTask: async (call) => ({ status: 200, body: await engine.tasks.heartbeat(call.params.token as string) }),
    sendTaskSuccess: async (call) => {
      await engine.taskTokens.succeed(call.params.token as string, ((call.body as { output?: Json }).output ?? null) as Json);
      return { status: 204 };
    },
    sendTaskFailure: async (call) => {
      await engine.taskTokens.fail(call.params.token as string, call.body as TaskTokenFailure);
      return { status: 204 };
    },
    sendTaskHeartbeat: async (call) => {
      await engine.taskTokens.heartbeat(call.params.token as string);
      return { status: 204 };
    },
    listQueues: async () => ({ status: 200, body: { items: await engine.queues() } }),
  };
}

/** The outcome of one result; null when it failed for a reason that is not the client's. */
function outcome(token: string, settled: PromiseSettledResult<void>): ResultOutcome | null {
  if (settled.status === 'fulfilled') return { token, status: 'accepted' };
  const err: unknown = settled.reason;
  // The same table as single results: what would be a 4xx there is this item's outcome here.
  if (!(err instanceof SegueError) || toProblem(err, '').problem.status >= 500) return null;
  const stale = err.code === 'STALE_TOKEN' || err.code === 'NOT_FOUND';
  return { token, status: stale ? 'stale' : 'refused', detail: err.message };
}
