/**
 * The API's routes as data: method, path, parameters, body and responses. The server registers
 * handlers from this table, answers 405 from it, and the OpenAPI document is generated from it.
 */
import { API_SCHEMAS, type JsonSchema, type SchemaName } from './schemas.js';
import { INSTANCE_STATUSES } from '../engine/store/port.js';
import { CALLBACK_TOKEN_PATTERN } from '../core/callback-token.js';

/** The operations of lifecycle events out (api/handlers-events-out.ts). */
export type EventOutOperation =
  | 'listSubscriptions'
  | 'createSubscription'
  | 'getSubscription'
  | 'deleteSubscription'
  | 'pauseSubscription'
  | 'resumeSubscription'
  | 'listDeadLetters'
  | 'redeliverDeadLetter'
  | 'readEventFeed';

/** The operations of task tokens sent back to steps that wait for a callback (api/handlers-tasks.ts). */
export type TaskTokenOperation = 'sendTaskSuccess' | 'sendTaskFailure' | 'sendTaskHeartbeat';

export type OperationId =
  | 'registerWorkflow'
  | 'validateWorkflow'
  | 'listWorkflows'
  | 'getWorkflow'
  | 'getWorkflowVersion'
  | 'getWorkflowGraph'
  | 'startInstance'
  | 'listInstances'
  | 'countInstances'
  | 'getInstance'
  | 'purgeInstance'
  | 'getHistory'
  | 'evaluateExpression'
  | 'raiseEvent'
  | 'deliverEvent'
  | 'listTriggers'
  | 'cancelInstance'
  | 'terminateInstance'
  | 'suspendInstance'
  | 'resumeInstance'
  | 'retryInstance'
  | 'pollTasks'
  | 'completeTask'
  | 'failTask'
  | 'reportTaskResults'
  | 'heartbeatTask'
  | TaskTokenOperation
  | 'listQueues'
  | 'listSchedules'
  | 'createSchedule'
  | 'getSchedule'
  | 'replaceSchedule'
  | 'deleteSchedule'
  | 'pauseSchedule'
  | 'resumeSchedule'
  | 'triggerSchedule'
  | EventOutOperation
  | 'health'
  | 'metrics'
  | 'openapi';

export interface ParamSpec {
  description: string;
  schema: JsonSchema;
  required?: boolean;
}

/**
 * How a request body is read. `json`: a JSON object checked against a schema (an absent body is
 * `{}` unless required); `batch` bodies (many tasks' results) are capped by the server's results
 * limit instead of the payload limit, and so are `taskResult` bodies (the result of the attempt
 * whose token is in the path), where one too large to read fails that attempt. `definition`: YAML
 * or JSON text of a workflow (`checkOnly`: any text, whose problems the answer lists). `payload`:
 * any JSON (absent = null). `event`: an event, plain JSON (deliver-event-request) or a CloudEvent
 * in structured or binary mode (see event-body.ts).
 */
export type BodySpec =
  | { kind: 'json'; schema: SchemaName; required: boolean; batch?: boolean; taskResult?: boolean }
  | { kind: 'definition'; checkOnly?: boolean }
  | { kind: 'payload'; description: string }
  | { kind: 'event' };

