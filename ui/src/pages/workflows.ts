/** The registered workflows, latest version of each. */
import { api } from '../api.js';
import { fill, formatTime, h, stackedTable } from '../dom.js';
import { errorBox, link, pageHeader, workflowHref, type Page } from './page.js';

export const workflowsPage: Page = {
  section: 'workflows',
  title: () => 'Workflows',
  render: async (main) => {
    const header = pageHeader('Workflows', 'Every registered workflow, with its latest version.', h('a', { class: 'button primary', href: '#/playground' }, 'New workflow'));
    let items;
    try {
      items = await api((c) => c.listWorkflows());
    } catch (err) {
      return fill(main, header, errorBox(err));
    }
    if (items.length === 0) {
      return fill(main, header, h('div', { class: 'empty' }, 'No workflows yet. Write one in the ', link('#/playground', 'playground'), ' and register it.'));
    }
    const rows = items.map((w) =>
      h(
        'tr',
        null,
        h('td', null, link(workflowHref(w.name), h('strong', null, w.name))),
        h('td', { class: 'num' }, h('span', { class: 'version' }, `v${w.version}`)),
        h('td', { class: 'description' }, w.description ?? ''),
        h('td', { class: 'nowrap' }, formatTime(w.createdAt)),
        h('td', { class: 'nowrap' }, link(`#/instances?workflow=${encodeURIComponent(w.name)}`, 'Instances →')),
      ),
    );
    fill(
      main,
      header,
      h('div', { class: 'card flush' }, stackedTable(['Name', 'Latest', 'Description', 'Registered', ''], rows)),
    );
  },
};
