/**
 * Step Functions' limit on what one state may pass on: 256 KiB of UTF-8 JSON. A state whose
 * output is larger fails with `States.DataLimitExceeded`.
 */
import type { Json } from '../model.js';
import { STATES_ERRORS, StatesError } from './errors.js';

export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Throws `States.DataLimitExceeded` (AWS's wording) when `value` is over the limit. */
export function checkPayloadSize(stateName: string, value: Json): void {
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_PAYLOAD_BYTES) return;
  throw new StatesError(
    STATES_ERRORS.dataLimitExceeded,
    `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`,
  );
}
