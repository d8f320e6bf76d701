/**
 * One instance, live: its graph with the steps it went through, its data, input, output and
 * error, and its history as a timeline. It polls the API (every second while the instance runs)
 * and redraws only what changed.
 */
import type { Graph } from '../../../definitions/graph.js';
import type { HistoryView, InstanceView } from '../../../client/http-client.js';
import { api, workflowGraph } from '../api.js';
import { codeBlock, fill, formatJson, formatTime, h, isTerminal, statusBadge } from '../dom.js';
import { drawGraph, graphBox, legend, preloadGraphs } from '../graph-view.js';
import { instanceMarks } from '../marks.js';
import { renderTimeline } from '../timeline.js';
import { actionButtons } from './instance-actions.js';
import { errorBox, instanceHref, link, pageHeader, workflowHref, type Page } from './page.js';

const POLL_RUNNING_MS = 1_000;
const POLL_FINISHED_MS = 5_000;

type Panel = 'data' | 'input' | 'output' | 'error';

export const instancePage: Page = {
  section: 'instances',
  title: (route) => `Instance ${route.parts[1] ?? ''}`,
  render: async (main, route, leave) => {
    preloadGraphs();
    const screen = new InstanceScreen(main, route.parts[1]!);
    await screen.refresh();
    while (!leave.aborted) {
      await sleep(screen.finished ? POLL_FINISHED_MS : POLL_RUNNING_MS, leave);
      if (!leave.aborted) await screen.refresh();
    }
  },
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

class InstanceScreen {
  finished = false;
  private graph?: Graph;
  /** The tab the user picked; until then, the one that matters most for the status. */
  private chosen?: Panel;
  private shown = { instance: '', history: -1 };
  private readonly header = h('div');
  private readonly problem = h('div');
  private readonly graphBox = graphBox();
  private readonly current = h('div', { class: 'current-steps' });
  private readonly tabs = h('div', { class: 'tabs', role: 'tablist' });
  private readonly panelBody = h('div', { class: 'panel-body' });
  private readonly timeline = h('div');

  constructor(
    main: HTMLElement,
    private readonly id: string,
  ) {
    fill(
      main,
      this.header,
      this.problem,
      h(
        'div',
        { class: 'split' },
        h('section', { class: 'card graph-card' }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'State machine'), legend(true)), this.graphBox, this.current),
        h('section', { class: 'card data-card' }, this.tabs, this.panelBody),
      ),
      h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'History')), this.timeline),
    );
  }

  async refresh(): Promise<void> {
    let instance: InstanceView;
    let history: HistoryView[];
    try {
      [instance, history] = await api((c) => Promise.all([c.getInstance(this.id), c.history(this.id)]));
      this.graph ??= await workflowGraph(instance.workflow, instance.version);
    } catch (err) {
      fill(this.problem, errorBox(err));
      return;
    }
    this.problem.replaceChildren();
    this.finished = isTerminal(instance.status);
    const text = JSON.stringify(instance);
    if (text !== this.shown.instance) {
      this.shown.instance = text;
      this.showHeader(instance);
      this.showCurrent(instance);
      this.showPanels(instance);
    }
    if (history.length !== this.shown.history || !this.finished) {
      this.shown.history = history.length;
      fill(this.timeline, renderTimeline(history, instance, this.finished ? Date.parse(instance.updatedAt) : Date.now()));
    }
    await drawGraph(this.graphBox, this.graph, instanceMarks(this.graph, instance, history));
    this.graphBox.dataset.status = instance.status;
  }

  private showHeader(instance: InstanceView): void {
    const subtitle = h(
      'span',
      { class: 'subtitle-row' },
      statusBadge(instance.status),
      this.finished ? null : h('span', { class: 'live', title: 'Updated every second' }, 'live'),
      link(workflowHref(instance.workflow, instance.version), `${instance.workflow} v${instance.version}`),
      instance.run > 1 ? h('span', null, `run ${instance.run}`) : null,
      instance.parentId ? h('span', null, 'child of ', link(instanceHref(instance.parentId), instance.parentId)) : null,
      h('span', { class: 'muted' }, `created ${formatTime(instance.createdAt)} · updated ${formatTime(instance.updatedAt)}`),
    );
    fill(this.header, pageHeader(h('span', { class: 'mono' }, instance.id), subtitle, ...actionButtons(instance, () => void this.refresh())));
  }

  private showCurrent(instance: InstanceView): void {
    if (this.finished || instance.current.length === 0) return fill(this.current);
    const items = instance.current.map((c) => {
      const where = c.branch !== undefined ? ` (branch ${c.branch})` : c.index !== undefined ? ` (item ${c.index})` : '';
      const what = c.waiting === 'event' ? `waits for event "${c.event}"` : c.waiting === 'running' ? 'running' : `waits for ${c.waiting}`;
      const child = c.childId ? link(instanceHref(c.childId), c.childId) : null;
      return h('li', null, h('strong', null, c.step), where, ' — ', what, c.attempt > 1 ? ` (attempt ${c.attempt})` : '', child ? [' ', child] : null);
    });
    fill(this.current, h('h3', null, 'Now'), h('ul', null, items));
  }

  private showPanels(instance: InstanceView): void {
    const available: Panel[] = ['data', 'input', 'output', 'error'];
    const show = (panel: Panel): void => {
      for (const tab of this.tabs.children) tab.setAttribute('aria-selected', String((tab as HTMLElement).dataset.panel === panel));
      fill(this.panelBody, panelContent(instance, panel));
    };
    fill(
      this.tabs,
      available.map((panel) =>
        h('button', { type: 'button', role: 'tab', 'data-panel': panel, class: `tab${panel === 'error' && instance.error ? ' has-error' : ''}`, onclick: () => show((this.chosen = panel)) }, panel[0]!.toUpperCase() + panel.slice(1)),
      ),
    );
    show(this.chosen ?? (instance.error ? 'error' : instance.status === 'COMPLETED' ? 'output' : 'data'));
  }
}

function panelContent(instance: InstanceView, panel: Panel): HTMLElement {
  if (panel === 'error') {
    if (!instance.error) return h('p', { class: 'muted' }, 'No error.');
    return h('div', null, h('p', { class: 'error-line' }, h('strong', null, instance.error.error), ': ', instance.error.message), codeBlock(formatJson(instance.error)));
  }
  if (panel === 'output' && !isTerminal(instance.status)) return h('p', { class: 'muted' }, 'The output is known once the instance has finished.');
  return codeBlock(formatJson(instance[panel]), 'json');
}
