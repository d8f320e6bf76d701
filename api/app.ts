/**
 * The REST API as an express app: routes from the route table, each request checked before its
 * handler runs, every error answered as a problem document (never HTML, never a stack trace).
 */
import { setMaxListeners } from 'node:events';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Engine } from '../engine/engine.js';
import type { Handler, Reply } from './handler-context.js';
import { createHandlers } from './handlers.js';
import { ApiMetrics } from './metrics.js';
import { uiRouter } from './ui.js';
import { allows, KeyRing, routeAccess, type ApiKey } from './access.js';
import { formatBytes } from '../engine/bytes.js';
import { SegueError } from '../engine/errors.js';
import { ATTEMPT_FAILED } from '../engine/task-queue.js';
import { buildOpenApi } from './openapi.js';
import { ApiError, toProblem } from './problems.js';
import { readCall } from './request.js';
import { ROUTES, type BodySpec, type RouteSpec } from './routes.js';

const MIB = 1024 * 1024;

export interface ServerOptions {
  /** Largest JSON request body (start input, event payload, task output), bytes. Default 1 MiB. */
  payloadLimitBytes?: number;
  /** Largest definition body, bytes. Default 1 MiB. */
  definitionLimitBytes?: number;
  /**
   * Largest body of a task result, bytes: of POST /v1/tasks/results (a batch carries many tasks'
   * outputs, so it may exceed the payload limit) and of POST /v1/tasks/{token}/complete|fail (so
   * that an output over the engine's payload limit reaches the engine, which fails its attempt;
   * one larger still fails its attempt unread). Each output is held to the engine's payload
   * limit. Default 8 MiB.
   */
  resultsLimitBytes?: number;
  /** Longest `?wait` of GET /v1/instances/{id}, ms; longer waits are cut to it. Default 60 s. */
  maxInstanceWaitMs?: number;
  /** Longest `wait` of POST /v1/tasks/poll, ms. Default 60 s. */
  maxPollWaitMs?: number;
  /**
   * API keys with their roles (see access.ts). When any is given, every /v1 route needs
   * `Authorization: Bearer <key>` of a role allowed to use it. Default: none.
   */
  apiKeys?: ApiKey[];
  /**
   * Called once per management call (anything that changes state) and once per refused call
   * (401, 403) on any route, after it was answered.
   */
  onAudit?: (entry: AuditEntry) => void;
  /** Aborting it answers open long polls at once and detaches the metrics (graceful shutdown). */
  signal?: AbortSignal;
  /** Called with unexpected errors (answered 500 with a generic detail), for the server log. */
  onError?: (err: unknown, request: { method: string; path: string }) => void;
}

type Settings = Required<Omit<ServerOptions, 'apiKeys' | 'onAudit' | 'signal' | 'onError'>>;

/** One management or refused call, named by the caller's key id (never the key). */
export interface AuditEntry {
  at: string;
  /** Null without a key, or with one that matches no configured key. */
  keyId: string | null;
  action: string;
  method: string;
  path: string;
  status: number;
  /** Why the call was refused (401, 403); absent for calls let through. */
  reason?: string;
}

function settings(options: ServerOptions): Settings {
  const s: Settings = {
    payloadLimitBytes: options.payloadLimitBytes ?? MIB,
    definitionLimitBytes: options.definitionLimitBytes ?? MIB,
    resultsLimitBytes: options.resultsLimitBytes ?? 8 * MIB,
    maxInstanceWaitMs: options.maxInstanceWaitMs ?? 60_000,
    maxPollWaitMs: options.maxPollWaitMs ?? 60_000,
  };
  for (const [name, value] of Object.entries(s)) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`server option ${name} must be a positive integer, got ${value}`);
  }
  return s;
}

