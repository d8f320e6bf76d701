/**
 * Whether a parsed definition is an Amazon States Language document rather than a Segue workflow:
 * an object with `StartAt` and `States` (Segue's own language has `name` and `steps`).
 */
import { isRecord } from '../messages.js';

export function isAslDocument(value: unknown): boolean {
  return isRecord(value) && 'StartAt' in value && 'States' in value;
}
