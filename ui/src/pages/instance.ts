/**
 * One instance, live: its graph with the steps it went through, its data, input, output and
 * error, a step inspector, its map and parallel steps, and its history as a timeline and an event
 * log. It polls the API (every second while the instance runs, every five seconds once it has
 * finished, often for a few seconds after an action) and stops for an instance that does not exist.
 */
import type { Graph } from '../../../definitions/graph.js';
import type { Json } from '../../../definitions/model.js';
import type { HistoryView, InstanceView } from '../../../client/http-client.js';
import { api, ProblemError, workflowGraph } from '../api.js';
import { codeBlock, fill, formatJson, formatTime, h, isTerminal, setAsideBadge, statusBadge } from '../dom.js';
import { EventLog } from '../event-log.js';
import { ExpressionTester } from '../expression-tester.js';
import { FanoutSummary } from '../fanout-summary.js';
import { drawGraph, graphBox, legend, preloadGraphs, selectableNodes, showSelection } from '../graph-view.js';
import { renderInspector, type Selection } from '../inspector.js';
import { instanceMarks } from '../marks.js';
import { Poller, type Pace } from '../poller.js';
import { renderTimeline } from '../timeline.js';
import { attemptLabel, traceRun, type RunTrace, type StepAttempt } from '../trace.js';
import { actionButtons, endingFailStep, setAsideBanner } from './instance-actions.js';
import { errorBox, instanceHref, link, pageHeader, workflowHref, type Page } from './page.js';

/** Even when the instance looks unchanged, the history is read again this often. */
const HISTORY_AT_LEAST_MS = 5_000;

type Panel = 'step' | 'data' | 'input' | 'output' | 'error';

export const instancePage: Page = {
  section: 'instances',
  title: (route) => `Instance ${route.parts[1] ?? ''}`,
  render: async (main, route, leave) => {
    preloadGraphs();
    await new InstanceScreen(main, route.parts[1]!, leave).poller.run();
  },
};

