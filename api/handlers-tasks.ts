/** The worker protocol: long-poll for tasks, then complete, fail or heartbeat by token. */
import type { Json } from '../definitions/model.js';
import type { FailureReport } from '../engine/task-queue.js';
import { waitMs, type Handler, type HandlerContext } from './handlers.js';

type TaskOperations = 'pollTasks' | 'completeTask' | 'failTask' | 'heartbeatTask';

interface PollBody {
  types: string[];
  worker: string;
  max?: number;
  wait?: string | number;
}

export function taskHandlers(ctx: HandlerContext): Record<TaskOperations, Handler> {
  const { engine, metrics } = ctx;
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
    heartbeatTask: async (call) => ({ status: 200, body: await engine.tasks.heartbeat(call.params.token as string) }),
  };
}
