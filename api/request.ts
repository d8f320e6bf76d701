/**
 * Turns an express request into what a handler needs — path and query parameters coerced and
 * checked, the body read, parsed and validated against its schema — or throws the problem that
 * says what is wrong with it. Handlers never see an unchecked request.
 */
import type { Request } from 'express';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { ApiError } from './problems.js';
import { parseJsonText } from './json-text.js';
import type { BodySpec, ParamSpec, RouteSpec } from './routes.js';
import { describeErrors, type ErrorWording } from '../engine/schema-errors.js';
import { bodyValidator, parametersValidator, type SchemaName } from './schemas.js';
import { CLOUDEVENTS_JSON, cloudEventOf, isCloudEvent, plainEventOf } from './event-body.js';

export interface ApiCall {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  /** The validated JSON body, the event payload, or the definition text. */
  body: unknown;
  /** For definition bodies: the file name problems are reported under. */
  file?: string;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
  /** The id of the API key the call came with, when keys are configured. */
  caller?: string;
}

const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);
// A definition is text whatever it is labelled: curl sends form-urlencoded unless told otherwise,
// and its body is still the file the user gave.
const TEXT_TYPES = new Set(['', 'text/plain', 'application/x-www-form-urlencoded']);

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readCall(route: RouteSpec, req: Request, signal: AbortSignal, caller?: string): ApiCall {
  const params = checkParameters(route, 'params', { ...req.params }, PATH_WORDING);
  const query = checkParameters(route, 'query', { ...(req.query as Record<string, unknown>) }, QUERY_WORDING);
  const type = mediaType(req);
  const text = bodyText(req.body);
  const call: ApiCall = { params, query, body: undefined, signal };
  if (caller !== undefined) call.caller = caller;
  if (route.body?.kind === 'event') call.body = readEvent(String(params.event), req.headers, type, text);
  else if (route.body) Object.assign(call, readBody(route.body, type, text));
  // An ASL document is named by its file: the name given is the file's.
  if (call.file !== undefined && typeof query.name === 'string') call.file = call.file.replace(/^workflow\./, `${query.name}.`);
  return call;
}

function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

/** The body as text; undefined when there is none. */
function bodyText(raw: unknown): string | undefined {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  try {
    return utf8.decode(raw);
  } catch {
    throw new ApiError('MALFORMED_BODY', 'the body is not valid UTF-8 text');
  }
}

function readBody(spec: Exclude<BodySpec, { kind: 'event' }>, type: string, text: string | undefined): Pick<ApiCall, 'body' | 'file'> {
  if (spec.kind === 'definition') return { body: definitionText(type, text), file: isJsonType(type) ? 'workflow.json' : 'workflow.yaml' };
  // JSON routes take what is declared JSON: text/plain (fetch's default for a string) is refused,
  // not guessed at. A request without a body may leave the type out.
  if (text !== undefined && !isJsonType(type)) {
    const given = type === '' ? '; the request has a body but no Content-Type' : `, not ${type}`;
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `this endpoint takes JSON (Content-Type: application/json)${given}`);
  }
  if (spec.kind === 'payload') return { body: text === undefined ? null : parseJson(text) };
  if (text === undefined && spec.required) throw new ApiError('MALFORMED_BODY', 'this endpoint needs a JSON object as the body');
  const body = text === undefined ? {} : parseJson(text);
  checkBody(spec.schema, body);
  return { body };
}

function checkBody(schema: SchemaName, body: unknown, wording = BODY_WORDING): void {
  const validate = bodyValidator(schema);
  if (!validate(body)) throw new ApiError('REQUEST_INVALID', describeErrors(validate.errors, wording));
}

function readEvent(name: string, headers: Request['headers'], type: string, text: string | undefined): unknown {
  if (isCloudEvent(headers, type)) {
    // A structured event is the document's incoming-cloud-event schema; the package reads and checks it then.
    const json = (): unknown => {
      const value = parseJson(text!);
      if (type === CLOUDEVENTS_JSON) checkBody('incoming-cloud-event', value, CLOUD_EVENT_WORDING);
      return value;
    };
    return cloudEventOf({ name, headers, type, text, json });
  }
  const { body } = readBody({ kind: 'json', schema: 'deliver-event-request', required: false }, type, text);
  return plainEventOf(name, body as Parameters<typeof plainEventOf>[1]);
}

function definitionText(type: string, text: string | undefined): string {
  if (!YAML_TYPES.has(type) && !isJsonType(type) && !TEXT_TYPES.has(type)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `send the definition as YAML (Content-Type: application/yaml) or JSON (application/json), not ${type}`);
  }
  if (text === undefined || text.trim() === '') throw new ApiError('MALFORMED_BODY', 'the body is empty: send the workflow definition as YAML or JSON');
  return text;
}

function parseJson(text: string): unknown {
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ApiError('MALFORMED_BODY', parsed.message);
  return parsed.value;
}

const parameterValidators = new WeakMap<RouteSpec, Partial<Record<'params' | 'query', ValidateFunction>>>();

const BODY_WORDING: ErrorWording = { subject: 'the body', member: (p) => `"${p}"`, noun: 'field' };
const CLOUD_EVENT_WORDING: ErrorWording = { subject: 'the CloudEvent', member: (p) => `"${p}"`, noun: 'attribute' };
const QUERY_WORDING: ErrorWording = { subject: 'the query string', member: (p) => `query parameter "${p}"`, noun: 'parameter' };
const PATH_WORDING: ErrorWording = { subject: 'the path', member: (p) => `path parameter "${p}"`, noun: 'parameter' };

/**
 * Whole-number parameters are read from plain digits only: ajv's coercion alone reads `1e400` as
 * Infinity and `0x10` as 16. Fifteen digits keep every value exact.
 */
const WHOLE_NUMBER = /^-?\d{1,15}$/;

function checkParameters(route: RouteSpec, where: 'params' | 'query', values: Record<string, unknown>, wording: ErrorWording): Record<string, unknown> {
  for (const [name, spec] of Object.entries(route[where] ?? {})) {
    const value = values[name];
    if (spec.schema.type === 'integer' && typeof value === 'string' && !WHOLE_NUMBER.test(value)) {
      throw new ApiError('REQUEST_INVALID', `${wording.member(name)} must be a whole number written in digits, like 2; got "${value}"`);
    }
  }
  let cached = parameterValidators.get(route);
  if (!cached) parameterValidators.set(route, (cached = {}));
  const validate = (cached[where] ??= compileParameters(route[where] ?? {}));
  if (!validate(values)) throw new ApiError('REQUEST_INVALID', describeErrors(validate.errors, wording));
  return values;
}

function compileParameters(specs: Record<string, ParamSpec>): ValidateFunction {
  const properties = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { ...spec.schema, description: spec.description }]));
  const required = Object.entries(specs).filter(([, spec]) => spec.required).map(([name]) => name);
  return parametersValidator(properties, required);
}