class InstanceScreen {
  readonly poller: Poller;
  private graph?: Graph;
  private definition?: Json;
  private instance?: InstanceView;
  private history: HistoryView[] = [];
  /** The run `history` belongs to. */
  private historyRun?: number;
  private trace?: RunTrace;
  private historyReadAt = 0;
  /** The tab the user picked; until then, the one that matters most for the status. */
  private chosen?: Panel;
  private selection?: Selection;
  private inspectorPage = 0;
  private allRows = false;
  private shown = { instance: '', history: -1 };
  private readonly header = h('div');
  private readonly banner = h('div');
  private readonly problem = h('div');
  private readonly graphBox = graphBox();
  private readonly current = h('div', { class: 'current-steps' });
  private readonly tabs = h('div', { class: 'tabs', role: 'tablist' });
  private readonly panelBody = h('div', { class: 'panel-body' });
  private readonly dataCard = h('section', { class: 'card data-card' }, this.tabs, this.panelBody);
  private readonly timeline = h('div');
  private readonly fanouts = new FanoutSummary((a) => this.select(a));
  private readonly fanoutCard = h('section', { class: 'card', hidden: true }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Map and parallel steps')), this.fanouts.element);
  private readonly events = new EventLog((a) => this.select(a));
  private readonly tester: ExpressionTester;
  private readonly body: HTMLElement;

  constructor(
    main: HTMLElement,
    private readonly id: string,
    leave: AbortSignal,
  ) {
    this.poller = new Poller(() => this.refresh(), leave);
    selectableNodes(this.graphBox, () => this.graph, (node) => this.select(undefined, node));
    this.tester = new ExpressionTester(id);
    this.body = h(
      'div',
      null,
      h(
        'div',
        { class: 'split' },
        h('section', { class: 'card graph-card' }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'State machine'), legend(true)), this.graphBox, this.current),
        this.dataCard,
      ),
      this.fanoutCard,
      this.tester.element,
      h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'History'), h('span', { class: 'muted' }, 'Select a bar or a step of the graph to inspect it.')), this.timeline, this.events.element),
    );
    fill(main, this.header, this.banner, this.problem, this.body);
  }

  /** The run's history: only the events after those already read when it is the same run (a run's history only grows). */
  private async readHistory(run: number): Promise<HistoryView[]> {
    const last = this.history.at(-1);
    if (last === undefined || this.historyRun !== run) {
      this.historyRun = run;
      return api((c) => c.history(this.id, run));
    }
    const newer = await api((c) => c.history(this.id, run, last.seq));
    return newer.length === 0 ? this.history : [...this.history, ...newer];
  }

  private async refresh(): Promise<Pace> {
    let instance: InstanceView;
    try {
      instance = await api((c) => c.getInstance(this.id));
      const text = JSON.stringify(instance);
      if (text !== this.shown.instance || Date.now() - this.historyReadAt >= HISTORY_AT_LEAST_MS || !this.trace) {
        this.historyReadAt = Date.now();
        this.history = await this.readHistory(instance.run);
      }
      this.graph ??= await workflowGraph(instance.workflow, instance.version);
    } catch (err) {
      if (err instanceof ProblemError && err.status === 404) {
        fill(this.header, pageHeader(h('span', { class: 'mono' }, this.id), null));
        fill(this.problem, h('div', { class: 'error-box', role: 'alert' }, `There is no instance "${this.id}": it was never started on this server, or it has been purged.`));
        this.body.hidden = true;
        return 'stop';
      }
      fill(this.problem, errorBox(err));
      return 'slow';
    }
    this.problem.replaceChildren();
    this.instance = instance;
    const finished = isTerminal(instance.status);
    const text = JSON.stringify(instance);
    const historyChanged = this.history.length !== this.shown.history;
    if (historyChanged || !this.trace) this.trace = traceRun(this.history, this.graph);
    if (text !== this.shown.instance || historyChanged) {
      this.shown.instance = text;
      this.showHeader(instance, this.trace);
      this.showCurrent(instance, this.trace);
      this.showPanels();
      this.tester.update(instance);
    }
    if (historyChanged) {
      this.shown.history = this.history.length;
      this.events.update(this.history, this.trace);
      this.fanoutCard.hidden = !this.fanouts.update(this.trace, finished);
    }
    if (historyChanged || !finished) this.showTimeline();
    await drawGraph(this.graphBox, this.graph, instanceMarks(this.graph, instance, this.trace));
    showSelection(this.graphBox, this.graph, this.selection?.node);
    this.graphBox.dataset.status = instance.status;
    return finished ? 'slow' : 'live';
  }

  /** Opens the inspector on an attempt, or on a node (its latest attempt). */
  private select(attempt: StepAttempt | undefined, node = attempt?.node): void {
    if (!node) return;
    const place = attempt ? this.trace!.attempts.indexOf(attempt) : -1;
    this.selection = place >= 0 ? { node, attempt: place, opened: new Map() } : { node, opened: new Map() };
    this.inspectorPage = 0;
    this.chosen = 'step';
    this.showPanels();
    if (this.graph) showSelection(this.graphBox, this.graph, node);
    if (this.definition === undefined && this.instance) {
      const { workflow, version } = this.instance;
      void api((c) => c.getWorkflow(workflow, version)).then((w) => {
        this.definition = w.definition;
        this.showPanels();
      }, () => undefined);
    }
    if (this.dataCard.getBoundingClientRect().top > window.innerHeight || this.dataCard.getBoundingClientRect().bottom < 0) this.dataCard.scrollIntoView({ block: 'start' });
  }

  private showTimeline(): void {
    const instance = this.instance!;
    const finished = isTerminal(instance.status);
    fill(
      this.timeline,
      renderTimeline(this.history, this.trace!, {
        now: Date.now(),
        finished,
        all: this.allRows,
        onSelect: (a) => this.select(a),
        onShowAll: () => {
          this.allRows = true;
          this.showTimeline();
        },
      }),
    );
  }

  private showHeader(instance: InstanceView, trace: RunTrace): void {
    const failStep = endingFailStep(instance, trace);
    const subtitle = h(
      'span',
      { class: 'subtitle-row' },
      statusBadge(instance.status),
      instance.setAside ? setAsideBadge() : null,
      isTerminal(instance.status) ? null : h('span', { class: 'live', title: 'Updated every second' }, 'live'),
      link(workflowHref(instance.workflow, instance.version), `${instance.workflow} v${instance.version}`),
      instance.run > 1 ? h('span', null, `run ${instance.run}`) : null,
      instance.parentId ? h('span', null, 'child of ', link(instanceHref(instance.parentId), instance.parentId)) : null,
      h('span', { class: 'muted' }, `created ${formatTime(instance.createdAt)} · updated ${formatTime(instance.updatedAt)}`),
      failStep ? h('span', { class: 'muted' }, `ended by the fail step ${failStep}: a retry would end there again`) : null,
    );
    const done = (): void => this.poller.hurry();
    fill(this.header, pageHeader(h('span', { class: 'mono' }, instance.id), subtitle, ...actionButtons(instance, trace, done)));
    fill(this.banner, setAsideBanner(instance, done));
  }

  private showCurrent(instance: InstanceView, trace: RunTrace): void {
    if (isTerminal(instance.status)) return fill(this.current, stoppedAt(instance, trace));
    if (instance.current.length === 0) return fill(this.current);
    const items = instance.current.map((c) => {
      const where = c.branch !== undefined ? ` (branch ${c.branch})` : c.index !== undefined ? ` (item ${c.index})` : '';
      const what = c.waiting === 'event' ? `waits for event "${c.event}"` : c.waiting === 'running' ? 'running' : `waits for ${c.waiting}`;
      const child = c.childId ? link(instanceHref(c.childId), c.childId) : null;
      return h('li', null, h('strong', null, c.step), where, ' — ', what, c.attempt > 1 ? ` (attempt ${c.attempt})` : '', child ? [' ', child] : null);
    });
    fill(this.current, h('h3', null, 'Now'), h('ul', null, items));
  }

  private showPanels(): void {
    const instance = this.instance;
    if (!instance) return;
    const available: Panel[] = this.selection ? ['step', 'data', 'input', 'output', 'error'] : ['data', 'input', 'output', 'error'];
    const panel = this.chosen && available.includes(this.chosen) ? this.chosen : instance.error ? 'error' : instance.status === 'COMPLETED' ? 'output' : 'data';
    const title = (p: Panel): string => (p === 'step' ? `Step: ${this.selection!.node.label}` : p[0]!.toUpperCase() + p.slice(1));
    fill(
      this.tabs,
      available.map((p) =>
        h('button', { type: 'button', role: 'tab', 'aria-selected': String(p === panel), 'data-panel': p, class: `tab${p === 'error' && instance.error ? ' has-error' : ''}`, onclick: () => ((this.chosen = p), this.showPanels()) }, title(p)),
      ),
    );
    fill(this.panelBody, panel === 'step' ? this.inspector() : panelContent(instance, panel));
  }

  private inspector(): HTMLElement {
    return renderInspector({ instance: this.instance!, graph: this.graph!, trace: this.trace!, ...(this.definition !== undefined ? { definition: this.definition } : {}) }, this.selection!, this.inspectorPage, {
      close: () => {
        this.selection = undefined;
        this.chosen = undefined;
        this.showPanels();
        showSelection(this.graphBox, this.graph!, undefined);
      },
      page: (n) => {
        this.inspectorPage = n;
        this.showPanels();
      },
      events: (step) => {
        this.events.showStep(step);
        this.events.element.scrollIntoView({ block: 'start' });
      },
    });
  }
}

