/**
 * Queues and stuck work: every task queue (GET /v1/queues) with its depth, its oldest task, the
 * attempts in flight and the workers serving it, and the instances that need an operator
 * (GET /v1/instances?attention=true) with why. It looks again every five seconds.
 */
import type { AttentionView, QueueView } from '../../../client/http-client.js';
import { api } from '../api.js';
import { card, fill, formatElapsed, formatTime, h, stackedTable, statusBadge } from '../dom.js';
import { Poller } from '../poller.js';
import { errorBox, instanceHref, link, pageHeader, workflowHref, type Page } from './page.js';

/** As many instances needing attention as the page lists. */
const ATTENTION_LIMIT = 100;

export const queuesPage: Page = {
  section: 'queues',
  title: () => 'Queues',
  render: async (main, _route, leave) => {
    const header = pageHeader('Queues', 'Task queues and the workers serving them, and the instances that need attention.');
    await new Poller(async () => {
      let queues: QueueView[];
      let attention: AttentionView[];
      try {
        [queues, { items: attention }] = await api((c) => Promise.all([c.queues(), c.needingAttention({ limit: ATTENTION_LIMIT })]));
      } catch (err) {
        fill(main, header, errorBox(err));
        return 'slow';
      }
      fill(main, header, card(`Needing attention (${attention.length}${attention.length === ATTENTION_LIMIT ? '+' : ''})`, attentionTable(attention)), card('Queues', queueTable(queues)));
      return 'slow';
    }, leave).run();
  },
};

function queueTable(queues: QueueView[]): HTMLElement {
  if (queues.length === 0) return h('div', { class: 'empty' }, 'No queue holds a task, and none was polled recently.');
  const rows = queues.map((q) =>
    h(
      'tr',
      { 'data-queue': q.queue },
      h('td', { class: 'mono' }, q.queue),
      h('td', { class: 'num queued' }, String(q.queued)),
      h('td', { class: 'nowrap oldest', title: q.oldestQueuedAt ? `queued ${formatTime(q.oldestQueuedAt)}` : null }, q.oldestQueuedAgeMs === null ? '—' : formatElapsed(q.oldestQueuedAgeMs)),
      h('td', { class: 'num leased' }, String(q.leased)),
      h('td', { class: 'nowrap' }, q.lastPolledAt ? formatTime(q.lastPolledAt) : h('span', { class: 'muted' }, 'not polled here')),
      h(
        'td',
        { class: 'workers' },
        q.workers.length === 0
          ? h('span', { class: 'no-workers' }, 'none')
          : h('ul', { class: 'plain' }, q.workers.map((w) => h('li', null, h('strong', null, w.name), ` holds ${w.holding}`, w.lastSeen ? h('span', { class: 'muted' }, ` · seen ${formatTime(w.lastSeen)}`) : h('span', { class: 'muted' }, ' · known by its leases')))),
      ),
    ),
  );
  return stackedTable(['Queue', 'Queued', 'Oldest', 'In flight', 'Last poll', 'Workers'], rows, 'queues');
}

function attentionTable(items: AttentionView[]): HTMLElement {
  if (items.length === 0) return h('div', { class: 'empty' }, 'No instance needs attention.');
  const rows = items.flatMap((i) =>
    i.attention.map((reason, n) =>
      h(
        'tr',
        { 'data-instance': i.id },
        h('td', { class: 'mono' }, n === 0 ? link(instanceHref(i.id), i.id) : null),
        h('td', null, n === 0 ? [link(workflowHref(i.workflow, i.version), i.workflow), h('span', { class: 'version' }, `v${i.version}`)] : null),
        h('td', null, n === 0 ? statusBadge(i.status) : null),
        h('td', { class: 'mono check' }, reason.check),
        h('td', null, reason.step ?? ''),
        h('td', { class: 'nowrap' }, formatTime(reason.since)),
        h('td', { class: 'why' }, reason.message),
      ),
    ),
  );
  return stackedTable(['Instance', 'Workflow', 'Status', 'Check', 'Step', 'Since', 'Why'], rows, 'attention');
}
