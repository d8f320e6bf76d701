/**
 * What every handler file shares: the handler and reply types, the context handlers are built
 * with, and the reading of a `wait`. Its own module, so the handler files and handlers.ts, which
 * gathers them, import it and not each other.
 */
import type { Engine } from '../engine/engine.js';
import { parseDuration } from '../definitions/duration.js';
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

/** A wait given as a duration string or as milliseconds, capped at `maxMs`. */
export function waitMs(value: unknown, maxMs: number, name: string): number {
  if (value === undefined) return 0;
  const ms = typeof value === 'number' ? value : parseDuration(String(value));
  if (ms === null) throw new ApiError('REQUEST_INVALID', `"${name}" must be a duration like 30s or 500ms, or a number of milliseconds`);
  return Math.min(ms, maxMs);
}
