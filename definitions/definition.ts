/**
 * A workflow definition as written (YAML or JSON), after it passed the JSON Schema
 * (schemas/workflow.schema.json). Field meanings: docs/definition-language.md.
 */
import type { Json, JsonObject } from './model.js';

export interface RetryDefinition {
  maxAttempts?: number;
  initialInterval?: string;
  backoffCoefficient?: number;
  maxInterval?: string;
  jitter?: number;
  nonRetryable?: string[];
}

export interface CatchDefinition {
  errors: string[];
  next: string;
  /** Dotted path where `$error` is stored (default `error`), or `none`. */
  output?: string;
}

export interface CompensationDefinition {
  /** Task type of an inline compensation task… */
  task?: string;
  input?: Json;
  queue?: string;
  /** …or an HTTP call. */
  url?: string;
  method?: string;
  headers?: Json;
  body?: Json;
  retry?: RetryDefinition;
  timeout?: string;
}

export interface StepDefinition {
  name: string;
  type: string;
  next?: string;
  /** Dotted path or `none`; for `succeed` steps, the output template instead. */
  output?: Json;
  result?: Json;
  // task
  task?: string;
  queue?: string;
  input?: Json;
  timeout?: string;
  heartbeat?: string;
  retry?: RetryDefinition;
  catch?: CatchDefinition[];
  compensate?: CompensationDefinition;
  // http
  method?: string;
  url?: string;
  headers?: Json;
  body?: Json;
  // set
  values?: JsonObject;
  // choice
  choices?: { when: string; next: string }[];
  otherwise?: string;
  // parallel
  branches?: { name: string; steps: StepDefinition[] }[];
  // map
  items?: string;
  steps?: StepDefinition[];
  concurrency?: number;
  toleratedFailures?: number | string;
  // wait
  event?: string;
  correlate?: string;
  onTimeout?: string;
  // delay
  duration?: string;
  until?: string;
  // workflow
  workflow?: string;
  version?: number;
  // fail
  error?: string;
  message?: string;
}

export interface ScheduleDefinition {
  id?: string;
  cron: string;
  timezone?: string;
  input?: Json;
  overlap?: string;
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
}

/** An event that starts an instance of the workflow (`triggers:`). */
export interface TriggerDefinition {
  event: string;
  /** JSONata on the event: the trigger starts an instance only when it is true. */
  filter?: string;
  /** The start input, a template on the event; the event's data when absent. */
  input?: Json;
  /** The instance id, a template on the event; derived from the event's id when absent. */
  id?: string;
}

export interface WorkflowDefinition {
  name: string;
  version?: number;
  description?: string;
  input?: JsonObject;
  timeout?: string;
  defaults?: { retry?: RetryDefinition; timeout?: string };
  steps: StepDefinition[];
  schedules?: ScheduleDefinition[];
  triggers?: TriggerDefinition[];
  concurrency?: { limit: number };
}
