/** Instances and events: start, read, list, history, raise and deliver events (and the triggers they start), lifecycle, purge. */
import type { Json } from '../definitions/model.js';
import type { StartOptions } from '../engine/engine.js';
import { SegueError } from '../engine/errors.js';
import type { IncomingEvent } from '../engine/triggers.js';
import { TERMINAL_STATUSES, type InstanceFilter, type InstanceStatus } from '../engine/store/port.js';
import { waitMs, type Handler, type HandlerContext } from './handler-context.js';
import type { EvaluationRequest } from '../protocol/evaluation.js';
import type { LifecycleAction, RetryRequest, StartRequest } from '../protocol/instances.js';

type InstanceOperations =
  | 'startInstance'
  | 'listInstances'
  | 'countInstances'
  | 'getInstance'
  | 'purgeInstance'
  | 'getHistory'
  | 'evaluateExpression'
  | 'raiseEvent'
  | 'deliverEvent'
  | 'listTriggers'
  | `${LifecycleAction}Instance`;

const DEFAULT_PAGE = 50;

export function instanceHandlers(ctx: HandlerContext): Record<InstanceOperations, Handler> {
  const { engine } = ctx;
  const lifecycle =
    (action: LifecycleAction): Handler =>
    async (call) => ({ status: 200, body: await engine.lifecycle(call.params.id as string, action, (call.body as { reason?: string }).reason) });
  return {
    startInstance: async (call) => {
      // Checked before starting: a bad wait must not leave an instance behind a 400.
      const wait = waitMs(call.query.wait, ctx.maxInstanceWaitMs, 'wait');
      const started = await engine.startInstance(call.params.name as string, startOptions(call.body as StartRequest));
      const view = wait > 0 && !TERMINAL_STATUSES.has(started.status) ? await engine.waitForInstance(started.id, wait) : started;
      return { status: 201, body: view, headers: { Location: `/v1/instances/${encodeURIComponent(view.id)}` } };
    },
    listInstances: async (call) => {
      const q = call.query as { limit?: number; cursor?: string; attention?: boolean; key?: string };
      if (q.key !== undefined) {
        if (q.cursor !== undefined || q.attention) throw new SegueError('BAD_REQUEST', `query parameter "${q.attention ? 'attention' : 'cursor'}" does not go with "key": the instances waiting with a key come in one page (raise "limit")`);
        return { status: 200, body: await engine.findByKey(q.key, instanceFilter(call.query), q.limit ?? DEFAULT_PAGE) };
      }
      if (q.attention) {
        if (q.cursor !== undefined) throw new SegueError('BAD_REQUEST', 'query parameter "cursor" does not go with attention=true: the instances needing attention come in one page (raise "limit")');
        return { status: 200, body: await engine.needingAttention(instanceFilter(call.query), q.limit ?? DEFAULT_PAGE) };
      }
      return { status: 200, body: await engine.listInstances(instanceFilter(call.query), q.limit ?? DEFAULT_PAGE, q.cursor) };
    },
    countInstances: async (call) => ({ status: 200, body: await engine.countByStatus(instanceFilter(call.query)) }),
    getInstance: async (call) => {
      const id = call.params.id as string;
      const wait = waitMs(call.query.wait, ctx.maxInstanceWaitMs, 'wait');
      return { status: 200, body: wait > 0 ? await engine.waitForInstance(id, wait) : await engine.getInstance(id) };
    },
    purgeInstance: async (call) => {
      await engine.purge(call.params.id as string);
      return { status: 204 };
    },
    getHistory: async (call) => ({
      status: 200,
      body: {
        events: await engine.history(call.params.id as string, call.query.run as number | undefined, call.query.after as number | undefined, call.query.limit as number | undefined),
      },
    }),
    evaluateExpression: async (call) => ({ status: 200, body: await engine.evaluate(call.params.id as string, call.body as EvaluationRequest) }),
    raiseEvent: async (call) => {
      await engine.raiseEvent(call.params.id as string, call.params.event as string, call.body as Json);
      return { status: 202 };
    },
    deliverEvent: async (call) => ({ status: 200, body: await engine.publishEvent(call.body as IncomingEvent) }),
    listTriggers: async (call) => ({ status: 200, body: await engine.triggers(call.query.event as string | undefined) }),
    cancelInstance: lifecycle('cancel'),
    terminateInstance: lifecycle('terminate'),
    suspendInstance: lifecycle('suspend'),
    resumeInstance: lifecycle('resume'),
    retryInstance: async (call) => ({ status: 200, body: await engine.retry(call.params.id as string, call.body as RetryRequest, call.caller) }),
  };
}

function startOptions(body: StartRequest): StartOptions {
  const options: StartOptions = {};
  if (body.input !== undefined) options.input = body.input;
  if (body.id !== undefined) options.id = body.id;
  if (body.version !== undefined) options.version = body.version;
  if (body.startAt !== undefined) options.startAt = typeof body.startAt === 'number' ? body.startAt : Date.parse(body.startAt);
  return options;
}

function instanceFilter(query: Record<string, unknown>): InstanceFilter {
  const q = query as { workflow?: string; status?: string; from?: string; to?: string; setAside?: boolean };
  const filter: InstanceFilter = {};
  if (q.workflow !== undefined) filter.workflow = q.workflow;
  if (q.status !== undefined) filter.status = q.status.split(',') as InstanceStatus[];
  if (q.from !== undefined) filter.from = Date.parse(q.from);
  if (q.to !== undefined) filter.to = Date.parse(q.to);
  if (q.setAside !== undefined) filter.setAside = q.setAside;
  return filter;
}
