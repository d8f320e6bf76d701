/**
 * Triggers (GET /v1/triggers): the events that start instances, as each workflow's latest version
 * declares them under `triggers:` — the event, its filter, the input and id templates — each
 * linked to its workflow. It looks again every five seconds.
 */
import type { TriggerView } from '../../../client/http-client.js';
import { api } from '../api.js';
import { fill, h, stackedTable } from '../dom.js';
import { Poller } from '../poller.js';
import { errorBox, link, pageHeader, workflowHref, type Page } from './page.js';

export const triggersPage: Page = {
  section: 'triggers',
  title: () => 'Triggers',
  render: async (main, _route, leave) => {
    const header = pageHeader('Triggers', 'The events that start instances, as each workflow declares them.');
    await new Poller(async () => {
      let items: TriggerView[];
      try {
        ({ items } = await api((c) => c.triggers()));
      } catch (err) {
        fill(main, header, errorBox(err));
        return 'slow';
      }
      if (items.length === 0) {
        fill(main, header, h('div', { class: 'empty' }, 'No triggers. A workflow declares them under ', h('code', null, 'triggers:'), '; an event sent to POST /v1/events then starts it.'));
        return 'slow';
      }
      fill(main, header, h('div', { class: 'card flush' }, stackedTable(['Workflow', '#', 'Event', 'Filter', 'Input', 'Instance id'], items.map(triggerRow), 'triggers')));
      return 'slow';
    }, leave).run();
  },
};

function triggerRow(t: TriggerView): HTMLTableRowElement {
  const absent = (): HTMLElement => h('span', { class: 'muted' }, '—');
  return h(
    'tr',
    { 'data-trigger': `${t.workflow}#${t.trigger}` },
    h('td', null, link(workflowHref(t.workflow, t.version), t.workflow), h('span', { class: 'version' }, `v${t.version}`)),
    h('td', { class: 'num' }, String(t.trigger)),
    h('td', { class: 'mono event' }, t.event),
    h('td', { class: 'filter' }, t.filter === undefined ? absent() : h('code', null, t.filter)),
    h('td', { class: 'input' }, t.input === undefined ? h('span', { class: 'muted' }, "the event's data") : h('code', null, JSON.stringify(t.input))),
    h('td', { class: 'instance-id' }, t.id === undefined ? h('span', { class: 'muted' }, 'from the event id') : h('code', null, t.id)),
  );
}
