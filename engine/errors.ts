/**
 * One error type for everything the engine refuses, with a stable string code. The API maps codes
 * to HTTP statuses in one table (api/problems.ts); the CLI prints the message.
 */
import type { Problem } from '../definitions/model.js';

export type ErrorCode =
  | 'NOT_FOUND'
  | 'DEFINITION_INVALID'
  | 'INPUT_INVALID'
  | 'CONFLICT'
  | 'STALE_TOKEN'
  | 'INVALID_STATE'
  | 'BAD_REQUEST'
  | 'LIMIT_EXCEEDED'
  | 'SECRET_MISSING'
  /** The engine has more work than it takes at once, or a workflow's start queue is full: try again later. */
  | 'OVERLOADED';

export class SegueError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Positioned problems, for DEFINITION_INVALID and INPUT_INVALID. */
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'SegueError';
  }
}
