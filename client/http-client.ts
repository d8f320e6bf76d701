/**
 * A small typed client of the REST API. Every non-2xx answer becomes a ProblemError carrying the
 * problem document's status, title and detail; no answer at all, a NetworkError.
 */
import type { Json, Problem } from '../definitions/model.js';
import { fetchTransport, NetworkError, type HttpAnswer, type Transport } from './transport.js';
import type { EvaluationAnswer, EvaluationRequest } from '../protocol/evaluation.js';
import type { AttentionView, HistoryView, InstanceStatus, InstanceView, LifecycleAction, RetryPreview, RetryRequest, StartRequest } from '../protocol/instances.js';
import type { QueueView } from '../protocol/queues.js';
import type { ScheduleFire, ScheduleSpec, ScheduleView } from '../protocol/schedules.js';
import type { ClaimedTask, FailureReport, TaskTokenFailure } from '../protocol/tasks.js';
import type { PublishedEvent, TriggerView } from '../protocol/triggers.js';
import type { DeadLetterView, FeedPage, SubscriptionSpec, SubscriptionView } from '../protocol/events.js';

export { NetworkError, type Transport };
export type { AttentionView, ClaimedTask, FailureReport, TaskTokenFailure, HistoryView, InstanceView, LifecycleAction, QueueView, RetryPreview, RetryRequest, ScheduleFire, ScheduleSpec, ScheduleView, StartRequest, DeadLetterView, FeedPage, SubscriptionSpec, SubscriptionView, PublishedEvent, TriggerView };

export type ScheduleAction = 'pause' | 'resume' | 'trigger';

/** An event as plain JSON (deliver-event-request.json). */
export interface EventRequest {
  key?: string;
  data?: Json;
  id?: string;
  source?: string;
  subject?: string;
  time?: string;
}

export interface ClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** How requests are sent. Default: fetch; in Node, `nodeTransport()` costs less CPU per call. */
  transport?: Transport;
}

export interface ListRequest {
  workflow?: string;
  /** One status or several. */
  status?: string | string[];
  /** ISO 8601 times. */
  from?: string;
  to?: string;
  /** true: only instances set aside; false: only the others. */
  setAside?: boolean;
  limit?: number;
  cursor?: string;
  /** Only instances waiting with this correlation key (no cursor then). */
  key?: string;
}

export interface WorkflowSummary {
  name: string;
  version: number;
  description?: string;
  createdAt: string;
}

export interface WorkflowVersion extends WorkflowSummary {
  hash: string;
  source: string;
  definition: Json;
  versions: number[];
}

export interface PollRequest {
  types: string[];
  worker: string;
  max?: number;
  /** A duration ("30s") or milliseconds. */
  wait?: string | number;
}

/** Room a worker has for the tasks its reported results lead to. */
export interface NextTasksRequest {
  types: string[];
  worker: string;
  max: number;
}

/** A task's result for reportResults: a failure when it names an `error`, else a completion (output default null). */
export type TaskResult = { token: string; output?: Json; error?: never } | ({ token: string } & FailureReport);

/**
 * What became of one reported result. `stale`: its attempt is no longer current (already reported,
 * timed out, cancelled, instance purged). `refused`: not taken as given (e.g. an output over the
 * payload limit; the engine then failed the attempt itself); `detail` says why.
 */
export interface TaskResultOutcome {
  token: string;
  status: 'accepted' | 'stale' | 'refused';
  detail?: string;
}

/** A problem answered by the server (status >= 400). */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly type: string,
    /** Positioned problems of an invalid definition. */
    readonly errors: Problem[] = [],
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

interface Call {
  method?: string;
  body?: unknown;
  /** Raw text body (definitions), with its content type. */
  text?: { value: string; contentType: string };
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

export class SegueClient {
  private readonly base: string;
  private readonly transport: Transport;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.transport = options.transport ?? fetchTransport;
  }