export interface ResponseSpec {
  status: number;
  description: string;
  /** A schema of schemas/api, or a content type for non-JSON answers. */
  schema?: SchemaName;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteSpec {
  operationId: OperationId;
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form: `/v1/instances/{id}`. */
  path: string;
  tag: 'definitions' | 'instances' | 'events' | 'subscriptions' | 'tasks' | 'queues' | 'schedules' | 'system';
  summary: string;
  params?: Record<string, ParamSpec>;
  query?: Record<string, ParamSpec>;
  body?: BodySpec;
  responses: ResponseSpec[];
  /** Problem statuses this route answers with besides 500/503. */
  problems: number[];
  /** False for routes that stay open when an API key is configured (health, metrics, the document). */
  authenticated: boolean;
}

const NAME = '^[A-Za-z0-9._-]+$';

const workflowName: ParamSpec = { description: 'Workflow name.', schema: { type: 'string', pattern: NAME } };
/** Whole numbers in paths and queries are read from at most 15 digits (see request.ts). */
const MAX_WHOLE = 999_999_999_999_999;
const workflowVersion: ParamSpec = { description: 'Version number.', schema: { type: 'integer', minimum: 1, maximum: MAX_WHOLE } };
// Lenient on ids in paths: children and instances started by embedding code may use other characters.
const instanceId: ParamSpec = { description: 'Instance id.', schema: { type: 'string', minLength: 1 } };
const scheduleId: ParamSpec = { description: 'Schedule id.', schema: { type: 'string', minLength: 1 } };
const taskToken: ParamSpec = { description: 'The token of the claimed attempt.', schema: { type: 'string', minLength: 1 } };
const STATUS = `(${INSTANCE_STATUSES.join('|')})`;
const STATUS_LIST = `^${STATUS}(,${STATUS})*$`;
/** A long poll's wait: the duration form a task poll's `wait` takes, one pattern for both. */
const WAIT_PATTERN = API_SCHEMAS['poll-request'].properties.wait.oneOf[0].pattern;
const wait = (what: string): ParamSpec => ({
  description: `A duration like 500ms, 30s or 1m30s: ${what}, capped by the server.`,
  schema: { type: 'string', pattern: WAIT_PATTERN },
});

const instance = (description: string): ResponseSpec => ({ status: 200, description, schema: 'instance' });

function lifecycle(action: 'cancel' | 'terminate' | 'suspend' | 'resume' | 'retry', summary: string, own?: Pick<RouteSpec, 'body' | 'responses'>): RouteSpec {
  return {
    operationId: `${action}Instance`,
    method: 'post',
    path: `/v1/instances/{id}/${action}`,
    tag: 'instances',
    summary,
    params: { id: instanceId },
    body: { kind: 'json', schema: 'lifecycle-request', required: false },
    responses: [instance('The instance after the action.')],
    problems: [400, 404, 409],
    authenticated: true,
    ...own,
  };
}

function taskResult(action: 'complete' | 'fail', schema: SchemaName, summary: string): RouteSpec {
  return {
    operationId: `${action}Task`,
    method: 'post',
    path: `/v1/tasks/{token}/${action}`,
    tag: 'tasks',
    summary,
    params: { token: taskToken },
    body: { kind: 'json', schema, required: action === 'fail', taskResult: true },
    responses: [{ status: 204, description: 'Accepted: the instance moved on.' }],
    // 413: the result is over a limit, and the attempt failed with LimitExceeded (see app.ts).
    problems: [400, 409, 413],
    authenticated: true,
  };
}

const callbackToken: ParamSpec = { description: 'The task token the step gave its task (`$$.Task.Token`), as it was given.', schema: { type: 'string', pattern: CALLBACK_TOKEN_PATTERN } };

/**
 * A task token sent back to the step that waits for it (ASL's `.waitForTaskToken`): 404 when the
 * instance it names does not exist (TaskDoesNotExist), 409 when no step waits for it any more
 * (TaskTimedOut: answered already, timed out, cancelled), 400 when it is not of a token's form (InvalidToken).
 */
function taskTokenRoute(operationId: TaskTokenOperation, action: 'success' | 'failure' | 'heartbeat', summary: string, schema: SchemaName, done: string): RouteSpec {
  return {
    operationId,
    method: 'post',
    path: `/v1/task-tokens/{token}/${action}`,
    tag: 'tasks',
    summary,
    params: { token: callbackToken },
    body: { kind: 'json', schema, required: false },
    responses: [{ status: 204, description: done }],
    // 413: the output is over the payload limit; the step still waits.
    problems: action === 'success' ? [400, 404, 409, 413] : [400, 404, 409],
    authenticated: true,
  };
}

const TASK_TOKEN_ROUTES: RouteSpec[] = [
  taskTokenRoute('sendTaskSuccess', 'success', "Send a step's task token back with its result (Step Functions' SendTaskSuccess)", 'complete-task-request', 'Accepted: the output is the step\'s result.'),
  taskTokenRoute('sendTaskFailure', 'failure', "Send a step's task token back with a failure (Step Functions' SendTaskFailure)", 'task-token-failure-request', 'Accepted: the step failed with the error.'),
  taskTokenRoute('sendTaskHeartbeat', 'heartbeat', "Tell the step waiting for its task token that the work goes on (Step Functions' SendTaskHeartbeat)", 'heartbeat-request', "Accepted: the step's heartbeat clock starts again."),
];

const schedule = (description: string): ResponseSpec => ({ status: 200, description, schema: 'schedule' });

function scheduleAction(action: 'pause' | 'resume' | 'trigger', summary: string): RouteSpec {
  return {
    operationId: `${action}Schedule`,
    method: 'post',
    path: `/v1/schedules/{id}/${action}`,
    tag: 'schedules',
    summary,
    params: { id: scheduleId },
    responses: [schedule('The schedule after the action.')],
    problems: [400, 404],
    authenticated: true,
  };
}

const SCHEDULE_ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'listSchedules',
    method: 'get',
    path: '/v1/schedules',
    tag: 'schedules',
    summary: 'List schedules, by id',
    responses: [{ status: 200, description: 'Every schedule.', schema: 'schedule-list' }],
    problems: [],
    authenticated: true,
  },
  {
    operationId: 'createSchedule',
    method: 'post',
    path: '/v1/schedules',
    tag: 'schedules',
    summary: 'Create a cron schedule that starts instances of a workflow',
    body: { kind: 'json', schema: 'schedule-request', required: true },
    responses: [{ status: 201, description: 'Created.', schema: 'schedule', headers: { Location: 'The schedule: /v1/schedules/{id}.' } }],
    problems: [400, 404, 409, 413],
    authenticated: true,
  },
  {
    operationId: 'getSchedule',
    method: 'get',
    path: '/v1/schedules/{id}',
    tag: 'schedules',
    summary: 'A schedule, with its next fire times and recent fires',
    params: { id: scheduleId },
    responses: [schedule('The schedule.')],
    problems: [400, 404],
    authenticated: true,
  },
  {
    operationId: 'replaceSchedule',
    method: 'put',
    path: '/v1/schedules/{id}',
    tag: 'schedules',
    summary: "Replace a schedule's settings, keeping its fire history",
    params: { id: scheduleId },
    body: { kind: 'json', schema: 'schedule-request', required: true },
    responses: [schedule('The schedule with its new settings.')],
    problems: [400, 404, 409, 413],
    authenticated: true,
  },
  {
    operationId: 'deleteSchedule',
    method: 'delete',
    path: '/v1/schedules/{id}',
    tag: 'schedules',
    summary: 'Delete a schedule (the instances it started go on)',
    params: { id: scheduleId },
    responses: [{ status: 204, description: 'Deleted.' }],
    problems: [400, 404],
    authenticated: true,
  },
  scheduleAction('pause', 'Pause a schedule: nothing fires until it is resumed'),
  scheduleAction('resume', 'Resume a paused schedule from now (fires missed while paused are not made up)'),
  scheduleAction('trigger', 'Fire a schedule now: start an instance at once'),
];

