/**
 * Instances, newest first, for triage: found by id or by business key (the correlation key a wait
 * step carries), filtered by workflow, several statuses at once (each with its count), creation
 * time and whether they are set aside, a page at a time, with each one's error; refreshed every
 * five seconds when asked, and retried, cancelled or terminated as a filtered set. The filters and
 * the page's cursor live in the hash, so a filtered view can be shared and reloaded.
 */
import { INSTANCE_STATUSES } from '../../../protocol/instances.js';
import type { InstanceView, ListRequest } from '../../../client/http-client.js';
import { api, ProblemError } from '../api.js';
import { fill, formatTime, h, setAsideBadge, stackedTable, statusBadge } from '../dom.js';
import { Poller, type Pace } from '../poller.js';
import { BULK_ACTIONS, BULK_MAX, confirmBulk, outcomeNotice, type BulkAction } from './bulk-actions.js';
import { LIFECYCLE } from './instance-actions.js';
import { errorBox, instanceHref, link, pageHeader, workflowHref, type Page, type Route } from './page.js';

const PAGE_SIZES = ['20', '50', '100'];
const FILTERS = ['q', 'workflow', 'status', 'from', 'to', 'setAside', 'limit', 'live'] as const;

/** Cursors of the pages before the one shown, per filter, for "Newer". */
const earlierCursors = new Map<string, string[]>();

interface Found {
  items: InstanceView[];
  nextCursor?: string;
}

export const instancesPage: Page = {
  section: 'instances',
  title: () => 'Instances',
  render: async (main, route, leave) => {
    const q = route.query;
    const filterKey = FILTERS.map((f) => q.get(f) ?? '').join('|');
    const live = q.get('live') === '1';
    const results = h('div');
    const counts = h('div', { class: 'status-counts', role: 'group', 'aria-label': 'Statuses' });
    const notice = h('div');
    const workflows = await api((c) => c.listWorkflows()).catch(() => []);
    const form = filterForm(route, workflows.map((w) => w.name), counts);
    let request: ListRequest;
    try {
      request = listRequest(route);
    } catch (err) {
      return fill(main, header(), form, errorBox(err));
    }
    const load = async (): Promise<Pace> => {
      try {
        const [found, tally] = await Promise.all([find(request, q.get('q') ?? ''), api((c) => c.countInstances(countFilter(request)))]);
        showCounts(counts, route, tally.counts);
        const cursor = q.get('cursor') ?? '';
        const stack = earlierCursors.get(filterKey) ?? [];
        fill(results, bulkBar(request, q.get('q') ?? '', found, notice, () => void load()), notice, h('div', { class: 'card flush' }, table(found.items)), pager(route, filterKey, stack, cursor, found.nextCursor));
      } catch (err) {
        fill(results, errorBox(err));
      }
      return live ? 'slow' : 'stop';
    };
    const poller = new Poller(load, leave);
    fill(main, header(), form, results);
    await poller.run();
  },
};

function header(): HTMLElement {
  return pageHeader('Instances', 'Newest first.', h('button', { type: 'button', class: 'button', onclick: () => window.dispatchEvent(new HashChangeEvent('hashchange')) }, 'Refresh'));
}

/** By id and by business key when searching (the filters apply to both), else a page of the list. */
async function find(request: ListRequest, search: string): Promise<Found> {
  if (search === '') return api((c) => c.listInstances(request));
  const { cursor: _cursor, ...filters } = request;
  const [byId, byKey] = await Promise.all([
    api((c) => c.getInstance(search)).catch((err: unknown) => {
      if (err instanceof ProblemError && err.status === 404) return undefined;
      throw err;
    }),
    api((c) => c.listInstances({ ...filters, key: search })),
  ]);
  const statuses = request.status ? String(request.status).split(',') : [];
  const fits = (i: InstanceView): boolean =>
    (filters.workflow === undefined || i.workflow === filters.workflow) &&
    (statuses.length === 0 || statuses.includes(i.status)) &&
    (filters.from === undefined || i.createdAt >= filters.from) &&
    (filters.to === undefined || i.createdAt <= filters.to);
  const items = byId && fits(byId) ? [byId, ...byKey.items.filter((i) => i.id !== byId.id)] : byKey.items;
  return { items };
}

function listRequest(route: Route): ListRequest {
  const q = route.query;
  const request: ListRequest = { limit: Number(q.get('limit') ?? 20) };
  if (q.get('workflow')) request.workflow = q.get('workflow')!;
  if (q.get('status')) request.status = q.get('status')!;
  if (q.get('from')) request.from = addressTime(q.get('from')!, 'Created from');
  if (q.get('to')) request.to = addressTime(q.get('to')!, 'Created to');
  if (q.get('setAside') === 'true') request.setAside = true;
  if (q.get('cursor') && !q.get('q')) request.cursor = q.get('cursor')!;
  return request;
}

