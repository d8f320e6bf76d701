/**
 * Map and parallel steps at a glance: per map run, how many items are done, failed, running or
 * cancelled ("287 done · 13 failed · 0 running"), expandable to its items, a page at a time and
 * filtered by outcome; per parallel run, its branches by name. A row opens the step inspector.
 */
import { fill, formatElapsed, h, stackedTable } from './dom.js';
import { shownOutcome } from './timeline.js';
import { pathLabel, type ExecutionPath, type Outcome, type RunTrace, type StepAttempt } from './trace.js';

const ITEMS_PER_PAGE = 50;
const OUTCOME_WORDS: Record<Outcome, string> = { completed: 'done', failed: 'failed', running: 'running', cancelled: 'cancelled' };

/** What the user opened and chose, per map run (by its place in the trace), kept across polls. */
interface FanoutState {
  open: boolean;
  filter: Outcome | '';
  page: number;
}

export class FanoutSummary {
  readonly element = h('div', { class: 'fanouts' });
  private readonly state = new Map<number, FanoutState>();
  private trace?: RunTrace;
  private finished = false;

  constructor(private readonly onSelect: (attempt: StepAttempt) => void) {}

  /** Redraws; answers whether the instance has any map or parallel step run. */
  update(trace: RunTrace, finished: boolean): boolean {
    this.trace = trace;
    this.finished = finished;
    this.render();
    return this.element.childElementCount > 0;
  }

  private render(): void {
    const trace = this.trace!;
    const runs = trace.attempts.flatMap((a, i) => (a.node?.type === 'map' || a.node?.type === 'parallel' ? [{ a, i }] : []));
    fill(this.element, runs.map(({ a, i }) => (a.node!.type === 'map' ? this.map(a, i) : this.parallel(a))));
  }

  private stateOf(i: number): FanoutState {
    let s = this.state.get(i);
    if (!s) this.state.set(i, (s = { open: false, filter: '', page: 0 }));
    return s;
  }

  private outcomeOf(path: ExecutionPath): Outcome {
    return path.outcome === 'running' && this.finished ? 'cancelled' : path.outcome;
  }

  private title(a: StepAttempt): HTMLElement {
    const where = pathLabel(a.path);
    return h('span', { class: 'fanout-name' }, h('strong', null, a.step), where ? ` · ${where}` : '', a.attempt > 1 ? ` · attempt ${a.attempt}` : '', ` · ${shownOutcome(a, this.finished)}`);
  }

  private map(a: StepAttempt, i: number): HTMLElement {
    const s = this.stateOf(i);
    const counts: Record<Outcome, number> = { completed: 0, failed: 0, running: 0, cancelled: 0 };
    for (const item of a.children) counts[this.outcomeOf(item)] += 1;
    const parts = [`${counts.completed} done`, `${counts.failed} failed`, `${counts.running} running`];
    if (counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`);
    const details = h(
      'details',
      { class: 'fanout', 'data-step': a.step, open: s.open },
      h('summary', null, this.title(a), h('span', { class: 'fanout-counts' }, parts.join(' · ')), h('span', { class: 'muted' }, ` of ${a.children.length} started`)),
      s.open ? this.items(a, s, i) : null,
    );
    details.addEventListener('toggle', () => {
      if (s.open === details.open) return;
      s.open = details.open;
      this.render();
    });
    return details;
  }

  private items(a: StepAttempt, s: FanoutState, i: number): HTMLElement {
    const matching = a.children.filter((item) => s.filter === '' || this.outcomeOf(item) === s.filter);
    const pages = Math.max(1, Math.ceil(matching.length / ITEMS_PER_PAGE));
    s.page = Math.min(s.page, pages - 1);
    const shown = matching.slice(s.page * ITEMS_PER_PAGE, (s.page + 1) * ITEMS_PER_PAGE);
    const filter = h(
      'select',
      { 'aria-label': `Items of ${a.step}`, onchange: (e: Event) => ((s.filter = (e.target as HTMLSelectElement).value as Outcome | ''), (s.page = 0), this.render()) },
      h('option', { value: '' }, 'Every item'),
      (['failed', 'running', 'cancelled', 'completed'] as Outcome[]).map((o) => h('option', { value: o, selected: s.filter === o }, OUTCOME_WORDS[o])),
    );
    const go = (page: number): void => {
      s.page = page;
      this.render();
    };
    const rows = shown.map((item) => {
      const last = item.attempts.at(-1);
      const failed = [...item.attempts].reverse().find((x) => x.error);
      const start = item.attempts[0]?.start;
      const end = item.end ?? last?.end;
      const outcome = this.outcomeOf(item);
      return h(
        'tr',
        { class: `outcome-${outcome}`, 'data-index': item.index ?? '' },
        h('td', { class: 'num' }, String(item.index)),
        h('td', null, h('span', { class: `dot outcome-${outcome}` }), OUTCOME_WORDS[outcome]),
        h('td', null, last ? h('button', { type: 'button', class: 'link-button', onclick: () => this.onSelect(last) }, last.step) : '—'),
        h('td', { class: 'num' }, String(item.attempts.length)),
        h('td', { class: 'nowrap' }, start !== undefined && end !== undefined ? formatElapsed(end - start) : '…'),
        h('td', { class: 'fanout-error' }, failed?.error ? `${failed.error.error}: ${failed.error.message}` : ''),
      );
    });
    return h(
      'div',
      { class: 'fanout-items', 'data-run': i },
      h('div', { class: 'fanout-tools' }, filter, pages > 1 ? h('nav', { class: 'pager', 'aria-label': 'Items' },
        h('button', { type: 'button', class: 'button small', disabled: s.page === 0, onclick: () => go(s.page - 1) }, '← Previous'),
        h('span', { class: 'muted' }, `items ${s.page * ITEMS_PER_PAGE + 1}–${s.page * ITEMS_PER_PAGE + shown.length} of ${matching.length}`),
        h('button', { type: 'button', class: 'button small', disabled: s.page === pages - 1, onclick: () => go(s.page + 1) }, 'Next →')) : null),
      matching.length === 0
        ? h('p', { class: 'muted' }, 'No item matches.')
        : stackedTable(['Item', 'Status', 'Last step', 'Attempts', 'Took', 'Error'], rows, 'compact'),
    );
  }

  private parallel(a: StepAttempt): HTMLElement {
    return h(
      'div',
      { class: 'fanout parallel', 'data-step': a.step },
      this.title(a),
      h(
        'ul',
        { class: 'branches' },
        a.children.map((branch) => {
          const outcome = this.outcomeOf(branch);
          const last = branch.attempts.at(-1);
          return h(
            'li',
            { 'data-branch': branch.branch ?? '' },
            h('span', { class: `dot outcome-${outcome}` }),
            h('strong', null, branch.branch ?? '?'),
            ` ${OUTCOME_WORDS[outcome]}`,
            last ? [' · at ', h('button', { type: 'button', class: 'link-button', onclick: () => this.onSelect(last) }, last.step)] : null,
          );
        }),
      ),
    );
  }
}
