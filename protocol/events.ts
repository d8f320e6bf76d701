/** Lifecycle events out, as the API takes and answers them: subscriptions, dead letters, a page of the feed. */
import type { Json } from '../definitions/model.js';

/** A subscription as callers write it. */
export interface SubscriptionSpec {
  id?: string;
  url: string;
  types?: string[];
  workflow?: string | null;
  secret?: string;
  maxAttempts?: number;
  paused?: boolean;
}

export interface SubscriptionView {
  id: string;
  url: string;
  types: string[];
  workflow: string | null;
  paused: boolean;
  maxAttempts: number;
  /** The feed seq of the last event dealt with. */
  cursor: number;
  delivered: number;
  /** The next event's failing delivery, while it is retried. */
  failure: { attempts: number; nextAttemptAt: string; lastError: string } | null;
  createdAt: string;
  updatedAt: string;
  /** Only in the answer to the creation: the signing secret. */
  secret?: string;
}

export interface DeadLetterView {
  subscriptionId: string;
  eventId: string;
  attempts: number;
  lastError: string;
  deadAt: string;
  /** The event as it was sent: a CloudEvent. */
  event: Json;
}

export interface FeedPage {
  events: Json[];
  /** The cursor to read after next: the last event's seq, or the one given when none came. */
  cursor: string;
}
