/** A small element builder and the formatting every page shares. */
import { TERMINAL_STATUSES } from '../../protocol/instances.js';
import { formatDuration } from '../../definitions/duration.js';

export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

/** `h('a', { href: '#/x', class: 'link', onclick: f }, 'text')`; false and null attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the content of `el`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Local date and time, to the second: 2025-03-01 14:05:09. */
export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration for people: 420 ms, 1.24 s, then the definition language's own form (3m4s). */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return formatDuration(ms);
}

export function formatJson(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as ReadonlySet<string>).has(status);
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status.toLowerCase()}` }, status.replaceAll('_', ' '));
}

/** Beside the status of an instance set aside. */
export function setAsideBadge(): HTMLElement {
  return h('span', { class: 'badge set-aside', title: 'An input of this instance failed too many tries: nothing is applied to it until it is retried or terminated' }, 'SET ASIDE');
}

/** A titled box, the building block of every page. */
export function card(title: Child, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', { class: 'card-title' }, title), ...children);
}

export function codeBlock(text: string, className = ''): HTMLElement {
  return h('pre', { class: `code ${className}`.trim() }, text);
}

/** A term and its value, for a `<dl class="facts">`. */
export function fact(term: string, value: Child): HTMLElement[] {
  return [h('dt', null, term), h('dd', null, value)];
}

/**
 * A table whose rows become stacked "label value" lines in narrow windows (app.css): each cell is
 * labelled with its column's header.
 */
export function stackedTable(headers: string[], rows: HTMLTableRowElement[], className = ''): HTMLTableElement {
  for (const row of rows) {
    Array.from(row.cells).forEach((cell, i) => {
      if (headers[i]) cell.dataset.label = headers[i];
    });
  }
  return h('table', { class: `table stack ${className}`.trim() }, h('thead', null, h('tr', null, headers.map((t) => h('th', null, t)))), h('tbody', null, rows));
}