/** The express app serving the API for `engine`. Listening, and stopping the engine, is the caller's. */
export function createServer(engine: Engine, options: ServerOptions = {}): express.Express {
  const s = settings(options);
  const shutdown = options.signal ?? new AbortController().signal;
  // Every call in flight listens to it (see serve): many listeners are the expected load, not a leak.
  setMaxListeners(0, shutdown);
  const metrics = new ApiMetrics(engine);
  shutdown.addEventListener('abort', () => metrics.close(), { once: true });
  const keys = new KeyRing(options.apiKeys ?? []);
  const openapi = buildOpenApi(ROUTES, { authenticated: !keys.empty });
  const handlers = createHandlers({ engine, metrics, maxInstanceWaitMs: s.maxInstanceWaitMs, maxPollWaitMs: s.maxPollWaitMs, openapi: () => openapi });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(uiRouter());
  for (const route of ROUTES) {
    const chain: (RequestHandler | ErrorRequestHandler)[] = [timed(route, metrics)];
    if (route.authenticated && !keys.empty) chain.push(requireRole(keys, route, options.onAudit));
    if (options.onAudit && isManagement(route)) chain.push(audited(route, options.onAudit));
    if (route.body) chain.push(express.raw({ type: () => true, limit: bodyLimit(route.body, s) }));
    if (route.body?.kind === 'json' && route.body.taskResult) chain.push(failUnreadableResult(engine));
    app[route.method](expressPath(route.path), ...chain, serve(route, handlers[route.operationId], shutdown));
  }
  // A literal path first: /v1/events/feed must not answer for /v1/events/{event}.
  const paths = [...methodsByPath()].sort(([a], [b]) => Number(a.includes('{')) - Number(b.includes('{')));
  for (const [path, methods] of paths) app.all(expressPath(path), methodNotAllowed(methods));
  app.use((req: Request) => {
    throw new ApiError('ROUTE_NOT_FOUND', `there is no ${req.method} ${req.path}; /openapi.json lists the API's routes`);
  });
  app.use(problemResponder(options.onError));
  return app;
}

function bodyLimit(body: BodySpec, s: Settings): number {
  if (body.kind === 'definition') return s.definitionLimitBytes;
  return body.kind === 'json' && (body.batch || body.taskResult) ? s.resultsLimitBytes : s.payloadLimitBytes;
}

/**
 * A task result too large to read still names its attempt (the token in the path): that attempt
 * fails with LimitExceeded now, instead of holding its step until the lease runs out. A token no
 * longer current is answered 409, as for any result.
 */
function failUnreadableResult(engine: Engine) {
  return (err: unknown, req: Request, _res: Response, next: NextFunction): void => {
    const e = err as { type?: string; limit?: number } | undefined;
    if (e?.type !== 'entity.too.large') return next(err);
    const message = `the result is larger than the ${formatBytes(e.limit ?? 0)} a request body may carry; keep large data elsewhere and pass a reference`;
    engine.tasks
      .fail(String(req.params.token), { error: 'LimitExceeded', message, retryable: false })
      .then(() => next(new SegueError('LIMIT_EXCEEDED', `${message}; ${ATTEMPT_FAILED}`)), next);
  };
}

function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The reason a call's signal aborts with (without one, every abort builds a DOMException and its stack). */
const CALL_ENDED = new Error('the call ended: the client hung up or the server is shutting down');

function serve(route: RouteSpec, handler: Handler, shutdown: AbortSignal) {
  return async (req: Request, res: Response): Promise<void> => {
    // Aborted when the caller hangs up or the server shuts down. (Not AbortSignal.any: per request,
    // its bookkeeping on the long-lived shutdown signal costs more than these two listeners.)
    const call = new AbortController();
    const abort = (): void => call.abort(CALL_ENDED);
    shutdown.addEventListener('abort', abort, { once: true });
    res.on('close', () => {
      shutdown.removeEventListener('abort', abort);
      abort();
    });
    if (shutdown.aborted) abort();
    const reply = await handler(readCall(route, req, call.signal, res.locals.keyId as string | undefined));
    // While shutting down, a kept-alive connection would hold the server open after this answer.
    if (shutdown.aborted) res.set('Connection', 'close');
    send(res, reply);
  };
}

