/**
 * An instance's step attempts as a timeline: a bar per attempt of each path (so map items running
 * at the same time each have their own), labelled with the step and where it ran. A row opens the
 * step inspector. Maps of thousands of items show their first rows, and the rest on demand.
 */
import type { HistoryView } from '../../client/http-client.js';
import { formatElapsed, h } from './dom.js';
import { attemptLabel, type Outcome, type RunTrace, type StepAttempt } from './trace.js';

const ROWS_SHOWN = 200;

export interface TimelineOptions {
  /** Epoch ms that ends the bars of attempts still running. */
  now: number;
  /** A finished instance ended the attempts it left open. */
  finished: boolean;
  /** Show every row, not only the first ROWS_SHOWN. */
  all: boolean;
  onSelect(attempt: StepAttempt): void;
  onShowAll(): void;
}

/** How an attempt is drawn: one a finished instance left open was cut short with it. */
export function shownOutcome(a: StepAttempt, finished: boolean): Outcome {
  return a.outcome === 'running' && finished ? 'cancelled' : a.outcome;
}

export function renderTimeline(history: readonly HistoryView[], trace: RunTrace, options: TimelineOptions): HTMLElement {
  if (trace.attempts.length === 0) return h('p', { class: 'muted' }, 'No step has started yet.');
  const t0 = Date.parse(history[0]!.at);
  const endOf = (a: StepAttempt): number => a.end ?? (options.finished ? Date.parse(history.at(-1)!.at) : options.now);
  const last = Math.max(...trace.attempts.map(endOf), Date.parse(history.at(-1)!.at));
  const total = Math.max(last - t0, 1);
  const shown = options.all ? trace.attempts : trace.attempts.slice(0, ROWS_SHOWN);
  const rows = shown.map((a) => {
    const end = endOf(a);
    const left = ((a.start - t0) / total) * 100;
    const width = Math.max(((end - a.start) / total) * 100, 0.6);
    const outcome = shownOutcome(a, options.finished);
    const label = attemptLabel(a);
    return h(
      'button',
      { type: 'button', class: `span-row outcome-${outcome}`, title: `${label}: ${outcome}${a.attempt > 1 ? `, attempt ${a.attempt}` : ''}`, onclick: () => options.onSelect(a) },
      h('span', { class: 'span-step' }, label),
      h('span', { class: 'span-track' }, h('i', { class: 'span-bar', style: `left:${Math.min(left, 99.4)}%;width:${Math.min(width, 100 - left)}%` })),
      h('span', { class: 'span-time' }, a.end === undefined && !options.finished ? `${formatElapsed(end - a.start)} …` : formatElapsed(end - a.start)),
    );
  });
  const more = trace.attempts.length - shown.length;
  return h(
    'div',
    { class: 'spans' },
    rows,
    more > 0 ? h('button', { type: 'button', class: 'button show-more', onclick: options.onShowAll }, `Show the other ${more} attempts`) : null,
  );
}

/** One line of details: what a person scanning the log wants, never a wall of JSON. */
export function summarise(details: unknown, max = 140): string {
  if (details === undefined || details === null) return '';
  const text = typeof details === 'object' && !Array.isArray(details)
    ? Object.entries(details as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ')
    : JSON.stringify(details);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
