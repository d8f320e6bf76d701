/**
 * The JSON Schemas of the API's requests and responses (schemas/api/*.json): the server validates
 * request bodies with them and the OpenAPI document is built from them, so the two cannot drift.
 * Each is compiled once, when first used.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import claimedTasks from '../schemas/api/claimed-tasks.json' with { type: 'json' };
import completeTaskRequest from '../schemas/api/complete-task-request.json' with { type: 'json' };
import definitionProblem from '../schemas/api/definition-problem.json' with { type: 'json' };
import graph from '../schemas/api/graph.json' with { type: 'json' };
import deliverEventRequest from '../schemas/api/deliver-event-request.json' with { type: 'json' };
import delivered from '../schemas/api/delivered.json' with { type: 'json' };
import evaluateRequest from '../schemas/api/evaluate-request.json' with { type: 'json' };
import evaluation from '../schemas/api/evaluation.json' with { type: 'json' };
import errorInfo from '../schemas/api/error-info.json' with { type: 'json' };
import failTaskRequest from '../schemas/api/fail-task-request.json' with { type: 'json' };
import health from '../schemas/api/health.json' with { type: 'json' };
import heartbeatRequest from '../schemas/api/heartbeat-request.json' with { type: 'json' };
import heartbeatResponse from '../schemas/api/heartbeat-response.json' with { type: 'json' };
import history from '../schemas/api/history.json' with { type: 'json' };
import instanceCounts from '../schemas/api/instance-counts.json' with { type: 'json' };
import instanceList from '../schemas/api/instance-list.json' with { type: 'json' };
import instanceStatus from '../schemas/api/instance-status.json' with { type: 'json' };
import instance from '../schemas/api/instance.json' with { type: 'json' };
import lifecycleRequest from '../schemas/api/lifecycle-request.json' with { type: 'json' };
import pollRequest from '../schemas/api/poll-request.json' with { type: 'json' };
import problem from '../schemas/api/problem.json' with { type: 'json' };
import queueList from '../schemas/api/queue-list.json' with { type: 'json' };
import registered from '../schemas/api/registered.json' with { type: 'json' };
import retryAnswer from '../schemas/api/retry-answer.json' with { type: 'json' };
import retryPreview from '../schemas/api/retry-preview.json' with { type: 'json' };
import retryRequest from '../schemas/api/retry-request.json' with { type: 'json' };
import scheduleFire from '../schemas/api/schedule-fire.json' with { type: 'json' };
import scheduleList from '../schemas/api/schedule-list.json' with { type: 'json' };
import scheduleRequest from '../schemas/api/schedule-request.json' with { type: 'json' };
import schedule from '../schemas/api/schedule.json' with { type: 'json' };
import subscriptionRequest from '../schemas/api/subscription-request.json' with { type: 'json' };
import subscription from '../schemas/api/subscription.json' with { type: 'json' };
import subscriptionList from '../schemas/api/subscription-list.json' with { type: 'json' };
import cloudEvent from '../schemas/api/cloud-event.json' with { type: 'json' };
import eventFeed from '../schemas/api/event-feed.json' with { type: 'json' };
import incomingCloudEvent from '../schemas/api/incoming-cloud-event.json' with { type: 'json' };
import deadLetterList from '../schemas/api/dead-letter-list.json' with { type: 'json' };
import redelivery from '../schemas/api/redelivery.json' with { type: 'json' };
import startInstanceRequest from '../schemas/api/start-instance-request.json' with { type: 'json' };
import taskResultsRequest from '../schemas/api/task-results-request.json' with { type: 'json' };
import taskResultsResponse from '../schemas/api/task-results-response.json' with { type: 'json' };
import taskTokenFailureRequest from '../schemas/api/task-token-failure-request.json' with { type: 'json' };
import triggerList from '../schemas/api/trigger-list.json' with { type: 'json' };
import validationResult from '../schemas/api/validation-result.json' with { type: 'json' };
import workflowList from '../schemas/api/workflow-list.json' with { type: 'json' };
import workflow from '../schemas/api/workflow.json' with { type: 'json' };
import workflowDefinition from '../schemas/workflow.schema.json' with { type: 'json' };

/** Schema file name (without `.json`) → schema. */
export const API_SCHEMAS = {
  'claimed-tasks': claimedTasks,
  'complete-task-request': completeTaskRequest,
  'definition-problem': definitionProblem,
  'deliver-event-request': deliverEventRequest,
  delivered,
  'error-info': errorInfo,
  'evaluate-request': evaluateRequest,
  evaluation,
  'fail-task-request': failTaskRequest,
  graph,
  health,
  'heartbeat-request': heartbeatRequest,
  'heartbeat-response': heartbeatResponse,
  history,
  'instance-counts': instanceCounts,
  'instance-list': instanceList,
  'instance-status': instanceStatus,
  instance,
  'lifecycle-request': lifecycleRequest,
  'poll-request': pollRequest,
  problem,
  'queue-list': queueList,
  registered,
  'retry-answer': retryAnswer,
  'retry-preview': retryPreview,
  'retry-request': retryRequest,
  schedule,
  'schedule-fire': scheduleFire,
  'schedule-list': scheduleList,
  'schedule-request': scheduleRequest,
  'subscription-request': subscriptionRequest,
  subscription,
  'subscription-list': subscriptionList,
  'cloud-event': cloudEvent,
  'event-feed': eventFeed,
  'incoming-cloud-event': incomingCloudEvent,
  'dead-letter-list': deadLetterList,
  redelivery,
  'start-instance-request': startInstanceRequest,
  'task-results-request': taskResultsRequest,
  'task-results-response': taskResultsResponse,
  'task-token-failure-request': taskTokenFailureRequest,
  'trigger-list': triggerList,
  'validation-result': validationResult,
  'workflow-list': workflowList,
  workflow,
} as const;

export type SchemaName = keyof typeof API_SCHEMAS;

/** The definition language's own schema, documented as the JSON body of POST /v1/workflows. */
export const WORKFLOW_DEFINITION_SCHEMA: object = workflowDefinition;

/** A JSON Schema as a plain object (for query and path parameters). */
export type JsonSchema = Record<string, unknown>;

function newAjv(options: { coerceTypes: boolean }): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true, coerceTypes: options.coerceTypes });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv;
}

const bodies = newAjv({ coerceTypes: false });
for (const schema of Object.values(API_SCHEMAS)) bodies.addSchema(schema);

// Query strings and path segments arrive as text: "50" must pass as the integer 50.
const parameters = newAjv({ coerceTypes: true });

export function bodyValidator(name: SchemaName): ValidateFunction {
  const validate = bodies.getSchema(API_SCHEMAS[name].$id);
  if (!validate) throw new Error(`schema ${name} is not registered`);
  return validate;
}

/** A validator of an object of parameters, each with its schema; compiled once per parameter set. */
export function parametersValidator(properties: Record<string, JsonSchema>, required: string[]): ValidateFunction {
  return parameters.compile({ type: 'object', properties, required, additionalProperties: false });
}