  /** `name`: what an Amazon States Language document (which names no workflow) is registered as. */
  async registerWorkflow(source: string, contentType = 'application/yaml', name?: string): Promise<{ name: string; version: number; created: boolean }> {
    const { status, body } = await this.exchange<{ name: string; version: number }>('/v1/workflows', { method: 'POST', text: { value: source, contentType }, query: { name } });
    return { ...body, created: status === 201 };
  }

  async validate(source: string, contentType = 'application/yaml'): Promise<{ valid: boolean; errors: Problem[] }> {
    return this.request('/v1/validate', { method: 'POST', text: { value: source, contentType } });
  }

  async listWorkflows(): Promise<WorkflowSummary[]> {
    return (await this.request<{ items: WorkflowSummary[] }>('/v1/workflows')).items;
  }

  getWorkflow(name: string, version?: number): Promise<WorkflowVersion> {
    return this.request(version === undefined ? `/v1/workflows/${seg(name)}` : `/v1/workflows/${seg(name)}/versions/${version}`);
  }

  /** With `wait` (e.g. "30s"), answers once the instance is finished or the wait ran out. */
  startInstance(workflow: string, start: StartRequest = {}, wait?: string): Promise<InstanceView> {
    return this.request(`/v1/workflows/${seg(workflow)}/instances`, { method: 'POST', body: start, query: { wait } });
  }

  /** With `wait` (e.g. "30s"), answers once the instance is finished or the wait ran out. */
  getInstance(id: string, wait?: string): Promise<InstanceView> {
    return this.request(`/v1/instances/${seg(id)}`, { query: { wait } });
  }

  listInstances(list: ListRequest = {}): Promise<{ items: InstanceView[]; nextCursor?: string }> {
    return this.request('/v1/instances', { query: listQuery(list) });
  }

  /** How many instances have each status (every status named), of a workflow and created in a time range. */
  countInstances(filter: Pick<ListRequest, 'workflow' | 'from' | 'to'> = {}): Promise<{ counts: Record<InstanceStatus, number>; total: number }> {
    return this.request('/v1/instance-counts', { query: { ...filter } });
  }

  /** Instances needing attention, each with why (`attention`); the list filters apply, but no cursor. */
  needingAttention(list: Omit<ListRequest, 'cursor'> = {}): Promise<{ items: AttentionView[] }> {
    return this.request('/v1/instances', { query: { ...listQuery(list), attention: 'true' } });
  }

  /** The events of a run (default: the current one); only those after seq `after` when given, at most `limit`. */
  async history(id: string, run?: number, after?: number, limit?: number): Promise<HistoryView[]> {
    return (await this.request<{ events: HistoryView[] }>(`/v1/instances/${seg(id)}/history`, { query: { run, after, limit } })).events;
  }

  /** Evaluates a JSONata expression against the instance's data, or a current step's; nothing changes. */
  evaluate(id: string, request: EvaluationRequest): Promise<EvaluationAnswer> {
    return this.request(`/v1/instances/${seg(id)}/evaluate`, { method: 'POST', body: request });
  }

  async raiseEvent(id: string, event: string, payload: Json = null): Promise<void> {
    await this.request(`/v1/instances/${seg(id)}/events/${seg(event)}`, { method: 'POST', body: payload });
  }

  deliverEvent(event: string, key: string, data: Json = null): Promise<PublishedEvent> {
    return this.publishEvent(event, { key, data });
  }

  /** An event as plain JSON: delivered to instances waiting with its key, and starting what its triggers start. */
  publishEvent(event: string, body: EventRequest): Promise<PublishedEvent> {
    return this.request(`/v1/events/${seg(event)}`, { method: 'POST', body });
  }

  triggers(event?: string): Promise<{ items: TriggerView[] }> {
    return this.request('/v1/triggers', { query: { event } });
  }

  lifecycle(id: string, action: LifecycleAction, reason?: string): Promise<InstanceView> {
    return this.request(`/v1/instances/${seg(id)}/${action}`, { method: 'POST', body: reason === undefined ? {} : { reason } });
  }