const subscriptionId: ParamSpec = { description: 'Subscription id.', schema: { type: 'string', minLength: 1 } };
const subscription = (description: string): ResponseSpec => ({ status: 200, description, schema: 'subscription' });

function subscriptionAction(action: 'pause' | 'resume', summary: string): RouteSpec {
  return {
    operationId: `${action}Subscription`,
    method: 'post',
    path: `/v1/subscriptions/{id}/${action}`,
    tag: 'subscriptions',
    summary,
    params: { id: subscriptionId },
    responses: [subscription('The subscription after the action.')],
    problems: [400, 404],
    authenticated: true,
  };
}

const EVENT_OUT_ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'listSubscriptions',
    method: 'get',
    path: '/v1/subscriptions',
    tag: 'subscriptions',
    summary: 'List the subscribers of lifecycle events, by id',
    responses: [{ status: 200, description: 'Every subscription (without its secret).', schema: 'subscription-list' }],
    problems: [],
    authenticated: true,
  },
  {
    operationId: 'createSubscription',
    method: 'post',
    path: '/v1/subscriptions',
    tag: 'subscriptions',
    summary: 'Subscribe a URL to lifecycle events: CloudEvents, signed per Standard Webhooks, from now on',
    body: { kind: 'json', schema: 'subscription-request', required: true },
    responses: [{ status: 201, description: 'Created; the only answer that shows the signing secret.', schema: 'subscription', headers: { Location: 'The subscription: /v1/subscriptions/{id}.' } }],
    problems: [400, 409, 413],
    authenticated: true,
  },
  {
    operationId: 'getSubscription',
    method: 'get',
    path: '/v1/subscriptions/{id}',
    tag: 'subscriptions',
    summary: 'A subscription: where its deliveries stand, and a failing one being retried',
    params: { id: subscriptionId },
    responses: [subscription('The subscription (without its secret).')],
    problems: [400, 404],
    authenticated: true,
  },
  {
    operationId: 'deleteSubscription',
    method: 'delete',
    path: '/v1/subscriptions/{id}',
    tag: 'subscriptions',
    summary: 'Delete a subscription and its dead letters',
    params: { id: subscriptionId },
    responses: [{ status: 204, description: 'Deleted.' }],
    problems: [400, 404],
    authenticated: true,
  },
  subscriptionAction('pause', 'Pause a subscription: events wait (in order) until it is resumed'),
  subscriptionAction('resume', 'Resume a subscription: what it missed is delivered, a failing delivery retried at once'),
  {
    operationId: 'listDeadLetters',
    method: 'get',
    path: '/v1/subscriptions/{id}/dead-letters',
    tag: 'subscriptions',
    summary: "The events a subscription's subscriber did not take after the last attempt, oldest first",
    params: { id: subscriptionId },
    query: { limit: { description: 'At most this many, 1 to 1000. Default 100.', schema: { type: 'integer', minimum: 1, maximum: 1000 } } },
    responses: [{ status: 200, description: 'The dead letters.', schema: 'dead-letter-list' }],
    problems: [400, 404],
    authenticated: true,
  },
  {
    operationId: 'redeliverDeadLetter',
    method: 'post',
    path: '/v1/subscriptions/{id}/dead-letters/{eventId}/redeliver',
    tag: 'subscriptions',
    summary: 'Deliver a dead letter again, now: removed once the subscriber takes it',
    params: { id: subscriptionId, eventId: { description: 'The event id (the webhook-id it was sent with).', schema: { type: 'string', minLength: 1 } } },
    responses: [{ status: 200, description: 'Whether the subscriber took it, and why not.', schema: 'redelivery' }],
    problems: [400, 404],
    authenticated: true,
  },
  {
    operationId: 'readEventFeed',
    method: 'get',
    path: '/v1/events/feed',
    tag: 'events',
    summary: 'Lifecycle events after a cursor, in order, as CloudEvents; with ?wait, a long poll for the next',
    query: {
      after: { description: 'The cursor of an earlier answer: only events after it. Default: the start of the feed.', schema: { type: 'string', pattern: '^[0-9]{1,15}$' } },
      limit: { description: 'At most this many events, 1 to 1000. Default 100.', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
      wait: wait('long-poll up to this long when no event is there yet'),
    },
    responses: [{ status: 200, description: 'The events, and the cursor to read after next.', schema: 'event-feed' }],
    problems: [400],
    authenticated: true,
  },
];

