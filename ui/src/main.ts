/**
 * The web console: a hash router over eleven pages, and the API key prompt. Pages render into
 * <main> and stop their polling when the abort signal they were given fires (on navigation).
 */
import '../app.css';
import { apiKey, onUnauthorized, setApiKey } from './api.js';
import { h } from './dom.js';
import { openDialog } from './dialog.js';
import { definitionPage } from './pages/definition.js';
import { instancePage } from './pages/instance.js';
import { instancesPage } from './pages/instances.js';
import { playgroundPage } from './pages/playground.js';
import { queuesPage } from './pages/queues.js';
import { schedulePage, schedulesPage } from './pages/schedules.js';
import { subscriptionPage, subscriptionsPage } from './pages/subscriptions.js';
import { triggersPage } from './pages/triggers.js';
import { workflowsPage } from './pages/workflows.js';
import type { Page, Route } from './pages/page.js';

function route(hash: string): { page: Page; route: Route } {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const r: Route = { parts, query: new URLSearchParams(query) };
  if (parts[0] === 'instances' && parts.length === 2) return { page: instancePage, route: r };
  if (parts[0] === 'instances') return { page: instancesPage, route: r };
  if (parts[0] === 'playground') return { page: playgroundPage, route: r };
  if (parts[0] === 'queues') return { page: queuesPage, route: r };
  if (parts[0] === 'schedules') return { page: parts.length === 2 ? schedulePage : schedulesPage, route: r };
  if (parts[0] === 'triggers') return { page: triggersPage, route: r };
  if (parts[0] === 'subscriptions') return { page: parts.length === 2 ? subscriptionPage : subscriptionsPage, route: r };
  if (parts[0] === 'workflows' && parts.length >= 2) return { page: definitionPage, route: r };
  return { page: workflowsPage, route: r };
}

let leaving: AbortController | undefined;

async function show(): Promise<void> {
  leaving?.abort();
  const here = new AbortController();
  leaving = here;
  const { page, route: r } = route(location.hash);
  const main = document.getElementById('main')!;
  document.title = `${page.title(r)} · Segue`;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('.nav a')) link.classList.toggle('active', link.dataset.section === page.section);
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  await page.render(main, r, here.signal);
}

function keyButton(): void {
  const button = document.getElementById('key-button')!;
  const refresh = (): void => {
    button.textContent = apiKey() ? 'API key ✓' : 'API key';
    button.classList.toggle('set', apiKey() !== '');
  };
  const ask = (why?: string): void => {
    if (document.querySelector('dialog.key-dialog')) return;
    const dialog = openDialog({
      title: 'API key',
      message: why ?? 'Sent as "Authorization: Bearer <key>" with every request, and kept only in this tab (session storage).',
      confirm: 'Save',
      fields: [{ name: 'key', label: 'Key', kind: 'secret', value: apiKey(), placeholder: 'leave empty to send none' }],
      run: async (values) => {
        setApiKey(values.key as string);
        refresh();
        void show();
      },
    });
    dialog.classList.add('key-dialog');
  };
  button.addEventListener('click', () => ask());
  onUnauthorized(() => ask(apiKey() ? 'The server refused this API key. Type the right one:' : 'This server needs an API key. Type it to go on:'));
  refresh();
}

keyButton();
window.addEventListener('hashchange', () => void show());
void show();
