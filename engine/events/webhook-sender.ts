/**
 * Sends one event to one subscriber: a CloudEvent in structured mode, signed per Standard Webhooks
 * (`standardwebhooks`: webhook-id is the event id, so a subscriber can drop a repeat;
 * webhook-timestamp on the engine's clock), through the HTTP policy every engine call obeys.
 */
import { Webhook } from 'standardwebhooks';
import type { Json } from '../../definitions/model.js';
import type { HttpRequestSpec } from '../http-executor.js';
import type { FeedEvent, SubscriptionRecord } from '../store/port.js';
import { structuredMessage } from './cloud-event.js';

export type HttpCall = (spec: HttpRequestSpec) => Promise<Json>;

/** What became of one attempt: delivered, or why not. */
export type Attempt = { ok: true } | { ok: false; error: string };

/** One attempt waits this long for an answer at most. */
const DELIVERY_TIMEOUT_MS = 10_000;

function webhookHeaders(secret: string, event: FeedEvent, body: string, now: number): Record<string, string> {
  const at = new Date(Math.floor(now / 1000) * 1000);
  return {
    'webhook-id': event.id,
    'webhook-timestamp': String(at.getTime() / 1000),
    'webhook-signature': new Webhook(secret).sign(event.id, at, body),
  };
}

export async function sendEvent(call: HttpCall, subscription: SubscriptionRecord, event: FeedEvent, now: number): Promise<Attempt> {
  const { headers, body } = structuredMessage(event);
  try {
    await call({ method: 'POST', url: subscription.url, headers: { ...headers, ...webhookHeaders(subscription.secret, event, body, now) }, body, timeoutMs: DELIVERY_TIMEOUT_MS });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
