/** An instance's history as a timeline: one bar per step attempt, and every event with its time. */
import type { HistoryView, InstanceView } from '../../client/http-client.js';
import { formatElapsed, formatTime, h } from './dom.js';

export type SpanOutcome = 'completed' | 'failed' | 'cancelled' | 'running';

export interface StepSpan {
  step: string;
  /** Epoch ms. */
  start: number;
  /** Absent while the step runs. */
  end?: number;
  outcome: SpanOutcome;
}

const CLOSING: Record<string, SpanOutcome> = { StepCompleted: 'completed', StepFailed: 'failed', StepCancelled: 'cancelled' };

/** What the spans need of the instance: which steps run now, and whether it was cut short. */
export type SpanContext = Pick<InstanceView, 'status' | 'current'>;

/**
 * From StepStarted to the event that ends it, per step name, in start order. Some steps
 * (compensate) log no end of their own: when such a step is not running any more, its span
 * ends where the next step started (or at the last event).
 */
export function stepSpans(history: readonly HistoryView[], instance: SpanContext): StepSpan[] {
  const spans: { span: StepSpan; seq: number }[] = [];
  const open = new Map<string, StepSpan>();
  for (const event of history) {
    if (event.step === undefined) continue;
    const at = Date.parse(event.at);
    if (event.type === 'StepStarted') {
      const span: StepSpan = { step: event.step, start: at, outcome: 'running' };
      spans.push({ span, seq: event.seq });
      open.set(event.step, span);
      continue;
    }
    const outcome = CLOSING[event.type];
    const span = open.get(event.step);
    if (outcome === undefined || span === undefined) continue;
    span.end = at;
    span.outcome = outcome;
    open.delete(event.step);
  }
  const running = new Set(instance.current.map((c) => c.step));
  for (const { span, seq } of spans) {
    if (span.end !== undefined || running.has(span.step)) continue;
    const next = history.find((e) => e.seq > seq && e.type === 'StepStarted' && e.step !== span.step) ?? history.at(-1)!;
    span.end = Date.parse(next.at);
    span.outcome = instance.status === 'TERMINATED' && next === history.at(-1) ? 'cancelled' : 'completed';
  }
  return spans.map(({ span }) => span);
}

/** One line of details: what a person scanning the log wants, never a wall of JSON. */
export function summarise(details: unknown, max = 140): string {
  if (details === undefined || details === null) return '';
  const text = typeof details === 'object' && !Array.isArray(details)
    ? Object.entries(details as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ')
    : JSON.stringify(details);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `now` (epoch ms) ends the bars of steps still running. */
export function renderTimeline(history: readonly HistoryView[], instance: SpanContext, now: number): HTMLElement {
  if (history.length === 0) return h('p', { class: 'muted' }, 'No history yet.');
  const t0 = Date.parse(history[0]!.at);
  const spans = stepSpans(history, instance);
  const last = Math.max(now, ...spans.map((s) => s.end ?? now), Date.parse(history.at(-1)!.at));
  const total = Math.max(last - t0, 1);
  const bars = spans.map((span) => {
    const end = span.end ?? now;
    const left = ((span.start - t0) / total) * 100;
    const width = Math.max(((end - span.start) / total) * 100, 0.6);
    return h(
      'div',
      { class: `span-row outcome-${span.outcome}` },
      h('span', { class: 'span-step', title: span.step }, span.step),
      h('span', { class: 'span-track' }, h('i', { class: 'span-bar', style: `left:${Math.min(left, 99.4)}%;width:${Math.min(width, 100 - left)}%` })),
      h('span', { class: 'span-time' }, span.end === undefined ? `${formatElapsed(end - span.start)} …` : formatElapsed(end - span.start)),
    );
  });
  const events = history.map((event) =>
    h(
      'li',
      { class: `event event-${eventTone(event.type)}` },
      h('span', { class: 'event-offset', title: formatTime(event.at) }, `+${formatElapsed(Date.parse(event.at) - t0)}`),
      h('span', { class: 'event-type' }, event.type),
      h('span', { class: 'event-step' }, event.step ?? ''),
      h('span', { class: 'event-details' }, summarise(event.details)),
    ),
  );
  return h(
    'div',
    { class: 'timeline' },
    spans.length > 0 ? h('div', { class: 'spans' }, bars) : null,
    h('ol', { class: 'events' }, events),
  );
}

function eventTone(type: string): string {
  if (/Failed|TimedOut|Terminated|Cancel/.test(type)) return 'bad';
  if (/Completed|Received|Consumed|Resumed/.test(type)) return 'good';
  if (/Compensation/.test(type)) return 'warn';
  return 'plain';
}
