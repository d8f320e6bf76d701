/**
 * Every event of an instance's history, filtered by type and step. A row expands to the event's
 * full details and the step attempt it belongs to (which opens the step inspector). The filters
 * and the open rows stay as they are while the page polls.
 */
import type { HistoryView } from '../../client/http-client.js';
import { codeBlock, fact, fill, formatElapsed, formatJson, formatTime, h } from './dom.js';
import { attemptLabel, type RunTrace, type StepAttempt } from './trace.js';
import { summarise } from './timeline.js';

const EVENTS_SHOWN = 500;

export class EventLog {
  readonly element: HTMLElement;
  private readonly typeFilter = h('select', { name: 'type', 'aria-label': 'Event type' });
  private readonly stepFilter = h('select', { name: 'step', 'aria-label': 'Step' });
  private readonly count = h('span', { class: 'muted event-count' });
  private readonly list = h('ol', { class: 'events' });
  private readonly expanded = new Set<number>();
  private all = false;
  private history: readonly HistoryView[] = [];
  private trace?: RunTrace;

  constructor(private readonly onSelect: (attempt: StepAttempt) => void) {
    for (const select of [this.typeFilter, this.stepFilter]) select.addEventListener('change', () => this.render());
    this.element = h(
      'div',
      { class: 'event-log' },
      h('div', { class: 'event-filters' }, label('Type', this.typeFilter), label('Step', this.stepFilter), this.count),
      this.list,
    );
  }

  update(history: readonly HistoryView[], trace: RunTrace): void {
    this.history = history;
    this.trace = trace;
    options(this.typeFilter, 'Every type', [...new Set(history.map((e) => e.type))].sort());
    options(this.stepFilter, 'Every step', [...new Set(history.flatMap((e) => (e.step === undefined ? [] : [e.step])))].sort());
    this.render();
  }

  /** Shows only the events of `step` (from the inspector). */
  showStep(step: string): void {
    this.stepFilter.value = step;
    this.render();
  }

  private render(): void {
    const type = this.typeFilter.value;
    const step = this.stepFilter.value;
    const matching = this.history.filter((e) => (type === '' || e.type === type) && (step === '' || e.step === step));
    const shown = this.all ? matching : matching.slice(0, EVENTS_SHOWN);
    this.count.textContent = matching.length === this.history.length ? `${matching.length} events` : `${matching.length} of ${this.history.length} events`;
    const t0 = this.history.length > 0 ? Date.parse(this.history[0]!.at) : 0;
    fill(
      this.list,
      shown.map((event) => this.row(event, t0)),
      matching.length > shown.length
        ? h('li', null, h('button', { type: 'button', class: 'button show-more', onclick: () => ((this.all = true), this.render()) }, `Show the other ${matching.length - shown.length} events`))
        : null,
    );
  }

  private row(event: HistoryView, t0: number): HTMLElement {
    const open = this.expanded.has(event.seq);
    const attempt = this.trace?.attemptOf.get(event.seq);
    const toggle = (): void => {
      if (open) this.expanded.delete(event.seq);
      else this.expanded.add(event.seq);
      this.render();
    };
    return h(
      'li',
      { class: `event event-${eventTone(event.type)}${open ? ' open' : ''}`, 'data-seq': event.seq },
      h(
        'button',
        { type: 'button', class: 'event-row', 'aria-expanded': String(open), onclick: toggle },
        h('span', { class: 'event-offset', title: formatTime(event.at) }, `+${formatElapsed(Date.parse(event.at) - t0)}`),
        h('span', { class: 'event-type' }, event.type),
        h('span', { class: 'event-step' }, attempt ? attemptLabel(attempt) : (event.step ?? '')),
        h('span', { class: 'event-details' }, summarise(event.details)),
      ),
      open ? this.more(event, attempt) : null,
    );
  }

  private more(event: HistoryView, attempt: StepAttempt | undefined): HTMLElement {
    return h(
      'div',
      { class: 'event-more' },
      h('dl', { class: 'facts' }, fact('Event', `#${event.seq} ${event.type}`), fact('At', `${formatTime(event.at)} (${event.at})`),
        attempt ? fact('Attempt', h('button', { type: 'button', class: 'link-button', onclick: () => this.onSelect(attempt) }, `${attemptLabel(attempt)}, attempt ${attempt.attempt}`)) : null),
      event.details === undefined ? h('p', { class: 'muted' }, 'No details.') : codeBlock(formatJson(event.details), 'json'),
    );
  }
}

function label(text: string, control: HTMLElement): HTMLElement {
  return h('label', { class: 'field inline' }, h('span', null, text), control);
}

/** Replaces the options of `select` when they changed, keeping the choice. */
function options(select: HTMLSelectElement, any: string, values: string[]): void {
  const wanted = ['', ...values];
  const have = [...select.options].map((o) => o.value);
  if (wanted.join('\n') === have.join('\n')) return;
  const chosen = select.value;
  fill(select, wanted.map((v) => h('option', { value: v }, v === '' ? any : v)));
  select.value = wanted.includes(chosen) ? chosen : '';
}

function eventTone(type: string): string {
  if (/Failed|TimedOut|Terminated|Cancel/.test(type)) return 'bad';
  if (/Completed|Received|Consumed|Resumed/.test(type)) return 'good';
  if (/Compensation/.test(type)) return 'warn';
  return 'plain';
}
