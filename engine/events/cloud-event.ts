/**
 * A lifecycle event as a CloudEvent 1.0 (`cloudevents`): what subscribers receive and the feed
 * lists. `source` names the workflow, `subject` the instance; the feed seq travels as the
 * `sequence` extension, so a consumer can tell where it is.
 */
import { CloudEvent, HTTP } from 'cloudevents';
import type { Json } from '../../definitions/model.js';
import type { FeedEvent } from '../store/port.js';

export function toCloudEvent(event: FeedEvent): CloudEvent<Json> {
  return new CloudEvent<Json>({
    specversion: '1.0',
    id: event.id,
    source: `/segue/workflows/${encodeURIComponent(event.workflow)}`,
    type: event.type,
    subject: event.instanceId,
    time: new Date(event.at).toISOString(),
    datacontenttype: 'application/json',
    sequence: String(event.seq),
    data: event.data,
  });
}

/** The event in structured mode: `application/cloudevents+json`, the whole event in the body. */
export function structuredMessage(event: FeedEvent): { headers: Record<string, string>; body: string } {
  const message = HTTP.structured(toCloudEvent(event));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) if (typeof value === 'string') headers[name] = value;
  return { headers, body: String(message.body) };
}

/** The event as the feed lists it: the CloudEvent's JSON form. */
export function cloudEventJson(event: FeedEvent): Json {
  return JSON.parse(JSON.stringify(toCloudEvent(event).toJSON())) as Json;
}
