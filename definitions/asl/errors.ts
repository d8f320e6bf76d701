/**
 * The errors an ASL state machine raises by itself (the `States.*` names), and the one exception
 * type every pure ASL function throws when a state cannot go on: an error name and AWS's wording
 * of the cause. The engine adds the prefix naming the state and the history event (see
 * `stateFailureCause`), because only it knows which event entered the state.
 */
import { StepFailure } from '../step-hooks.js';

/** The predefined error names of the Amazon States Language. */
export const STATES_ERRORS = {
  all: 'States.ALL',
  heartbeatTimeout: 'States.HeartbeatTimeout',
  timeout: 'States.Timeout',
  taskFailed: 'States.TaskFailed',
  permissions: 'States.Permissions',
  resultPathMatchFailure: 'States.ResultPathMatchFailure',
  parameterPathFailure: 'States.ParameterPathFailure',
  branchFailed: 'States.BranchFailed',
  noChoiceMatched: 'States.NoChoiceMatched',
  intrinsicFailure: 'States.IntrinsicFailure',
  exceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  itemReaderFailed: 'States.ItemReaderFailed',
  resultWriterFailed: 'States.ResultWriterFailed',
  runtime: 'States.Runtime',
  queryEvaluationError: 'States.QueryEvaluationError',
  dataLimitExceeded: 'States.DataLimitExceeded',
} as const;

/** Every `States.*` name a definition may list in `ErrorEquals`. */
export const PREDEFINED_ERROR_NAMES: readonly string[] = Object.values(STATES_ERRORS);

/**
 * A state could not go on. `cause` is AWS's wording of what went wrong, without the prefix that
 * names the state (see stateFailureCause).
 */
export class StatesError extends StepFailure {
  constructor(
    error: string,
    override readonly cause: string,
  ) {
    super(error, cause);
    this.name = 'StatesError';
  }
}

/** `States.Runtime`: the definition asked for something the data does not allow. */
export function runtimeError(cause: string): StatesError {
  return new StatesError(STATES_ERRORS.runtime, cause);
}

/** `States.QueryEvaluationError`: a JSONata expression failed or gave an unusable value. */
export function queryEvaluationError(cause: string): StatesError {
  return new StatesError(STATES_ERRORS.queryEvaluationError, cause);
}

/**
 * The cause AWS reports for an error the engine raised while running a state:
 * `An error occurred while executing the state 'X' (entered at the event id #2). <cause>`.
 */
export function stateFailureCause(state: string, enteredEventId: number, cause: string): string {
  return `An error occurred while executing the state '${state}' (entered at the event id #${enteredEventId}). ${cause}`;
}

/** JSON text as AWS shows a value inside a cause: compact, keys in their order. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}
