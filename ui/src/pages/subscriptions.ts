/**
 * Subscriptions (GET /v1/subscriptions): where lifecycle events are sent, with what each has
 * delivered and the delivery failing now; create one, pause, resume or delete it, each asked
 * first. A subscription's page adds its dead letters, each delivered again on asking. Both pages
 * look again every five seconds.
 */
import type { DeadLetterView, SubscriptionView } from '../../../client/http-client.js';
import { api } from '../api.js';
import { card, fact, fill, formatTime, h, stackedTable, type Child } from '../dom.js';
import { actionButton } from '../dialog.js';
import { Poller } from '../poller.js';
import { errorBox, link, pageHeader, workflowHref, type Page } from './page.js';

type SubscriptionAction = 'pause' | 'resume' | 'delete';

const ACTIONS: Record<SubscriptionAction, { label: string; explain: string }> = {
  pause: { label: 'Pause', explain: 'Nothing is sent until it is resumed; the events meanwhile are kept for it.' },
  resume: { label: 'Resume', explain: 'It is sent what it missed while paused, in order, and what comes next.' },
  delete: { label: 'Delete', explain: 'Nothing more is sent to it, and its dead letters are deleted with it.' },
};

/** As many dead letters as a subscription's page lists. */
const DEAD_LETTER_LIMIT = 100;

function subscriptionHref(id: string): string {
  return `#/subscriptions/${encodeURIComponent(id)}`;
}

/** Pause or Resume (as the subscription is), and Delete; `done` runs after an action the API accepted. */
function actionButtons(s: SubscriptionView, done: (action: SubscriptionAction) => void): HTMLElement[] {
  return ([s.paused ? 'resume' : 'pause', 'delete'] as SubscriptionAction[]).map((action) =>
    actionButton(ACTIONS[action].label, action, action === 'delete' ? 'danger' : '', () => ({
      title: `${ACTIONS[action].label} subscription?`,
      message: h('span', null, h('code', null, s.id), ` (${s.url}) — ${ACTIONS[action].explain}`),
      confirm: `${ACTIONS[action].label} subscription`,
      danger: action === 'delete',
      run: async () => {
        await api<unknown>((c) => (action === 'delete' ? c.deleteSubscription(s.id) : c.subscriptionAction(s.id, action)));
        done(action);
      },
    })),
  );
}

function stateBadge(s: SubscriptionView): HTMLElement {
  if (s.paused) return h('span', { class: 'badge status-suspended' }, 'PAUSED');
  return s.failure ? h('span', { class: 'badge status-failed' }, 'FAILING') : h('span', { class: 'badge status-running' }, 'ACTIVE');
}

function what(s: SubscriptionView): Child {
  const types = s.types.length === 0 ? 'every event' : s.types.join(', ');
  return h('span', null, h('span', { class: 'types' }, types), ' of ', s.workflow === null ? 'every workflow' : link(workflowHref(s.workflow), s.workflow));
}

function failure(s: SubscriptionView): Child {
  if (!s.failure) return h('span', { class: 'muted' }, 'none');
  return h('span', { class: 'failure' }, `${s.failure.lastError} (attempt ${s.failure.attempts}, next ${formatTime(s.failure.nextAttemptAt)})`);
}

function createButton(done: (created: SubscriptionView) => void): HTMLElement {
  return actionButton('New subscription…', 'create', 'primary', () => ({
    title: 'New subscription',
    message: 'The server POSTs each lifecycle event to the URL as a CloudEvent signed with Standard Webhooks; its secret is shown once, after creating.',
    confirm: 'Create subscription',
    fields: [
      { name: 'url', label: 'URL', kind: 'text', required: true, placeholder: 'https://example.com/hooks' },
      { name: 'types', label: 'Event types (comma-separated)', kind: 'text', placeholder: 'every segue.instance.* type' },
      { name: 'workflow', label: 'Workflow', kind: 'text', placeholder: 'every workflow' },
      { name: 'maxAttempts', label: 'Attempts before a dead letter', kind: 'text', placeholder: 'the default' },
      { name: 'id', label: 'Id', kind: 'text', placeholder: 'generated' },
    ],
    run: async (values) => {
      const text = values as Record<string, string>;
      const types = text.types ? text.types.split(',').map((t) => t.trim()).filter(Boolean) : undefined;
      const attempts = text.maxAttempts ? Number(text.maxAttempts) : undefined;
      if (attempts !== undefined && !Number.isInteger(attempts)) throw new Error(`Attempts before a dead letter is "${text.maxAttempts}", which is not a whole number.`);
      done(await api((c) => c.createSubscription({ url: text.url!, ...(types ? { types } : {}), ...(text.workflow ? { workflow: text.workflow } : {}), ...(attempts !== undefined ? { maxAttempts: attempts } : {}), ...(text.id ? { id: text.id } : {}) })));
    },
  }));
}