  /** Retries an instance; with a request, a redrive with edits (see docs/operations.md), or its dry run. */
  retry(id: string, request?: RetryRequest & { dryRun?: false }): Promise<InstanceView>;
  retry(id: string, request: RetryRequest & { dryRun: true }): Promise<{ dryRun: RetryPreview }>;
  retry(id: string, request: RetryRequest = {}): Promise<InstanceView | { dryRun: RetryPreview }> {
    return this.request(`/v1/instances/${seg(id)}/retry`, { method: 'POST', body: request as Json });
  }

  async purge(id: string): Promise<void> {
    await this.request(`/v1/instances/${seg(id)}`, { method: 'DELETE' });
  }

  poll(poll: PollRequest, signal?: AbortSignal): Promise<ClaimedTask[]> {
    return this.request('/v1/tasks/poll', { method: 'POST', body: poll, ...(signal ? { signal } : {}) });
  }

  async complete(token: string, output: Json): Promise<void> {
    await this.request(`/v1/tasks/${seg(token)}/complete`, { method: 'POST', body: { output } });
  }

  async fail(token: string, report: FailureReport): Promise<void> {
    await this.request(`/v1/tasks/${seg(token)}/fail`, { method: 'POST', body: report });
  }

  /**
   * Reports up to 1000 results in one request; one outcome per result, in order. A 5xx means the
   * batch should be sent again whole: results already applied then come back `stale`.
   */
  async reportResults(results: TaskResult[]): Promise<TaskResultOutcome[]> {
    return (await this.request<{ results: TaskResultOutcome[] }>('/v1/tasks/results', { method: 'POST', body: { results } })).results;
  }

  /**
   * As reportResults, also taking the tasks these results lead to: those they schedule on
   * `next.types` are leased to `next.worker` (up to `next.max`) in the same commits and answered
   * here, so the worker goes on with no poll.
   */
  async reportResultsTakingNext(results: TaskResult[], next: NextTasksRequest): Promise<{ results: TaskResultOutcome[]; tasks: ClaimedTask[] }> {
    const answer = await this.request<{ results: TaskResultOutcome[]; tasks?: ClaimedTask[] }>('/v1/tasks/results', { method: 'POST', body: { results, next } });
    return { results: answer.results, tasks: answer.tasks ?? [] };
  }

  heartbeat(token: string): Promise<{ deadline: string }> {
    return this.request(`/v1/tasks/${seg(token)}/heartbeat`, { method: 'POST', body: {} });
  }

  /** Sends a step's task token back with its result (Step Functions' SendTaskSuccess). */
  async sendTaskSuccess(taskToken: string, output: Json): Promise<void> {
    await this.request(`/v1/task-tokens/${seg(taskToken)}/success`, { method: 'POST', body: { output } });
  }

  /** Sends a step's task token back with a failure: the step fails with `error` (Step Functions' SendTaskFailure). */
  async sendTaskFailure(taskToken: string, failure: TaskTokenFailure = {}): Promise<void> {
    await this.request(`/v1/task-tokens/${seg(taskToken)}/failure`, { method: 'POST', body: { ...failure } });
  }

