/**
 * Managing subscriptions: create, list, read, pause, resume, delete; their dead letters, listed
 * and delivered again. The views never show the signing secret, except to the caller that created
 * the subscription.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { SegueError } from '../errors.js';
import { HostRules } from '../http-policy.js';
import { INSTANCE_EVENT_TYPES, STEP_EVENT_TYPES, type DeadLetter, type EventStore, type SubscriptionRecord } from '../store/port.js';
import { cloudEventJson } from './cloud-event.js';
import { sendEvent, type HttpCall } from './webhook-sender.js';
import type { DeadLetterView, SubscriptionSpec, SubscriptionView } from '../../protocol/events.js';

const EVENT_TYPES: readonly string[] = [...INSTANCE_EVENT_TYPES, ...STEP_EVENT_TYPES];
/** The instance events: what a subscription that names no types receives. */
const DEFAULT_TYPES: readonly string[] = INSTANCE_EVENT_TYPES;
const DEFAULT_MAX_ATTEMPTS = 10;
const MAX_ATTEMPTS = 100;
const SECRET = /^whsec_[A-Za-z0-9+/]{22,}={0,2}$/;

export function subscriptionView(s: SubscriptionRecord): SubscriptionView {
  return {
    id: s.id,
    url: s.url,
    types: s.types,
    workflow: s.workflow,
    paused: s.paused,
    maxAttempts: s.maxAttempts,
    cursor: s.cursor,
    delivered: s.delivered,
    failure: s.failure && { attempts: s.failure.attempts, nextAttemptAt: new Date(s.failure.nextAttemptAt).toISOString(), lastError: s.failure.lastError },
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}

function deadLetterView(l: DeadLetter): DeadLetterView {
  return { subscriptionId: l.subscriptionId, eventId: l.event.id, attempts: l.attempts, lastError: l.lastError, deadAt: new Date(l.deadAt).toISOString(), event: cloudEventJson(l.event) };
}

export class SubscriptionService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly call: HttpCall,
    /** The allowed hosts of the HTTP policy, which subscriber URLs obey as http steps do. */
    private readonly rules: HostRules,
    /** Told when subscriptions change, so step events start or stop being written. */
    private readonly changed: () => void,
  ) {}

  async create(spec: SubscriptionSpec): Promise<SubscriptionView> {
    const now = this.clock.now();
    const record: SubscriptionRecord = {
      id: spec.id ?? randomUUID(),
      url: this.checkUrl(spec.url),
      types: checkTypes(spec.types),
      workflow: spec.workflow ?? null,
      secret: checkSecret(spec.secret),
      paused: spec.paused ?? false,
      maxAttempts: checkAttempts(spec.maxAttempts),
      rev: 1,
      createdAt: now,
      updatedAt: now,
      // Events from now on: a new subscriber is not sent the whole past (the feed has it).
      cursor: await this.store.lastEventSeq(),
      failure: null,
      lease: null,
      delivered: 0,
    };
    if (!(await this.store.putSubscription(record, null))) throw new SegueError('CONFLICT', `a subscription with id "${record.id}" already exists`);
    this.changed();
    return { ...subscriptionView(record), secret: record.secret };
  }

  async list(): Promise<SubscriptionView[]> {
    return (await this.store.listSubscriptions()).map(subscriptionView);
  }

  async get(id: string): Promise<SubscriptionView> {
    return subscriptionView(await this.record(id));
  }

  pause(id: string): Promise<SubscriptionView> {
    return this.setPaused(id, true);
  }

  resume(id: string): Promise<SubscriptionView> {
    return this.setPaused(id, false);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.store.deleteSubscription(id))) throw new SegueError('NOT_FOUND', `subscription "${id}" does not exist`);
    this.changed();
  }

  async deadLetters(id: string, limit: number): Promise<DeadLetterView[]> {
    await this.record(id);
    return (await this.store.listDeadLetters(id, limit)).map(deadLetterView);
  }

  /** One more attempt at a dead letter: removed once delivered, kept (its attempts counted) when not. */
  async redeliver(id: string, eventId: string): Promise<{ delivered: boolean; error?: string }> {
    const subscription = await this.record(id);
    const letter = await this.store.getDeadLetter(id, eventId);
    if (!letter) throw new SegueError('NOT_FOUND', `subscription "${id}" has no dead letter for event "${eventId}"`);
    const attempt = await sendEvent(this.call, subscription, letter.event, this.clock.now());
    if (attempt.ok) {
      await this.store.deleteDeadLetter(id, eventId);
      return { delivered: true };
    }
    await this.store.putDeadLetter({ ...letter, attempts: letter.attempts + 1, lastError: attempt.error });
    return { delivered: false, error: attempt.error };
  }

  private async setPaused(id: string, paused: boolean): Promise<SubscriptionView> {
    for (;;) {
      const current = await this.record(id);
      // The lease is dropped too: an engine delivering meanwhile stops at its next write.
      const next = { ...current, paused, lease: null, rev: current.rev + 1, updatedAt: this.clock.now() };
      // Resuming retries a failing delivery at once.
      if (!paused && next.failure) next.failure = { ...next.failure, nextAttemptAt: next.updatedAt };
      if (await this.store.putSubscription(next, current.rev)) return subscriptionView(next);
    }
  }

  private async record(id: string): Promise<SubscriptionRecord> {
    const record = await this.store.getSubscription(id);
    if (!record) throw new SegueError('NOT_FOUND', `subscription "${id}" does not exist`);
    return record;
  }

  private checkUrl(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new SegueError('BAD_REQUEST', `url "${url}" is not an absolute URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SegueError('BAD_REQUEST', `url: only http and https URLs can be called, not ${parsed.protocol}`);
    // The address a name resolves to is checked again at each delivery, as for http steps.
    const refused = this.rules.checkName(parsed.hostname);
    if (refused) throw new SegueError('BAD_REQUEST', `url "${url}" is refused: ${refused}`);
    return parsed.href;
  }
}

function checkTypes(types: string[] | undefined): string[] {
  if (types === undefined) return [...DEFAULT_TYPES];
  if (types.length === 0) throw new SegueError('BAD_REQUEST', 'types: name at least one event type (leave types out for every instance event)');
  const unknown = types.filter((t) => !EVENT_TYPES.includes(t));
  if (unknown.length > 0) throw new SegueError('BAD_REQUEST', `types: ${unknown.map((t) => `"${t}"`).join(', ')} ${unknown.length === 1 ? 'is not an event type' : 'are not event types'}; the types are ${EVENT_TYPES.join(', ')}`);
  return [...new Set(types)];
}

function checkSecret(secret: string | undefined): string {
  if (secret === undefined) return `whsec_${randomBytes(32).toString('base64')}`;
  if (!SECRET.test(secret) || Buffer.from(secret.slice(6), 'base64').length < 16) {
    throw new SegueError('BAD_REQUEST', 'secret must be "whsec_" followed by at least 16 bytes in base64 (the Standard Webhooks form); leave it out to have one made');
  }
  return secret;
}

function checkAttempts(maxAttempts: number | undefined): number {
  if (maxAttempts === undefined) return DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) throw new SegueError('BAD_REQUEST', `maxAttempts must be a whole number from 1 to ${MAX_ATTEMPTS}, got ${maxAttempts}`);
  return maxAttempts;
}
