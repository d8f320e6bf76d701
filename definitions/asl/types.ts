/**
 * The shape of an Amazon States Language document, as far as the pure ASL modules read it.
 * Field names are AWS's own. A document that passed validation (validate.ts) has this shape.
 */
import type { Json, JsonObject } from '../model.js';

export type QueryLanguage = 'JSONPath' | 'JSONata';

export const STATE_TYPES = ['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'] as const;
export type StateType = (typeof STATE_TYPES)[number];

export interface StateMachine {
  StartAt: string;
  States: Record<string, State>;
  Comment?: string;
  QueryLanguage?: QueryLanguage;
  Version?: string;
  TimeoutSeconds?: number;
}

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
  Comment?: string;
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: Json;
  Assign?: JsonObject;
  Comment?: string;
}

export interface ChoiceRule {
  Next?: string;
  Condition?: Json;
  Assign?: JsonObject;
  Output?: Json;
  Variable?: string;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
  [operator: string]: Json | ChoiceRule | ChoiceRule[] | undefined;
}

/** Every field any state type takes; which ones a type allows is the schema's business. */
export interface State {
  Type: StateType;
  Comment?: string;
  QueryLanguage?: QueryLanguage;
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
  Parameters?: Json;
  ResultSelector?: Json;
  ResultPath?: string | null;
  Result?: Json;
  Arguments?: Json;
  Output?: Json;
  Assign?: JsonObject;
  Retry?: Retrier[];
  Catch?: Catcher[];
  // Task
  Resource?: string;
  TimeoutSeconds?: Json;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: Json;
  HeartbeatSecondsPath?: string;
  Credentials?: Json;
  // Choice
  Choices?: ChoiceRule[];
  Default?: string;
  // Wait
  Seconds?: Json;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  // Fail
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
  // Parallel
  Branches?: StateMachine[];
  // Map
  ItemProcessor?: StateMachine & { ProcessorConfig?: { Mode?: 'INLINE' | 'DISTRIBUTED'; ExecutionType?: string } };
  Iterator?: StateMachine;
  ItemsPath?: string;
  Items?: Json;
  ItemSelector?: Json;
  ItemReader?: JsonObject;
  ItemBatcher?: JsonObject;
  ResultWriter?: JsonObject;
  MaxConcurrency?: Json;
  MaxConcurrencyPath?: string;
  ToleratedFailureCount?: Json;
  ToleratedFailureCountPath?: string;
  ToleratedFailurePercentage?: Json;
  ToleratedFailurePercentagePath?: string;
  Label?: string;
}

/** The query language a state uses: its own, else the machine's, else JSONPath. */
export function queryLanguageOf(state: Pick<State, 'QueryLanguage'>, machine: QueryLanguage | undefined): QueryLanguage {
  return state.QueryLanguage ?? machine ?? 'JSONPath';
}
