/**
 * `segue subscriptions <list|get|create|pause|resume|delete|dead-letters|redeliver>`: subscribers
 * of lifecycle events on a running server (`--server`, or SEGUE_URL).
 */
import type { DeadLetterView, SubscriptionSpec, SubscriptionView } from '../client/http-client.js';
import { positiveInteger } from './args.js';
import type { Options } from './client-commands.js';
import { record, table } from './client-format.js';
import { deletion, listing, onId, subcommandsCommand, type Subcommand } from './subcommands.js';

const CREATE_OPTIONS: Options = {
  types: { type: 'string' },
  workflow: { type: 'string' },
  secret: { type: 'string' },
  id: { type: 'string' },
  'max-attempts': { type: 'string' },
  paused: { type: 'boolean' },
};

function formatList(items: SubscriptionView[]): string {
  if (items.length === 0) return 'no subscriptions\n';
  const rows = items.map((s) => [s.id, s.url, s.workflow ?? '*', s.paused ? 'yes' : 'no', String(s.delivered), s.failure ? `${s.failure.attempts} failed` : '-']);
  return table(['ID', 'URL', 'WORKFLOW', 'PAUSED', 'DELIVERED', 'FAILING'], rows);
}

function formatOne(view: SubscriptionView): string {
  return record([
    ['id', view.id],
    ['url', view.url],
    ['types', view.types.join(', ')],
    ['workflow', view.workflow ?? 'every workflow'],
    ['paused', view.paused ? 'yes' : 'no'],
    ['max attempts', String(view.maxAttempts)],
    ['delivered', String(view.delivered)],
    ['cursor', String(view.cursor)],
    ['failing', view.failure ? `${view.failure.attempts} attempts, next at ${view.failure.nextAttemptAt}: ${view.failure.lastError}` : undefined],
    ['secret', view.secret === undefined ? undefined : `${view.secret} (shown this once)`],
    ['created', view.createdAt],
  ]);
}

function formatLetters(items: DeadLetterView[]): string {
  if (items.length === 0) return 'no dead letters\n';
  return table(['EVENT', 'ATTEMPTS', 'DEAD AT', 'LAST ERROR'], items.map((l) => [l.eventId, String(l.attempts), l.deadAt, l.lastError]));
}

const action = (name: 'pause' | 'resume'): Subcommand => onId(name, (client, id) => client.subscriptionAction(id, name), formatOne);

const SUBCOMMANDS: Record<string, Subcommand> = {
  list: listing((client) => client.listSubscriptions(), formatList),
  get: onId('get', (client, id) => client.getSubscription(id), formatOne),
  create: {
    usage: 'create <url> [--types <type,…>] [--workflow <name>] [--secret <whsec_…>] [--id <id>] [--max-attempts <n>] [--paused]',
    args: ['url'],
    options: CREATE_OPTIONS,
    run: async ({ client, args, values }) => {
      const { types, workflow, secret, id } = values as Record<string, string | undefined>;
      const spec: SubscriptionSpec = { url: args[0]! };
      if (types !== undefined) spec.types = types.split(',').map((t) => t.trim()).filter(Boolean);
      if (workflow !== undefined) spec.workflow = workflow;
      if (secret !== undefined) spec.secret = secret;
      if (id !== undefined) spec.id = id;
      if (values['max-attempts'] !== undefined) spec.maxAttempts = positiveInteger(String(values['max-attempts']), 'max-attempts');
      if (values.paused === true) spec.paused = true;
      const view = await client.createSubscription(spec);
      return { json: view, text: formatOne(view) };
    },
  },
  pause: action('pause'),
  resume: action('resume'),
  delete: deletion('subscription', (client, id) => client.deleteSubscription(id)),
  'dead-letters': onId('dead-letters', async (client, id) => ({ items: await client.deadLetters(id) }), ({ items }) => formatLetters(items)),
  redeliver: {
    usage: 'redeliver <id> <event-id>',
    args: ['id', 'event-id'],
    run: async ({ client, args }) => {
      const answer = await client.redeliver(args[0]!, args[1]!);
      return { json: answer, text: answer.delivered ? `event ${args[1]} delivered\n` : `event ${args[1]} not delivered: ${answer.error}\n` };
    },
  },
};

export const subscriptionsCommand = subcommandsCommand(
  'subscriptions',
  'manage subscribers of lifecycle events on a server (list, get, create, pause, resume, delete, dead-letters, redeliver)',
  SUBCOMMANDS,
);
