/**
 * The context object (`$$` in JSONPath, `$states.context` in JSONata): facts about the execution,
 * the state machine, the state being run, and where it applies, the Task token and the Map item.
 * The engine knows these facts; this module only gives them AWS's shape.
 */
import type { Json, JsonObject } from '../model.js';

export interface ContextFacts {
  execution: { id: string; name: string; input: Json; startTime: string; roleArn?: string; redriveCount?: number };
  stateMachine: { id: string; name: string };
  state: { name: string; enteredTime: string; retryCount: number };
  /** The token of a Task that waits for it (`.waitForTaskToken`). */
  taskToken?: string;
}

export function contextObject(facts: ContextFacts): JsonObject {
  const { execution, stateMachine, state } = facts;
  const context: JsonObject = {
    Execution: {
      Id: execution.id,
      Input: execution.input,
      Name: execution.name,
      RoleArn: execution.roleArn ?? '',
      StartTime: execution.startTime,
      RedriveCount: execution.redriveCount ?? 0,
    },
    StateMachine: { Id: stateMachine.id, Name: stateMachine.name },
    State: { Name: state.name, EnteredTime: state.enteredTime, RetryCount: state.retryCount },
  };
  if (facts.taskToken !== undefined) context.Task = { Token: facts.taskToken };
  return context;
}

/** The context an item of a Map sees in `ItemSelector`: `Map.Item.Index` and `Map.Item.Value`. */
export function withMapItem(context: Json, index: number, value: Json): Json {
  const base = typeof context === 'object' && context !== null && !Array.isArray(context) ? context : {};
  return { ...base, Map: { Item: { Index: index, Value: value } } };
}
