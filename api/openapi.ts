/**
 * The OpenAPI 3.1 document, generated from the route table and the same JSON Schemas the server
 * validates requests with: what the document says is what the server checks.
 */
import type { ResponseSpec, RouteSpec } from './routes.js';
import { API_SCHEMAS, WORKFLOW_DEFINITION_SCHEMA, type SchemaName } from './schemas.js';

type Doc = Record<string, unknown>;

export interface OpenApiOptions {
  /** Whether /v1 routes need `Authorization: Bearer <key>`. */
  authenticated: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed or not accepted; the problem says why.',
  401: 'The API key is missing or wrong.',
  404: 'No such workflow, instance, schedule or route.',
  409: 'Conflicts with the current state (an existing id, a stale task token, a finished instance).',
  413: 'The body, or a value in it (a task output), is larger than its limit; the problem says which.',
  415: 'The body has a content type this endpoint does not take.',
  500: 'An unexpected error; the server log has the details.',
  503: 'The store is unavailable or busy, or the engine is overloaded (it works on as many instances as it takes, or the workflow\'s start queue is full); try again, after Retry-After seconds when given.',
};

export function buildOpenApi(routes: readonly RouteSpec[], options: OpenApiOptions): Doc {
  const paths: Record<string, Doc> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route, options);
  const components: Doc = { schemas: componentSchemas() };
  if (options.authenticated) components.securitySchemes = { apiKey: { type: 'http', scheme: 'bearer', description: 'The server\'s API key.' } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Segue',
      version: '1.0.0',
      description: 'Register workflow definitions, run and operate instances, and serve tasks to workers. Errors are RFC 9457 problems.',
    },
    tags: [
      { name: 'definitions', description: 'Workflow definitions: immutable, versioned.' },
      { name: 'instances', description: 'Running and finished instances.' },
      { name: 'events', description: 'Events for waiting instances, and the feed of lifecycle events.' },
      { name: 'tasks', description: 'The worker protocol: poll, complete, fail (one result, or many in one request), heartbeat.' },
      { name: 'queues', description: 'The task queues as operators see them: depth, age, leases and workers.' },
      { name: 'schedules', description: 'Cron schedules that start instances.' },
      { name: 'subscriptions', description: 'Subscribers of lifecycle events, their deliveries and dead letters.' },
      { name: 'system', description: 'Health, metrics and this document.' },
    ],
    paths,
    components,
  };
}

function ref(name: SchemaName | 'WorkflowDefinition'): Doc {
  return { $ref: `#/components/schemas/${name === 'WorkflowDefinition' ? name : componentName(name)}` };
}

function componentName(file: string): string {
  return file.replace(/(^|-)([a-z])/g, (_, _dash: string, ch: string) => ch.toUpperCase());
}

/** The schemas, with their file references turned into component references. */
function componentSchemas(): Doc {
  const schemas: Doc = {};
  for (const [name, schema] of Object.entries(API_SCHEMAS)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as Doc;
    schemas[componentName(name)] = rewriteRefs(rest);
  }
  // Its internal "#/$defs/…" references become references into the document: tools resolve "#"
  // against the document, not against the schema's $id (which is left out so that they agree).
  const { $schema: _dialect, $id: _definitionId, ...definition } = WORKFLOW_DEFINITION_SCHEMA as Doc;
  schemas.WorkflowDefinition = rewriteRefs(definition, '#/components/schemas/WorkflowDefinition');
  return schemas;
}

/** File references (`problem.json`) become component references; with `base`, so do internal ones (`#/$defs/x`). */
function rewriteRefs(value: unknown, base?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, base));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (key !== '$ref' || typeof v !== 'string') return [key, rewriteRefs(v, base)];
      if (v.endsWith('.json')) return [key, `#/components/schemas/${componentName(v.slice(0, -5))}`];
      return [key, base !== undefined && v.startsWith('#/') ? base + v.slice(1) : v];
    }),
  );
}

function operation(route: RouteSpec, options: OpenApiOptions): Doc {
  const op: Doc = { operationId: route.operationId, summary: route.summary, tags: [route.tag] };
  const parameters = [
    ...Object.entries(route.params ?? {}).map(([name, p]) => ({ name, in: 'path', required: true, description: p.description, schema: p.schema })),
    ...Object.entries(route.query ?? {}).map(([name, p]) => ({ name, in: 'query', required: p.required ?? false, description: p.description, schema: p.schema })),
  ];
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body) op.requestBody = requestBody(route);
  op.responses = responses(route, options);
  if (route.authenticated && options.authenticated) op.security = [{ apiKey: [] }];
  return op;
}

function requestBody(route: RouteSpec): Doc {
  const body = route.body!;
  if (body.kind === 'definition') {
    // Validation takes any text and answers its problems; registration refuses what is not a definition.
    const schema = body.checkOnly ? {} : ref('WorkflowDefinition');
    return {
      required: true,
      description: `The definition as YAML (application/yaml, text/yaml, application/x-yaml) or JSON${body.checkOnly ? ', valid or not' : ''}.`,
      content: { 'application/yaml': { schema }, 'application/json': { schema } },
    };
  }
  if (body.kind === 'payload') return { required: false, description: body.description, content: { 'application/json': { schema: {} } } };
  if (body.kind === 'event') {
    return {
      required: false,
      description: 'The event as plain JSON, or as a CloudEvent 1.0: structured (application/cloudevents+json) or binary (the attributes as `ce-*` headers, the body its data).',
      content: { 'application/json': { schema: ref('deliver-event-request') }, 'application/cloudevents+json': { schema: ref('cloud-event') } },
    };
  }
  return { required: body.required, content: { 'application/json': { schema: ref(body.schema) } } };
}

function responses(route: RouteSpec, options: OpenApiOptions): Doc {
  const out: Doc = {};
  for (const r of route.responses) out[String(r.status)] = response(r);
  const statuses = new Set([...route.problems, 500, 503]);
  if (route.authenticated && options.authenticated) {
    statuses.add(401);
    statuses.add(403);
  }
  if (route.body) statuses.add(415);
  for (const status of [...statuses].sort()) {
    const answer: Doc = { description: STATUS_TEXT[status] ?? 'A problem.', content: { 'application/problem+json': { schema: ref('problem') } } };
    if (status === 503) answer.headers = { 'Retry-After': { description: 'Seconds to wait before trying again (on OVERLOADED).', schema: { type: 'string' } } };
    out[String(status)] = answer;
  }
  return out;
}

function response(r: ResponseSpec): Doc {
  const doc: Doc = { description: r.description };
  if (r.schema) doc.content = { 'application/json': { schema: ref(r.schema) } };
  else if (r.contentType) doc.content = { [r.contentType]: { schema: r.contentType === 'application/json' ? { type: 'object' } : { type: 'string' } } };
  if (r.headers) doc.headers = Object.fromEntries(Object.entries(r.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
  return doc;
}
