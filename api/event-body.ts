/**
 * The body of `POST /v1/events/{event}` as an event: a CloudEvent 1.0 in binary mode (`ce-*`
 * headers, the body its data) or structured mode (`application/cloudevents+json`), read by the
 * `cloudevents` package, or plain JSON (deliver-event-request.json). Either way the event must be
 * the one the path names.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import { timeOrderedId } from '../engine/random.js';
import type { Json } from '../definitions/model.js';
import type { IncomingEvent } from '../engine/triggers.js';
import { ApiError } from './problems.js';

export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
/** The CloudEvents extension attribute holding the correlation key (names are lowercase letters and digits). */
export const KEY_ATTRIBUTE = 'correlationkey';

export interface EventBody {
  name: string;
  headers: IncomingHttpHeaders;
  type: string;
  text: string | undefined;
  /** The body as JSON, already parsed and checked (numbers in range), when it is JSON. */
  json: () => unknown;
}

export function isCloudEvent(headers: IncomingHttpHeaders, type: string): boolean {
  return type === CLOUDEVENTS_JSON || headers['ce-specversion'] !== undefined;
}

/** The CloudEvent the request carries, as an event; a problem naming what is wrong with it otherwise. */
export function cloudEventOf(body: EventBody): IncomingEvent {
  const structured = body.type === CLOUDEVENTS_JSON;
  // Parsed here first, so that a number out of range is refused as it is everywhere else.
  const parsed = structured || body.type === 'application/json' || body.type.endsWith('+json') ? (body.text === undefined ? undefined : body.json()) : body.text;
  let event: CloudEvent<unknown>;
  try {
    const message = { headers: body.headers as Record<string, string>, body: parsed === undefined ? undefined : structured || typeof parsed !== 'string' ? JSON.stringify(parsed) : parsed };
    const read = HTTP.toEvent(message);
    event = (Array.isArray(read) ? read[0] : read) as CloudEvent<unknown>;
    if (!event) throw new ValidationError('no event');
    event.validate();
  } catch (err) {
    throw new ApiError('REQUEST_INVALID', `the CloudEvent is not valid: ${cloudEventProblem(err)}`);
  }
  if (event.type !== body.name) {
    throw new ApiError('REQUEST_INVALID', `the CloudEvent's type is "${event.type}", not the event "${body.name}" the path names; send it to /v1/events/${encodeURIComponent(event.type)}`);
  }
  const key = event[KEY_ATTRIBUTE];
  if (key !== undefined && typeof key !== 'string') throw new ApiError('REQUEST_INVALID', `the CloudEvent's ${KEY_ATTRIBUTE} must be a string, the correlation key of waiting instances`);
  // The package fills in a missing time with the present one: only a time the event had counts.
  const given = structured ? (parsed as Record<string, unknown> | undefined)?.time !== undefined : body.headers['ce-time'] !== undefined;
  return {
    type: event.type,
    id: event.id,
    source: event.source,
    ...(event.subject === undefined ? {} : { subject: event.subject }),
    ...(given && event.time !== undefined ? { time: event.time } : {}),
    ...(key === undefined ? {} : { key }),
    data: (event.data ?? null) as Json,
  };
}

/** A plain JSON event (deliver-event-request.json, already validated). */
export function plainEventOf(name: string, body: { key?: string; data?: Json; id?: string; source?: string; subject?: string; time?: string }): IncomingEvent {
  const { data, id, ...rest } = body;
  return { type: name, id: id ?? timeOrderedId(), ...rest, data: data ?? null };
}

function cloudEventProblem(err: unknown): string {
  if (err instanceof ValidationError && Array.isArray(err.errors) && err.errors.length > 0) {
    return err.errors
      .map((e) => (typeof e === 'string' ? e : `${(e as { instancePath?: string }).instancePath?.replace(/^\//, '') || 'the event'} ${(e as { message?: string }).message ?? ''}`.trim()))
      .join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}
