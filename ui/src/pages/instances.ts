/**
 * Instances, newest first, filtered by workflow, status, creation time and whether they are set
 * aside, a page at a time. The
 * filters and the page's cursor live in the hash, so a filtered view can be shared and reloaded.
 */
import { INSTANCE_STATUSES } from '../../../core/model.js';
import type { InstanceView, ListRequest } from '../../../client/http-client.js';
import { api } from '../api.js';
import { fill, formatTime, h, setAsideBadge, stackedTable, statusBadge } from '../dom.js';
import { errorBox, instanceHref, link, pageHeader, workflowHref, type Page, type Route } from './page.js';

const PAGE_SIZES = ['20', '50', '100'];
const FILTERS = ['workflow', 'status', 'from', 'to', 'setAside', 'limit'] as const;

/** Cursors of the pages before the one shown, per filter, for "Newer". */
const earlierCursors = new Map<string, string[]>();

export const instancesPage: Page = {
  section: 'instances',
  title: () => 'Instances',
  render: async (main, route) => {
    const filterKey = FILTERS.map((f) => route.query.get(f) ?? '').join('|');
    const header = pageHeader('Instances', 'Newest first.', h('button', { type: 'button', class: 'button', onclick: () => window.dispatchEvent(new HashChangeEvent('hashchange')) }, 'Refresh'));
    const workflows = await api((c) => c.listWorkflows()).catch(() => []);
    const form = filterForm(route, workflows.map((w) => w.name));
    let page: { items: InstanceView[]; nextCursor?: string };
    try {
      const request = listRequest(route);
      page = await api((c) => c.listInstances(request));
    } catch (err) {
      return fill(main, header, form, errorBox(err));
    }
    const cursor = route.query.get('cursor') ?? '';
    const stack = earlierCursors.get(filterKey) ?? [];
    fill(main, header, form, h('div', { class: 'card flush' }, table(page.items)), pager(route, filterKey, stack, cursor, page.nextCursor));
  },
};

function listRequest(route: Route): ListRequest {
  const q = route.query;
  const request: ListRequest = { limit: Number(q.get('limit') ?? 20) };
  if (q.get('workflow')) request.workflow = q.get('workflow')!;
  if (q.get('status')) request.status = q.get('status')!;
  if (q.get('from')) request.from = addressTime(q.get('from')!, 'Created from');
  if (q.get('to')) request.to = addressTime(q.get('to')!, 'Created to');
  if (q.get('setAside') === 'true') request.setAside = true;
  if (q.get('cursor')) request.cursor = q.get('cursor')!;
  return request;
}

/** A time from the address, as the API takes it; one that is no time is refused in words. */
function addressTime(text: string, label: string): string {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new Error(`"${label}" in the address is "${text}", which is not a date and time: pick one in the filter above.`);
  return time.toISOString();
}

function hashOf(values: Record<string, string>): string {
  const q = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== ''));
  const text = q.toString();
  return `#/instances${text ? `?${text}` : ''}`;
}

function filterForm(route: Route, workflows: string[]): HTMLElement {
  const q = route.query;
  const select = (name: string, label: string, options: readonly string[], any: string): HTMLElement =>
    h('label', { class: 'field inline' }, h('span', null, label), h('select', { name }, h('option', { value: '' }, any), options.map((o) => h('option', { value: o, selected: q.get(name) === o }, o.replaceAll('_', ' ')))));
  const time = (name: string, label: string): HTMLElement => h('label', { class: 'field inline' }, h('span', null, label), h('input', { type: 'datetime-local', name, value: q.get(name) ?? '' }));
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filters' },
    select('workflow', 'Workflow', workflows, 'Any workflow'),
    select('status', 'Status', INSTANCE_STATUSES, 'Any status'),
    time('from', 'Created from'),
    time('to', 'Created to'),
    h('label', { class: 'field inline check' }, h('input', { type: 'checkbox', name: 'setAside', value: 'true', checked: q.get('setAside') === 'true' }), h('span', null, 'Set aside only')),
    h('label', { class: 'field inline' }, h('span', null, 'Per page'), h('select', { name: 'limit' }, PAGE_SIZES.map((s) => h('option', { value: s, selected: (q.get('limit') ?? '20') === s }, s)))),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit', class: 'button primary' }, 'Apply'), h('a', { class: 'button', href: '#/instances' }, 'Clear')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = hashOf(Object.fromEntries(FILTERS.map((f) => [f, String(data.get(f) ?? '')])));
  });
  return form;
}

function table(items: InstanceView[]): HTMLElement {
  if (items.length === 0) return h('div', { class: 'empty' }, 'No instances match these filters.');
  const rows = items.map((i) =>
    h(
      'tr',
      null,
      h('td', { class: 'mono' }, link(instanceHref(i.id), i.id)),
      h('td', null, link(workflowHref(i.workflow, i.version), i.workflow), h('span', { class: 'version' }, `v${i.version}`)),
      h('td', null, statusBadge(i.status), i.setAside ? [' ', setAsideBadge()] : null),
      h('td', { class: 'current' }, [...new Set(i.current.map((c) => c.step))].join(', ')),
      h('td', { class: 'nowrap' }, formatTime(i.createdAt)),
      h('td', { class: 'nowrap' }, formatTime(i.updatedAt)),
    ),
  );
  return stackedTable(['Instance', 'Workflow', 'Status', 'Current step', 'Created', 'Updated'], rows);
}

function pager(route: Route, filterKey: string, stack: string[], cursor: string, next: string | undefined): HTMLElement {
  const base = Object.fromEntries(FILTERS.map((f) => [f, route.query.get(f) ?? '']));
  const go = (target: string, earlier: string[]): void => {
    earlierCursors.set(filterKey, earlier);
    location.hash = hashOf({ ...base, cursor: target });
  };
  const newer = (): void => {
    const earlier = stack.slice(0, -1);
    go(stack.at(-1) ?? '', earlier);
  };
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    h('button', { type: 'button', class: 'button', disabled: cursor === '', onclick: newer }, '← Newer'),
    h('button', { type: 'button', class: 'button', disabled: next === undefined, onclick: () => go(next!, [...stack, cursor]) }, 'Older →'),
  );
}
