/**
 * The time limits of a Task state: `TimeoutSeconds` (default 99999999, AWS's) and
 * `HeartbeatSeconds`, each also as `…Path` (JSONPath) or `{% %}` (JSONata), read from the
 * effective input when the task starts. Both must be positive whole seconds.
 */
import type { Json } from '../model.js';
import { runtimeError } from './errors.js';
import { compileNumericSetting } from './numeric-settings.js';
import type { StateEnvironment } from './state-environment.js';
import { queryLanguageOf } from './types.js';
import type { QueryLanguage, State } from './types.js';

export const DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;

export interface TaskTimeouts {
  timeoutSeconds: number;
  heartbeatSeconds?: number;
}

export function compileTaskTimeouts(state: State, machineLanguage: QueryLanguage | undefined): (input: Json, env: StateEnvironment) => Promise<TaskTimeouts> {
  const jsonata = queryLanguageOf(state, machineLanguage) === 'JSONata';
  const timeout = compileNumericSetting(state, 'TimeoutSeconds', 'integer', jsonata);
  const heartbeat = compileNumericSetting(state, 'HeartbeatSeconds', 'integer', jsonata);
  return async (input, env) => {
    const timeoutSeconds = (await timeout(input, env)) ?? DEFAULT_TASK_TIMEOUT_SECONDS;
    const heartbeatSeconds = await heartbeat(input, env);
    if (timeoutSeconds < 1) throw runtimeError(`TimeoutSeconds must be at least 1, but was ${timeoutSeconds}`);
    if (heartbeatSeconds !== undefined && (heartbeatSeconds < 1 || heartbeatSeconds >= timeoutSeconds)) {
      throw runtimeError(`HeartbeatSeconds must be at least 1 and less than TimeoutSeconds (${timeoutSeconds}), but was ${heartbeatSeconds}`);
    }
    return heartbeatSeconds === undefined ? { timeoutSeconds } : { timeoutSeconds, heartbeatSeconds };
  };
}
