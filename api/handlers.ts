/**
 * The handlers behind the routes: each turns a checked call into one engine call and a reply.
 * Validation, errors and serialisation live around them (request.ts, problems.ts, app.ts).
 */
import { definitionHandlers } from './handlers-definitions.js';
import { eventOutHandlers } from './handlers-events-out.js';
import { graphHandlers } from './handlers-graph.js';
import { instanceHandlers } from './handlers-instances.js';
import { scheduleHandlers } from './handlers-schedules.js';
import { taskHandlers } from './handlers-tasks.js';
import type { HandlerContext, Handlers } from './handler-context.js';
import { ApiError } from './problems.js';

export function createHandlers(ctx: HandlerContext): Handlers {
  return {
    ...definitionHandlers(ctx),
    ...graphHandlers(ctx),
    ...instanceHandlers(ctx),
    ...taskHandlers(ctx),
    ...scheduleHandlers(ctx),
    ...eventOutHandlers(ctx),
    health: async () => {
      try {
        await ctx.engine.ping();
      } catch (err) {
        throw new ApiError('UNHEALTHY', `the store does not answer: ${(err as Error).message}`);
      }
      return { status: 200, body: { status: 'ok' } };
    },
    metrics: async () => ({ status: 200, text: { contentType: ctx.metrics.contentType, value: await ctx.metrics.text() } }),
    openapi: async () => ({ status: 200, body: ctx.openapi() }),
  };
}