function send(res: Response, reply: Reply): void {
  res.status(reply.status).set(reply.headers ?? {});
  if (reply.text) res.type(reply.text.contentType).send(reply.text.value);
  else if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

function timed(route: RouteSpec, metrics: ApiMetrics) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const began = performance.now();
    res.on('finish', () => {
      // Nothing catches an error thrown here: metrics are best effort, never a way to stop the process.
      try {
        metrics.observeRequest(route.method.toUpperCase(), route.path, res.statusCode, (performance.now() - began) / 1000);
      } catch {
        // dropped
      }
    });
    next();
  };
}

function requireRole(keys: KeyRing, route: RouteSpec, onAudit: ServerOptions['onAudit']) {
  const access = routeAccess(route);
  const refuse = (req: Request, res: Response, next: NextFunction, error: ApiError, refusal: Refusal): void => {
    if (onAudit) auditOnFinish(route, req, res, onAudit, refusal);
    next(error);
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    const caller = token === undefined ? null : keys.identify(token);
    if (!caller) {
      // The reason says what was wrong with the header, never what it held.
      const reason = header === undefined ? 'no API key was sent' : token === undefined ? 'the Authorization header does not read "Bearer <key>"' : 'the key sent is none of the configured keys';
      refuse(req, res, next, new ApiError('UNAUTHORIZED', 'send an API key as "Authorization: Bearer <key>"', { 'WWW-Authenticate': 'Bearer' }), { keyId: null, reason });
      return;
    }
    if (!allows(caller.role, access)) {
      const reason = `the key "${caller.id}" has the role ${caller.role}, which may not ${ACCESS_WORDS[access]}`;
      refuse(req, res, next, new ApiError('FORBIDDEN', reason), { keyId: caller.id, reason });
      return;
    }
    res.locals.keyId = caller.id;
    next();
  };
}

interface Refusal {
  keyId: string | null;
  reason: string;
}

const ACCESS_WORDS: Record<ReturnType<typeof routeAccess>, string> = {
  read: 'read',
  operate: 'operate instances, events or schedules (operator or admin)',
  work: 'use the task endpoints (worker or admin)',
  admin: 'register definitions (admin)',
};

function isManagement(route: RouteSpec): boolean {
  const access = routeAccess(route);
  return access === 'operate' || access === 'admin';
}

function audited(route: RouteSpec, onAudit: (entry: AuditEntry) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    auditOnFinish(route, req, res, onAudit, { keyId: (res.locals.keyId as string | undefined) ?? null });
    next();
  };
}

/** Reports the call once it was answered. */
function auditOnFinish(route: RouteSpec, req: Request, res: Response, onAudit: (entry: AuditEntry) => void, caller: Pick<AuditEntry, 'keyId' | 'reason'>): void {
  res.on('finish', () =>
    onAudit({ at: new Date().toISOString(), ...caller, action: route.operationId, method: req.method, path: req.path, status: res.statusCode }),
  );
}

/** Errors of express and its body reader (http-errors with a 4xx status), in the API's words. */
function normalize(err: unknown): unknown {
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) return err;
  if (e.type === 'entity.too.large') return new ApiError('PAYLOAD_TOO_LARGE', `the body is larger than the limit of ${formatBytes(e.limit ?? 0)}`);
  if (e.type === 'encoding.unsupported') return new ApiError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported content encoding');
  return new ApiError('REQUEST_INVALID', `the request could not be read: ${e.message}`);
}

function methodsByPath(): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const route of ROUTES) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route.method.toUpperCase()]);
  for (const methods of byPath.values()) if (methods.includes('GET')) methods.push('HEAD');
  return byPath;
}

function methodNotAllowed(methods: string[]) {
  const allow = [...methods, 'OPTIONS'].join(', ');
  return (req: Request, res: Response): void => {
    if (req.method === 'OPTIONS') {
      res.status(204).set('Allow', allow).end();
      return;
    }
    throw new ApiError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; allowed: ${methods.join(', ')}`, { Allow: allow });
  };
}

function problemResponder(onError: ServerOptions['onError']) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const { problem, headers, unexpected } = toProblem(normalize(err), req.path);
    if (unexpected) onError?.(err, { method: req.method, path: req.path });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
  };
}