function countFilter(request: ListRequest): Pick<ListRequest, 'workflow' | 'from' | 'to'> {
  const filter: Pick<ListRequest, 'workflow' | 'from' | 'to'> = {};
  if (request.workflow) filter.workflow = request.workflow;
  if (request.from) filter.from = request.from;
  if (request.to) filter.to = request.to;
  return filter;
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

function chosenStatuses(route: Route): string[] {
  return (route.query.get('status') ?? '').split(',').filter(Boolean);
}

function filterForm(route: Route, workflows: string[], counts: HTMLElement): HTMLElement {
  const q = route.query;
  const select = (name: string, label: string, options: readonly string[], any: string): HTMLElement =>
    h('label', { class: 'field inline' }, h('span', null, label), h('select', { name }, h('option', { value: '' }, any), options.map((o) => h('option', { value: o, selected: q.get(name) === o }, o.replaceAll('_', ' ')))));
  const time = (name: string, label: string): HTMLElement => h('label', { class: 'field inline' }, h('span', null, label), h('input', { type: 'datetime-local', name, value: q.get(name) ?? '' }));
  const chosen = chosenStatuses(route);
  fill(
    counts,
    INSTANCE_STATUSES.map((s) =>
      h('label', { class: 'status-toggle', 'data-status': s }, h('input', { type: 'checkbox', name: 'status', value: s, checked: chosen.includes(s) }), statusBadge(s), h('span', { class: 'count' }, '')),
    ),
  );
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filters' },
    h('label', { class: 'field inline search' }, h('span', null, 'Instance id or business key'), h('input', { type: 'search', name: 'q', value: q.get('q') ?? '', placeholder: 'e.g. order-1234', spellcheck: 'false' })),
    select('workflow', 'Workflow', workflows, 'Any workflow'),
    time('from', 'Created from'),
    time('to', 'Created to'),
    h('label', { class: 'field inline check' }, h('input', { type: 'checkbox', name: 'setAside', value: 'true', checked: q.get('setAside') === 'true' }), h('span', null, 'Set aside only')),
    h('label', { class: 'field inline' }, h('span', null, 'Per page'), h('select', { name: 'limit' }, PAGE_SIZES.map((s) => h('option', { value: s, selected: (q.get('limit') ?? '20') === s }, s)))),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'live', value: '1', checked: q.get('live') === '1' }), ' Auto-refresh (5 s)'),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit', class: 'button primary' }, 'Apply'), h('a', { class: 'button', href: '#/instances' }, 'Clear')),
    counts,
  );
  const apply = (): void => {
    const data = new FormData(form);
    const values = Object.fromEntries(FILTERS.map((f) => [f, f === 'status' ? data.getAll('status').join(',') : String(data.get(f) ?? '')]));
    location.hash = hashOf(values);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  // A status or the auto-refresh takes effect as it is ticked.
  form.addEventListener('change', (event) => {
    const target = event.target as HTMLInputElement;
    if (target.type === 'checkbox') apply();
  });
  return form;
}

function showCounts(counts: HTMLElement, route: Route, tally: Record<string, number>): void {
  const chosen = chosenStatuses(route);
  for (const toggle of counts.querySelectorAll<HTMLElement>('.status-toggle')) {
    const status = toggle.dataset.status!;
    const n = tally[status] ?? 0;
    toggle.querySelector('.count')!.textContent = String(n);
    // Statuses nobody has are dimmed, unless chosen.
    toggle.classList.toggle('none', n === 0 && !chosen.includes(status));
  }
}

/** In words, what the filters are, for the bulk confirmation. */
function describeFilters(request: ListRequest, search: string): string {
  const parts: string[] = [];
  if (search) parts.push(`"${search}" (by id or key)`);
  if (request.workflow) parts.push(`workflow ${request.workflow}`);
  if (request.status) parts.push(`status ${String(request.status).split(',').join(' or ')}`);
  if (request.from) parts.push(`created from ${formatTime(request.from)}`);
  if (request.to) parts.push(`created to ${formatTime(request.to)}`);
  return parts.length ? parts.join(', ') : 'no filter (every instance)';
}

function bulkBar(request: ListRequest, search: string, shown: Found, notice: HTMLElement, done: () => void): HTMLElement {
  const act = async (action: BulkAction): Promise<void> => {
    // The whole filtered set, not only this page: one page of BULK_MAX from the newest.
    const { cursor: _cursor, ...filters } = request;
    let matching: Found;
    try {
      matching = search ? shown : await api((c) => c.listInstances({ ...filters, limit: BULK_MAX }));
    } catch (err) {
      return fill(notice, errorBox(err));
    }
    confirmBulk(action, matching.items, matching.nextCursor !== undefined, describeFilters(request, search), (outcome) => {
      fill(notice, outcomeNotice(outcome, (id) => link(instanceHref(id), id)));
      done();
    });
  };
  return h(
    'div',
    { class: 'bulk-bar', role: 'group', 'aria-label': 'Act on every instance that matches' },
    h('span', { class: 'muted' }, 'Every instance that matches:'),
    BULK_ACTIONS.map((action) =>
      h('button', { type: 'button', class: `button${LIFECYCLE[action].danger ? ' danger-outline' : ''}`, 'data-bulk': action, onclick: () => void act(action) }, `${LIFECYCLE[action].label}…`),
    ),
  );
}

function table(items: InstanceView[]): HTMLElement {
  if (items.length === 0) return h('div', { class: 'empty' }, 'No instances match these filters.');
  const rows = items.map((i) =>
    h(
      'tr',
      { 'data-instance': i.id },
      h('td', { class: 'mono' }, link(instanceHref(i.id), i.id)),
      h('td', null, link(workflowHref(i.workflow, i.version), i.workflow), h('span', { class: 'version' }, `v${i.version}`)),
      h('td', null, statusBadge(i.status), i.setAside ? [' ', setAsideBadge()] : null),
      h('td', { class: 'current' }, [...new Set(i.current.map((c) => c.step))].join(', ')),
      h('td', { class: 'error-cell', title: i.error ? i.error.message : null }, i.error ? [h('strong', null, i.error.error), `: ${i.error.message}`] : ''),
      h('td', { class: 'nowrap' }, formatTime(i.createdAt)),
      h('td', { class: 'nowrap' }, formatTime(i.updatedAt)),
    ),
  );
  return stackedTable(['Instance', 'Workflow', 'Status', 'Current step', 'Error', 'Created', 'Updated'], rows);
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
