/** Lifecycle events out: subscriptions (create, list, read, pause, resume, delete, dead letters) and the feed. */
import { parseCursor } from '../engine/events/feed.js';
import { waitMs, type Handler, type HandlerContext } from './handler-context.js';
import type { SubscriptionSpec } from '../protocol/events.js';
import type { EventOutOperation } from './routes.js';

const DEFAULT_PAGE = 100;

export function eventOutHandlers(ctx: HandlerContext): Record<EventOutOperation, Handler> {
  const { engine } = ctx;
  const subscriptions = engine.subscriptions;
  const id = (params: Record<string, unknown>): string => params.id as string;
  return {
    listSubscriptions: async () => ({ status: 200, body: { items: await subscriptions.list() } }),
    createSubscription: async (call) => {
      const view = await subscriptions.create(call.body as SubscriptionSpec);
      return { status: 201, body: view, headers: { Location: `/v1/subscriptions/${encodeURIComponent(view.id)}` } };
    },
    getSubscription: async (call) => ({ status: 200, body: await subscriptions.get(id(call.params)) }),
    deleteSubscription: async (call) => {
      await subscriptions.delete(id(call.params));
      return { status: 204 };
    },
    pauseSubscription: async (call) => ({ status: 200, body: await subscriptions.pause(id(call.params)) }),
    resumeSubscription: async (call) => ({ status: 200, body: await subscriptions.resume(id(call.params)) }),
    listDeadLetters: async (call) => {
      const limit = (call.query as { limit?: number }).limit ?? DEFAULT_PAGE;
      return { status: 200, body: { items: await subscriptions.deadLetters(id(call.params), limit) } };
    },
    redeliverDeadLetter: async (call) => ({ status: 200, body: await subscriptions.redeliver(id(call.params), call.params.eventId as string) }),
    readEventFeed: async (call) => {
      const q = call.query as { after?: string; limit?: number; wait?: string };
      const after = parseCursor(q.after);
      const wait = waitMs(q.wait, ctx.maxPollWaitMs, 'wait');
      return { status: 200, body: await engine.feed(after, q.limit ?? DEFAULT_PAGE, wait) };
    },
  };
}