  /** Starts the heartbeat clock of the step waiting for its task token again (Step Functions' SendTaskHeartbeat). */
  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    await this.request(`/v1/task-tokens/${seg(taskToken)}/heartbeat`, { method: 'POST', body: {} });
  }

  /** Every task queue: depth, oldest task, attempts in flight, and the workers serving it. */
  async queues(): Promise<QueueView[]> {
    return (await this.request<{ items: QueueView[] }>('/v1/queues')).items;
  }

  async listSchedules(): Promise<ScheduleView[]> {
    return (await this.request<{ items: ScheduleView[] }>('/v1/schedules')).items;
  }

  createSchedule(spec: ScheduleSpec): Promise<ScheduleView> {
    return this.request('/v1/schedules', { method: 'POST', body: spec });
  }

  getSchedule(id: string): Promise<ScheduleView> {
    return this.request(`/v1/schedules/${seg(id)}`);
  }

  /** Replaces every setting (what is left out goes back to its default); the fire history stays. */
  replaceSchedule(id: string, spec: ScheduleSpec): Promise<ScheduleView> {
    return this.request(`/v1/schedules/${seg(id)}`, { method: 'PUT', body: spec });
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.request(`/v1/schedules/${seg(id)}`, { method: 'DELETE' });
  }

  /** `trigger` starts an instance now, whatever the cron expression says. */
  scheduleAction(id: string, action: ScheduleAction): Promise<ScheduleView> {
    return this.request(`/v1/schedules/${seg(id)}/${action}`, { method: 'POST' });
  }

  async listSubscriptions(): Promise<SubscriptionView[]> {
    return (await this.request<{ items: SubscriptionView[] }>('/v1/subscriptions')).items;
  }

  /** The answer holds the signing secret; no later one does. */
  createSubscription(spec: SubscriptionSpec): Promise<SubscriptionView> {
    return this.request('/v1/subscriptions', { method: 'POST', body: spec });
  }

  getSubscription(id: string): Promise<SubscriptionView> {
    return this.request(`/v1/subscriptions/${seg(id)}`);
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.request(`/v1/subscriptions/${seg(id)}`, { method: 'DELETE' });
  }

  subscriptionAction(id: string, action: 'pause' | 'resume'): Promise<SubscriptionView> {
    return this.request(`/v1/subscriptions/${seg(id)}/${action}`, { method: 'POST' });
  }

  async deadLetters(id: string, limit?: number): Promise<DeadLetterView[]> {
    const query = limit === undefined ? '' : `?limit=${limit}`;
    return (await this.request<{ items: DeadLetterView[] }>(`/v1/subscriptions/${seg(id)}/dead-letters${query}`)).items;
  }

  redeliver(id: string, eventId: string): Promise<{ delivered: boolean; error?: string }> {
    return this.request(`/v1/subscriptions/${seg(id)}/dead-letters/${seg(eventId)}/redeliver`, { method: 'POST' });
  }

  /** Lifecycle events after `after` (a cursor of an earlier answer; default the start), waiting up to `wait` (like 30s) for one. */
  readEvents(options: { after?: string; limit?: number; wait?: string } = {}): Promise<FeedPage> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options)) if (value !== undefined) query.set(name, String(value));
    const text = query.toString();
    return this.request(`/v1/events/feed${text ? `?${text}` : ''}`);
  }

  health(): Promise<{ status: string }> {
    return this.request('/healthz');
  }

  private async request<T>(path: string, call: Call = {}): Promise<T> {
    return (await this.exchange<T>(path, call)).body;
  }

  /** One round trip; no answer rejects with a NetworkError. */
  private async exchange<T>(path: string, call: Call): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let body: string | undefined;
    if (call.text) {
      headers['content-type'] = call.text.contentType;
      body = call.text.value;
    } else if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const answer = await this.transport({
      method: call.method ?? 'GET',
      url: this.base + path + queryString(call.query),
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(call.signal ? { signal: call.signal } : {}),
    });
    if (answer.status < 200 || answer.status > 299) throw problemError(answer);
    return { status: answer.status, body: (answer.text === '' ? undefined : JSON.parse(answer.text)) as T };
  }
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function queryString(query: Call['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function problemError(answer: HttpAnswer): ProblemError {
  let problem: { title?: string; detail?: string; type?: string; errors?: Problem[] } = {};
  try {
    problem = JSON.parse(answer.text) as typeof problem;
  } catch {
    // Not a problem document (a proxy's error page): the status line says what there is to say.
  }
  return new ProblemError(
    answer.status,
    problem.title ?? answer.statusText,
    problem.detail ?? `the server answered ${answer.status} ${answer.statusText}`,
    problem.type ?? 'about:blank',
    problem.errors ?? [],
  );
}

/** A list request as query parameters: statuses joined by commas, the set-aside flag as text. */
function listQuery(list: ListRequest): Record<string, string | number | undefined> {
  const status = Array.isArray(list.status) ? list.status.join(',') : list.status;
  const setAside = list.setAside === undefined ? undefined : String(list.setAside);
  return { ...list, status, setAside };
}