export const ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'registerWorkflow',
    method: 'post',
    path: '/v1/workflows',
    tag: 'definitions',
    summary: 'Register a workflow definition (YAML or JSON body)',
    query: {
      name: {
        description: 'The name of the workflow an Amazon States Language document (StartAt and States) is registered as, since it names none; default "workflow". A Segue definition names itself and ignores it.',
        schema: { type: 'string', pattern: NAME, maxLength: 200 },
      },
    },
    body: { kind: 'definition' },
    responses: [
      { status: 201, description: 'Stored as a new version.', schema: 'registered' },
      { status: 200, description: 'Identical content was already registered; its version.', schema: 'registered' },
    ],
    problems: [400, 409, 413],
    authenticated: true,
  },
  {
    operationId: 'validateWorkflow',
    method: 'post',
    path: '/v1/validate',
    tag: 'definitions',
    summary: 'Validate a definition without storing it',
    body: { kind: 'definition', checkOnly: true },
    responses: [{ status: 200, description: 'Whether it is valid, and every problem.', schema: 'validation-result' }],
    problems: [400, 413],
    authenticated: true,
  },
  {
    operationId: 'listWorkflows',
    method: 'get',
    path: '/v1/workflows',
    tag: 'definitions',
    summary: 'List workflows (latest version of each)',
    responses: [{ status: 200, description: 'Every workflow by name.', schema: 'workflow-list' }],
    problems: [],
    authenticated: true,
  },
  {
    operationId: 'getWorkflow',
    method: 'get',
    path: '/v1/workflows/{name}',
    tag: 'definitions',
    summary: 'The latest version of a workflow, with its source',
    params: { name: workflowName },
    responses: [{ status: 200, description: 'The latest version.', schema: 'workflow' }],
    problems: [400, 404],
    authenticated: true,
  },
  {
    operationId: 'getWorkflowVersion',
    method: 'get',
    path: '/v1/workflows/{name}/versions/{version}',
    tag: 'definitions',
    summary: 'One version of a workflow, with its source',
    params: { name: workflowName, version: workflowVersion },
    responses: [{ status: 200, description: 'That version.', schema: 'workflow' }],
    problems: [400, 404],
    authenticated: true,
  },
  {
    operationId: 'getWorkflowGraph',
    method: 'get',
    path: '/v1/workflows/{name}/versions/{version}/graph',
    tag: 'definitions',
    summary: 'The state machine of one version as a graph (nodes, edges, groups): what `segue graph` draws',
    params: { name: workflowName, version: workflowVersion },
    responses: [{ status: 200, description: 'The graph.', schema: 'graph' }],
    problems: [400, 404],
    authenticated: true,
  },

  {
    operationId: 'startInstance',
    method: 'post',
    path: '/v1/workflows/{name}/instances',
    tag: 'instances',
    summary: 'Start an instance; with ?wait, answer once it is finished or the wait ran out',
    params: { name: workflowName },
    query: {
      wait: wait('once started, long-poll up to this long for the instance to finish'),
    },
    body: { kind: 'json', schema: 'start-instance-request', required: false },
    responses: [
      {
        status: 201,
        description: 'Started (or, for a repeated id with the same input, the instance started first); with ?wait, as it is once finished or when the wait ran out.',
        schema: 'instance',
        headers: { Location: 'The instance: /v1/instances/{id}.' },
      },
    ],
    problems: [400, 404, 409, 413],
    authenticated: true,
  },
  {
    operationId: 'listInstances',
    method: 'get',
    path: '/v1/instances',
    tag: 'instances',
    summary: 'List instances, newest first, a page at a time',
    query: {
      workflow: { description: 'Only instances of this workflow.', schema: { type: 'string', pattern: NAME } },
      status: { description: `Only these statuses, comma-separated, e.g. RUNNING,SUSPENDED (${INSTANCE_STATUSES.join(', ')}).`, schema: { type: 'string', pattern: STATUS_LIST } },
      from: { description: 'Created at or after this ISO 8601 time.', schema: { type: 'string', format: 'date-time' } },
      to: { description: 'Created at or before this ISO 8601 time.', schema: { type: 'string', format: 'date-time' } },
      setAside: {
        description: 'true: only instances set aside (an input of theirs failed too many tries; see setAside in the instance); false: only the others.',
        schema: { type: 'boolean' },
      },
      limit: { description: 'Page size, 1 to 1000. Default 50.', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
      cursor: { description: 'The nextCursor of the previous page.', schema: { type: 'string', minLength: 1 } },
      key: {
        description:
          'Only instances waiting with this correlation key (the value of a wait step\'s `correlate`: a business key such as an order number), whatever the event, newest first, up to `limit` in one page (no cursor).',
        schema: { type: 'string', minLength: 1 },
      },
      attention: {
        description:
          'With true, only instances that need attention, longest in trouble first, each with its `attention` reasons (a task waiting on a queue no worker polls, an attempt past its deadline, a set-aside instance), up to `limit` in one page (no cursor).',
        schema: { type: 'boolean' },
      },
    },
    responses: [{ status: 200, description: 'One page.', schema: 'instance-list' }],
    problems: [400],
    authenticated: true,
  },
  {
    operationId: 'countInstances',
    method: 'get',
    path: '/v1/instance-counts',
    tag: 'instances',
    summary: 'How many instances have each status, of a workflow and created in a time range',
    query: {
      workflow: { description: 'Only instances of this workflow.', schema: { type: 'string', pattern: NAME } },
      from: { description: 'Created at or after this ISO 8601 time.', schema: { type: 'string', format: 'date-time' } },
      to: { description: 'Created at or before this ISO 8601 time.', schema: { type: 'string', format: 'date-time' } },
    },
    responses: [{ status: 200, description: 'The count of every status, and the total.', schema: 'instance-counts' }],
    problems: [400],
    authenticated: true,
  },
  {
    operationId: 'getInstance',
    method: 'get',
    path: '/v1/instances/{id}',
    tag: 'instances',
    summary: 'An instance; with ?wait, once it is finished or the wait ran out',
    params: { id: instanceId },
    query: {
      wait: wait('long-poll up to this long for the instance to finish'),
    },
    responses: [instance('The instance.')],
    problems: [400, 404],
    authenticated: true,
  },
  {
    operationId: 'purgeInstance',
    method: 'delete',
    path: '/v1/instances/{id}',
    tag: 'instances',
    summary: 'Remove a finished instance and its history',
    params: { id: instanceId },
    responses: [{ status: 204, description: 'Removed.' }],
    problems: [400, 404, 409],
    authenticated: true,
  },
  {
    operationId: 'getHistory',
    method: 'get',
    path: '/v1/instances/{id}/history',
    tag: 'instances',
    summary: "An instance's history, in order",
    params: { id: instanceId },
    query: {
      run: { description: 'Run number. Default: the current run.', schema: { type: 'integer', minimum: 1, maximum: MAX_WHOLE } },
      after: { description: 'Only the events after this sequence number (`seq`), to read a growing history a part at a time.', schema: { type: 'integer', minimum: 0, maximum: MAX_WHOLE } },
      limit: { description: 'At most this many events. Default: every event of the run.', schema: { type: 'integer', minimum: 1, maximum: MAX_WHOLE } },
    },
    responses: [{ status: 200, description: 'The events.', schema: 'history' }],
    problems: [400, 404],
    authenticated: true,
  },
  {
    operationId: 'evaluateExpression',
    method: 'post',
    path: '/v1/instances/{id}/evaluate',
    tag: 'instances',
    summary: "Evaluate a JSONata expression against an instance's data (or a current step's), under the engine's expression limits; nothing changes",
    params: { id: instanceId },
    body: { kind: 'json', schema: 'evaluate-request', required: true },
    responses: [{ status: 200, description: 'The value, or why the expression failed and where (a failing expression is an answer, not a bad request).', schema: 'evaluation' }],
    // 409: the instance is not at the step named.
    problems: [400, 404, 409, 413],
    authenticated: true,
  },
  {
    operationId: 'raiseEvent',
    method: 'post',
    path: '/v1/instances/{id}/events/{event}',
    tag: 'events',
    summary: 'Raise an event for one instance (consumed now, or buffered until it waits)',
    params: { id: instanceId, event: { description: 'Event name.', schema: { type: 'string', minLength: 1 } } },
    body: { kind: 'payload', description: 'The event payload (any JSON); the wait step\'s result. Empty = null.' },
    responses: [{ status: 202, description: 'Accepted and durable.' }],
    problems: [400, 404, 409, 413],
    authenticated: true,
  },
  {
    operationId: 'deliverEvent',
    method: 'post',
    path: '/v1/events/{event}',
    tag: 'events',
    summary: 'Deliver an event to every instance waiting on it with its correlation key, and start an instance of every workflow whose trigger matches it',
    params: { event: { description: 'Event name (a CloudEvent\'s type).', schema: { type: 'string', minLength: 1 } } },
    body: { kind: 'event' },
    responses: [{ status: 200, description: 'The instances that took it and what each matching trigger started (the same instance each time the event is sent again).', schema: 'delivered' }],
    problems: [400, 413],
    authenticated: true,
  },
  {
    operationId: 'listTriggers',
    method: 'get',
    path: '/v1/triggers',
    tag: 'events',
    summary: "List the triggers of every workflow's latest version",
    query: { event: { description: 'Only the triggers of this event.', schema: { type: 'string', minLength: 1 } } },
    responses: [{ status: 200, description: 'The triggers, by workflow name.', schema: 'trigger-list' }],
    problems: [400],
    authenticated: true,
  },
  lifecycle('cancel', 'Cancel an instance: pending work withdrawn, compensations run'),
  lifecycle('terminate', 'Terminate an instance at once: nothing more runs (an instance set aside too)'),
  lifecycle('suspend', 'Suspend an instance'),
  lifecycle('resume', 'Resume a suspended instance'),
  lifecycle(
    'retry',
    'Re-run a FAILED instance from the failed step, or apply again what an instance set aside holds; with a body, from a chosen step, with the data patched, on a newer version, or as a dry run',
    {
      body: { kind: 'json', schema: 'retry-request', required: false },
      responses: [{ status: 200, description: 'The instance after the retry, or for a dry run what it would do.', schema: 'retry-answer' }],
    },
  ),
  {
    operationId: 'pollTasks',
    method: 'post',
    path: '/v1/tasks/poll',
    tag: 'tasks',
    summary: 'Claim tasks, waiting up to `wait` for one (long poll)',
    body: { kind: 'json', schema: 'poll-request', required: true },
    responses: [{ status: 200, description: 'The claimed tasks (maybe none).', schema: 'claimed-tasks' }],
    problems: [400, 413],
    authenticated: true,
  },
  taskResult('complete', 'complete-task-request', "Report a task's result"),
  taskResult('fail', 'fail-task-request', "Report a task's failure"),
  {
    operationId: 'reportTaskResults',
    method: 'post',
    path: '/v1/tasks/results',
    tag: 'tasks',
    summary: 'Report the results of many tasks at once (each accepted, stale or refused); on a 5xx, send the whole batch again',
    body: { kind: 'json', schema: 'task-results-request', required: true, batch: true },
    responses: [
      {
        status: 200,
        description:
          'One outcome per result, in order. The results are applied together; when one of them fails for a reason that is not the ' +
          "client's (the store is unavailable), the answer is that problem (5xx) once all were tried: send the whole batch again — " +
          'the results already applied then come back stale, which is harmless.',
        schema: 'task-results-response',
      },
    ],
    problems: [400, 413],
    authenticated: true,
  },
  {
    operationId: 'heartbeatTask',
    method: 'post',
    path: '/v1/tasks/{token}/heartbeat',
    tag: 'tasks',
    summary: "Extend a task's lease",
    params: { token: taskToken },
    body: { kind: 'json', schema: 'heartbeat-request', required: false },
    responses: [{ status: 200, description: 'The new end of the lease.', schema: 'heartbeat-response' }],
    problems: [400, 409],
    authenticated: true,
  },
  ...TASK_TOKEN_ROUTES,
  {
    operationId: 'listQueues',
    method: 'get',
    path: '/v1/queues',
    tag: 'queues',
    summary: 'The task queues: depth, oldest task, attempts in flight, and the workers that polled each recently',
    responses: [{ status: 200, description: 'Every queue holding a task or polled recently, by name.', schema: 'queue-list' }],
    problems: [],
    authenticated: true,
  },
  ...SCHEDULE_ROUTES,
  ...EVENT_OUT_ROUTES,
  {
    operationId: 'health',
    method: 'get',
    path: '/healthz',
    tag: 'system',
    summary: 'Health: the store answers',
    responses: [{ status: 200, description: 'Healthy.', schema: 'health' }],
    problems: [],
    authenticated: false,
  },
  {
    operationId: 'metrics',
    method: 'get',
    path: '/metrics',
    tag: 'system',
    summary: 'Prometheus metrics',
    responses: [{ status: 200, description: 'Metrics in the Prometheus text format.', contentType: 'text/plain' }],
    problems: [],
    authenticated: false,
  },
  {
    operationId: 'openapi',
    method: 'get',
    path: '/openapi.json',
    tag: 'system',
    summary: 'This API as an OpenAPI 3.1 document',
    responses: [{ status: 200, description: 'The document.', contentType: 'application/json' }],
    problems: [],
    authenticated: false,
  },
];