export const subscriptionsPage: Page = {
  section: 'subscriptions',
  title: () => 'Subscriptions',
  render: async (main, _route, leave) => {
    /** The subscription just created, whose secret the server shows this once. */
    let created: SubscriptionView | undefined;
    const poller = new Poller(async () => {
      const header = pageHeader('Subscriptions', 'Where lifecycle events are sent; pause, resume or delete one.', createButton((s) => {
        created = s;
        poller.hurry();
      }));
      let items: SubscriptionView[];
      try {
        items = await api((c) => c.listSubscriptions());
      } catch (err) {
        fill(main, header, errorBox(err));
        return 'slow';
      }
      const secret = created
        ? h('div', { class: 'notice-box created', role: 'status' }, 'Created ', h('code', null, created.id), '. Its signing secret, shown this once: ', h('code', { class: 'secret' }, created.secret ?? ''))
        : null;
      if (items.length === 0) {
        fill(main, header, secret, h('div', { class: 'empty' }, 'No subscriptions. Create one to have lifecycle events sent to a URL.'));
        return 'slow';
      }
      const rows = items.map((s) =>
        h(
          'tr',
          { 'data-subscription': s.id },
          h('td', { class: 'mono' }, link(subscriptionHref(s.id), s.id)),
          h('td', { class: 'mono url' }, s.url),
          h('td', null, what(s)),
          h('td', null, stateBadge(s)),
          h('td', { class: 'num delivered' }, String(s.delivered)),
          h('td', null, failure(s)),
          h('td', null, h('div', { class: 'row-actions' }, actionButtons(s, () => poller.hurry()))),
        ),
      );
      fill(main, header, secret, h('div', { class: 'card flush' }, stackedTable(['Subscription', 'URL', 'Sends', 'State', 'Delivered', 'Failing delivery', ''], rows, 'subscriptions')));
      return 'slow';
    }, leave);
    await poller.run();
  },
};

function deadLetterTable(id: string, letters: DeadLetterView[], done: () => void): HTMLElement {
  if (letters.length === 0) return h('p', { class: 'muted' }, 'No dead letters: every event was delivered or is still being tried.');
  const rows = letters.map((d) => {
    const event = d.event as { type?: string; subject?: string };
    return h(
      'tr',
      { 'data-event': d.eventId },
      h('td', { class: 'mono' }, d.eventId),
      h('td', null, h('span', { class: 'mono' }, event.type ?? ''), event.subject ? h('span', { class: 'muted' }, ` · ${event.subject}`) : null),
      h('td', { class: 'nowrap' }, formatTime(d.deadAt)),
      h('td', { class: 'why' }, `${d.lastError} (after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'})`),
      h(
        'td',
        null,
        h(
          'div',
          { class: 'row-actions' },
          actionButton('Redeliver', 'redeliver', '', () => ({
            title: 'Deliver again?',
            message: h('span', null, 'Sends ', h('code', null, d.eventId), ' to the subscriber once more, now; delivered, it is no longer a dead letter.'),
            confirm: 'Deliver again',
            run: async () => {
              const answer = await api((c) => c.redeliver(id, d.eventId));
              done();
              if (!answer.delivered) throw new Error(`Not delivered: ${answer.error ?? 'the subscriber refused it'}. It stays a dead letter.`);
            },
          })),
        ),
      ),
    );
  });
  return stackedTable(['Event', 'Type', 'Dead since', 'Why', ''], rows, 'compact dead-letters');
}

export const subscriptionPage: Page = {
  section: 'subscriptions',
  title: (route) => `Subscription ${route.parts[1] ?? ''}`,
  render: async (main, route, leave) => {
    const id = route.parts[1]!;
    const poller = new Poller(async () => {
      let s: SubscriptionView;
      let letters: DeadLetterView[];
      try {
        [s, letters] = await api((c) => Promise.all([c.getSubscription(id), c.deadLetters(id, DEAD_LETTER_LIMIT)]));
      } catch (err) {
        fill(main, pageHeader(h('span', { class: 'mono' }, id), null), errorBox(err));
        return 'slow';
      }
      const settings = h(
        'dl',
        { class: 'facts' },
        fact('URL', h('code', null, s.url)),
        fact('Sends', what(s)),
        fact('Attempts', `${s.maxAttempts} before an event becomes a dead letter`),
        fact('Delivered', String(s.delivered)),
        fact('Failing delivery', failure(s)),
        fact('Cursor', String(s.cursor)),
        fact('Created', formatTime(s.createdAt)),
        fact('Updated', formatTime(s.updatedAt)),
      );
      const deleted = (action: SubscriptionAction): void => {
        if (action === 'delete') location.hash = '#/subscriptions';
        else poller.hurry();
      };
      fill(
        main,
        pageHeader(h('span', { class: 'mono' }, s.id), h('span', { class: 'subtitle-row' }, stateBadge(s), what(s)), ...actionButtons(s, deleted)),
        card(`Dead letters (${letters.length}${letters.length === DEAD_LETTER_LIMIT ? '+' : ''})`, deadLetterTable(s.id, letters, () => poller.hurry())),
        card('Settings', settings),
      );
      return 'slow';
    }, leave);
    await poller.run();
  },
};
