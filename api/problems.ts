/**
 * Every error answer is an RFC 9457 problem (application/problem+json). One table maps each code —
 * the engine's, the store's and the API's own — to an HTTP status and a title; nothing else in the
 * API picks a status for an error.
 */
import type { Problem } from '../definitions/model.js';
import { SegueError, type ErrorCode } from '../engine/errors.js';
import { StoreError, type StoreErrorCode } from '../engine/store/errors.js';
import { RETRY_AFTER_S } from '../engine/concurrency.js';

/** Codes of the API itself, for what goes wrong before the engine is asked anything. */
export type ApiErrorCode =
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'MALFORMED_BODY'
  | 'REQUEST_INVALID'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'UNHEALTHY'
  | 'INTERNAL';

export type ProblemCode = ErrorCode | StoreErrorCode | ApiErrorCode;

interface ProblemType {
  status: number;
  title: string;
  /** Last segment of the problem's type URI. */
  slug: string;
}

const PROBLEM_TYPES: Record<ProblemCode, ProblemType> = {
  NOT_FOUND: { status: 404, title: 'Not found', slug: 'not-found' },
  DEFINITION_INVALID: { status: 400, title: 'Invalid workflow definition', slug: 'definition-invalid' },
  INPUT_INVALID: { status: 400, title: 'Input does not match the input schema', slug: 'input-invalid' },
  CONFLICT: { status: 409, title: 'Conflict', slug: 'conflict' },
  STALE_TOKEN: { status: 409, title: 'Stale task token', slug: 'stale-token' },
  INVALID_STATE: { status: 409, title: 'Not possible in the current status', slug: 'invalid-state' },
  BAD_REQUEST: { status: 400, title: 'Bad request', slug: 'bad-request' },
  LIMIT_EXCEEDED: { status: 413, title: 'Limit exceeded', slug: 'limit-exceeded' },
  SECRET_MISSING: { status: 500, title: 'Secret not configured', slug: 'secret-missing' },
  OVERLOADED: { status: 503, title: 'Overloaded', slug: 'overloaded' },
  STORE_UNAVAILABLE: { status: 503, title: 'Store unavailable', slug: 'store-unavailable' },
  STORE_BUSY: { status: 503, title: 'Store busy', slug: 'store-busy' },
  // A malformed cursor is the caller's mistake; the store's message says how to fix it.
  STORE_INVALID: { status: 400, title: 'Bad request', slug: 'bad-request' },
  STORE_CONFLICT: { status: 409, title: 'Conflict', slug: 'conflict' },
  STORE_CORRUPT: { status: 500, title: 'Internal server error', slug: 'internal-error' },
  // The detail names the key id (never the key), which the operator needs to configure.
  STORE_KEY: { status: 500, title: 'Data key missing or wrong', slug: 'data-key' },
  ROUTE_NOT_FOUND: { status: 404, title: 'Not found', slug: 'not-found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', slug: 'method-not-allowed' },
  MALFORMED_BODY: { status: 400, title: 'Malformed request body', slug: 'malformed-body' },
  REQUEST_INVALID: { status: 400, title: 'Invalid request', slug: 'request-invalid' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large', slug: 'payload-too-large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', slug: 'unsupported-media-type' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized', slug: 'unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden', slug: 'forbidden' },
  UNHEALTHY: { status: 503, title: 'Unhealthy', slug: 'unhealthy' },
  INTERNAL: { status: 500, title: 'Internal server error', slug: 'internal-error' },
};

/** Store codes whose messages may name internals (files, drivers): the client gets a generic detail. */
const HIDDEN_DETAIL: ReadonlySet<ProblemCode> = new Set(['STORE_CORRUPT', 'INTERNAL']);

const GENERIC_DETAIL = 'the server could not complete the request; its log has the details';

export const PROBLEM_BASE = 'https://segue.dev/problems/';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: Problem[];
}

/** An error raised by the API layer itself, with a code of the table above. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers, e.g. `Allow` on a 405. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface MappedProblem {
  problem: ProblemDocument;
  headers: Record<string, string>;
  /** True when the error is not the client's doing and belongs in the server log. */
  unexpected: boolean;
}

/** The problem document for any thrown value; unknown errors become a 500 with a generic detail. */
export function toProblem(err: unknown, path: string): MappedProblem {
  const { code, headers, problems } = classify(err);
  const type = PROBLEM_TYPES[code];
  const detail = HIDDEN_DETAIL.has(code) ? GENERIC_DETAIL : (err as Error).message;
  const problem: ProblemDocument = { type: PROBLEM_BASE + type.slug, title: type.title, status: type.status, detail, instance: path };
  if (problems.length > 0) problem.errors = problems;
  return { problem, headers, unexpected: type.status >= 500 && code !== 'UNHEALTHY' && code !== 'OVERLOADED' };
}

function classify(err: unknown): { code: ProblemCode; headers: Record<string, string>; problems: Problem[] } {
  if (err instanceof ApiError) return { code: err.code, headers: err.headers, problems: [] };
  if (err instanceof SegueError) {
    const headers: Record<string, string> = err.code === 'OVERLOADED' ? { 'Retry-After': String(RETRY_AFTER_S) } : {};
    return { code: err.code, headers, problems: err.code === 'DEFINITION_INVALID' ? err.problems : [] };
  }
  if (err instanceof StoreError) return { code: err.code, headers: {}, problems: [] };
  return { code: 'INTERNAL', headers: {}, problems: [] };
}

