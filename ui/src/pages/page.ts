/** What every page is, and the pieces they share. */
import { describeError } from '../api.js';
import { h, type Child } from '../dom.js';

export interface Route {
  /** Hash path segments, decoded: `#/workflows/order/3` → ["workflows", "order", "3"]. */
  parts: string[];
  query: URLSearchParams;
}

export interface Page {
  section: 'workflows' | 'instances' | 'queues' | 'schedules' | 'triggers' | 'subscriptions' | 'playground';
  title(route: Route): string;
  /** Renders into `main`; `leave` fires when the user navigates away (stop polling then). */
  render(main: HTMLElement, route: Route, leave: AbortSignal): Promise<void>;
}

export function pageHeader(title: Child, subtitle: Child, ...actions: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'page-header' },
    h('div', { class: 'page-heading' }, h('h1', null, title), subtitle ? h('div', { class: 'page-subtitle' }, subtitle) : null),
    h('div', { class: 'page-actions' }, actions),
  );
}

export function errorBox(err: unknown): HTMLElement {
  return h('div', { class: 'error-box', role: 'alert' }, describeError(err));
}

export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href }, ...children);
}

/** `#/instances/<id>`, with the id encoded as one segment. */
export function instanceHref(id: string): string {
  return `#/instances/${encodeURIComponent(id)}`;
}

export function workflowHref(name: string, version?: number): string {
  return `#/workflows/${encodeURIComponent(name)}${version === undefined ? '' : `/${version}`}`;
}
