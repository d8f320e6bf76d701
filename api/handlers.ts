/**
 * The handlers behind the routes: each turns a checked call into one engine call and a reply.
 * Validation, errors and serialisation live around them (request.ts, problems.ts, app.ts).
 */
import type { Engine } from '../engine/engine.js';
import { parseDuration } from '../definitions/duration.js';
import { definitionHandlers } from './handlers-definitions.js';
import { eventOutHandlers } from './handlers-events-out.js';
import { graphHandlers } from './handlers-graph.js';
import { instanceHandlers } from './handlers-instances.js';
import { scheduleHandlers } from './handlers-schedules.js';
import { taskHandlers } from './handlers-tasks.js';
import type { ApiMetrics } from './metrics.js';
import { ApiError } from './problems.js';
import type { ApiCall } from './request.js';
import type { OperationId } from './routes.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** For answers that are not JSON (metrics). */
  text?: { contentType: string; value: string };
}

export type Handler = (call: ApiCall) => Promise<Reply>;
export type Handlers = Record<OperationId, Handler>;

export interface HandlerContext {
  engine: Engine;
  metrics: ApiMetrics;
  /** Longest `?wait` on GET /v1/instances/{id}, ms. */
  maxInstanceWaitMs: number;
  /** Longest `wait` of a task poll (and of a read of the event feed), ms. */
  maxPollWaitMs: number;
  openapi: () => object;
}

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
        await ctx.engine.store.ping();
      } catch (err) {
        throw new ApiError('UNHEALTHY', `the store does not answer: ${(err as Error).message}`);
      }
      return { status: 200, body: { status: 'ok' } };
    },
    metrics: async () => ({ status: 200, text: { contentType: ctx.metrics.contentType, value: await ctx.metrics.text() } }),
    openapi: async () => ({ status: 200, body: ctx.openapi() }),
  };
}

/** A wait given as a duration string or as milliseconds, capped at `maxMs`. */
export function waitMs(value: unknown, maxMs: number, name: string): number {
  if (value === undefined) return 0;
  const ms = typeof value === 'number' ? value : parseDuration(String(value));
  if (ms === null) throw new ApiError('REQUEST_INVALID', `"${name}" must be a duration like 30s or 500ms, or a number of milliseconds`);
  return Math.min(ms, maxMs);
}