/** For a finished instance: where it stopped or failed, from its trace. */
function stoppedAt(instance: InstanceView, trace: RunTrace): HTMLElement | null {
  if (instance.status === 'FAILED') {
    const failed = failedLeaves(trace.paths[0]?.attempts.at(-1));
    if (failed.length === 0) return null;
    return h('p', { class: 'stopped' }, `Failed at ${failed.map(attemptLabel).join(', ')}`, instance.error ? ` — ${instance.error.error}: ${instance.error.message}` : '');
  }
  if (!['CANCELLED', 'TERMINATED', 'TIMED_OUT'].includes(instance.status)) return null;
  // The steps cancelled last, and not because an item or branch next to them failed: the ones the end stopped.
  const cancelled = trace.attempts.filter((a) => a.outcome === 'cancelled' && a.children.length === 0);
  const last = Math.max(...cancelled.map((a) => a.end ?? 0));
  const stopped = cancelled.filter((a) => a.end === last);
  if (stopped.length === 0) return null;
  const why = instance.error ? ` — ${instance.error.error}: ${instance.error.message}` : '';
  return h('p', { class: 'stopped' }, `Stopped at ${stopped.map(attemptLabel).join(', ')}`, why);
}

/** The attempts where a failure started: for a map or parallel step, its failed items or branches. */
function failedLeaves(a: StepAttempt | undefined): StepAttempt[] {
  if (!a) return [];
  const failedChildren = a.children.filter((c) => c.outcome === 'failed').flatMap((c) => failedLeaves(c.attempts.at(-1)));
  return failedChildren.length > 0 ? failedChildren : [a];
}

function panelContent(instance: InstanceView, panel: Exclude<Panel, 'step'>): HTMLElement {
  if (panel === 'error') {
    if (!instance.error) return h('p', { class: 'muted' }, 'No error.');
    return h('div', null, h('p', { class: 'error-line' }, h('strong', null, instance.error.error), ': ', instance.error.message), codeBlock(formatJson(instance.error)));
  }
  if (panel === 'output' && !isTerminal(instance.status)) return h('p', { class: 'muted' }, 'The output is known once the instance has finished.');
  return codeBlock(formatJson(instance[panel]), 'json');
}
