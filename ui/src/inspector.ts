/**
 * The step inspector: what the instance's history and data tell about one step of the graph —
 * its definition, every attempt of it (in every map item and branch), each with its times, worker,
 * time queued, error and result preview, and its events; and its result as the data holds it now.
 *
 * The history records a task's evaluated input and a step's result whole up to a size (the
 * engine's `historyValueChars`) and summarised beyond it; the sections say which they show.
 */
import type { Graph, GraphNode } from '../../definitions/graph.js';
import type { InstanceView } from '../../client/http-client.js';
import type { Json } from '../../definitions/model.js';
import { codeBlock, fact, formatElapsed, formatJson, formatTime, h, isTerminal, type Child } from './dom.js';
import { resultInData, stepDefinition, type StepDefinition } from './step-definition.js';
import { shownOutcome } from './timeline.js';
import { attemptLabel, pathLabel, type RunTrace, type StepAttempt } from './trace.js';

const ATTEMPTS_PER_PAGE = 20;

export interface InspectorData {
  instance: InstanceView;
  graph: Graph;
  trace: RunTrace;
  /** The workflow's definition (JSON), once loaded. */
  definition?: Json;
}

/** What the inspector shows; attempts are named by their place in the trace, which stays as the history grows. */
export interface Selection {
  node: GraphNode;
  /** The attempt to open first; by default the latest. */
  attempt?: number;
  /** The attempts the user opened or closed since (true: open). */
  opened: Map<number, boolean>;
}

/** The inspector's content for `selection`; `page` is the page of attempts shown (from 0). */
export function renderInspector(data: InspectorData, selection: Selection, page: number, actions: { close(): void; page(n: number): void; events(step: string): void }): HTMLElement {
  const { node } = selection;
  const finished = isTerminal(data.instance.status);
  const place = new Map(data.trace.attempts.map((a, i) => [a, i]));
  const attempts = data.trace.attempts.filter((a) => a.node === node).reverse();
  const definition = data.definition === undefined ? undefined : stepDefinition(data.definition, data.graph, node);
  const chosen = selection.attempt === undefined ? attempts[0] : data.trace.attempts[selection.attempt];
  const pages = Math.max(1, Math.ceil(attempts.length / ATTEMPTS_PER_PAGE));
  const current = Math.min(page, pages - 1);
  const shown = attempts.slice(current * ATTEMPTS_PER_PAGE, (current + 1) * ATTEMPTS_PER_PAGE);
  const group = data.graph.groups.find((g) => g.scope === node.scope);
  return h(
    'div',
    { class: 'inspector', 'data-step': node.label },
    h(
      'div',
      { class: 'inspector-head' },
      h('h3', null, node.label, h('span', { class: 'version' }, node.type ?? node.kind), group ? h('span', { class: 'muted' }, ` in ${group.label}`) : null),
      h('button', { type: 'button', class: 'button small', onclick: actions.close }, 'Close'),
    ),
    definitionSection(definition),
    h('h4', null, `Attempts (${attempts.length})`),
    attempts.length === 0 ? h('p', { class: 'muted' }, 'This step has not run in this instance.') : null,
    h('ol', { class: 'attempts' }, shown.map((a) => attemptItem(a, selection.opened.get(place.get(a)!) ?? a === chosen, finished, data, (open) => selection.opened.set(place.get(a)!, open)))),
    pages > 1
      ? h(
          'nav',
          { class: 'pager', 'aria-label': 'Attempts' },
          h('button', { type: 'button', class: 'button small', disabled: current === 0, onclick: () => actions.page(current - 1) }, '← Newer'),
          h('span', { class: 'muted' }, `page ${current + 1} of ${pages}`),
          h('button', { type: 'button', class: 'button small', disabled: current === pages - 1, onclick: () => actions.page(current + 1) }, 'Older →'),
        )
      : null,
    h('p', null, h('button', { type: 'button', class: 'link-button', onclick: () => actions.events(node.label) }, `Show the events of ${node.label} in the history`)),
  );
}

function definitionSection(definition: StepDefinition | undefined): Child {
  if (!definition) return null;
  const facts: HTMLElement[] = [];
  for (const key of ['task', 'queue', 'event', 'workflow', 'timeout', 'heartbeat', 'items', 'concurrency', 'toleratedFailures', 'output']) {
    if (definition[key] !== undefined) facts.push(...fact(key, typeof definition[key] === 'string' ? (definition[key] as string) : JSON.stringify(definition[key])));
  }
  if (definition.retry !== undefined) facts.push(...fact('retry', JSON.stringify(definition.retry)));
  return h(
    'div',
    { class: 'inspector-definition' },
    facts.length > 0 ? h('dl', { class: 'facts' }, facts) : null,
    h('details', null, h('summary', null, 'Definition'), codeBlock(formatJson(definition), 'json')),
  );
}

function attemptItem(a: StepAttempt, open: boolean, finished: boolean, data: InspectorData, toggled: (open: boolean) => void): HTMLElement {
  const outcome = shownOutcome(a, finished);
  const where = pathLabel(a.path);
  const end = a.end;
  const facts: HTMLElement[] = [
    ...fact('Started', formatTime(new Date(a.start).toISOString())),
    ...fact('Ended', end === undefined ? (finished ? 'when the instance ended' : 'not yet') : formatTime(new Date(end).toISOString())),
  ];
  if (end !== undefined) facts.push(...fact('Took', formatElapsed(end - a.start)));
  if (a.workerStart !== undefined) facts.push(...fact('Queued', `${formatElapsed(a.workerStart - a.start)} before a worker took it`));
  if (a.timeoutMs !== undefined) facts.push(...fact('Time limit', deadlineText(a, finished)));
  if (a.heartbeatMs !== undefined) facts.push(...fact('Heartbeat', `every ${formatElapsed(a.heartbeatMs)} at least`));
  if (a.worker !== undefined) facts.push(...fact('Worker', a.worker ?? 'unknown'));
  if (a.outcome === 'running' && !finished && a.waiting) facts.push(...fact('Waits for', waitingText(a)));
  if (a.childId) facts.push(...fact('Child', h('a', { href: `#/instances/${encodeURIComponent(a.childId)}` }, a.childId)));
  if (a.compensated) facts.push(...fact('Compensation', a.compensated === 'completed' ? 'ran' : 'failed'));
  const stored = data.definition === undefined ? undefined : resultInData(a, data.instance.data, data.definition, data.graph);
  const details = h(
      'details',
      { open },
      h('summary', null, h('span', { class: `dot outcome-${outcome}` }), h('strong', null, where || a.step), ` · attempt ${a.attempt} · ${outcome}`),
      h('dl', { class: 'facts' }, facts),
      a.error ? h('p', { class: 'error-line' }, h('strong', null, a.error.error), a.error.message ? `: ${a.error.message}` : '') : null,
      h('h5', null, 'Input'),
      a.input === undefined
        ? h('p', { class: 'muted' }, 'This step takes no task input; the definition above shows what it reads.')
        : recordedValue(a.input, a.inputSummarised === true, 'input'),
      h('h5', null, 'Result'),
      a.result === undefined
        ? h('p', { class: 'muted' }, a.outcome === 'completed' ? 'No result.' : 'None: the attempt did not complete.')
        : recordedValue(a.result, a.resultSummarised === true, 'result'),
      stored ? h('div', null, h('p', { class: 'muted' }, 'In the instance\'s data now, at ', h('code', null, stored.path), ':'), codeBlock(formatJson(stored.value), 'json')) : null,
      h('h5', null, `Events (${a.events.length})`),
      h('ol', { class: 'attempt-events' }, a.events.map((e) => h('li', null, h('span', { class: 'muted' }, formatTime(e.at)), ' ', h('strong', null, e.type), e.details === undefined ? '' : ` ${JSON.stringify(e.details)}`))),
    );
  details.addEventListener('toggle', () => toggled(details.open));
  return h('li', { class: `attempt outcome-${outcome}` }, details);
}

/** A value the history recorded: whole, or its summary with a word on why. */
function recordedValue(value: Json, summarised: boolean, what: 'input' | 'result'): HTMLElement {
  return h(
    'div',
    { class: `recorded-${what}` },
    summarised ? h('p', { class: 'muted' }, `Too large for the history to keep whole; a summary of the ${what}:`) : null,
    codeBlock(formatJson(value), 'json'),
  );
}

/** The lease a worker gets: its length, and when it ends (or ended) once a worker took the task. */
function deadlineText(a: StepAttempt, finished: boolean): string {
  const limit = formatElapsed(a.timeoutMs!);
  if (a.workerStart === undefined) return a.outcome === 'running' && !finished ? `${limit} from when a worker takes it` : limit;
  return `${limit}: deadline ${formatTime(new Date(a.workerStart + a.timeoutMs!).toISOString())}`;
}

function waitingText(a: StepAttempt): string {
  switch (a.waiting) {
    case 'task':
      return a.worker === undefined ? 'a worker to take and finish the task' : 'the worker';
    case 'callback':
      return 'its task token to be sent back (a worker takes the task and hands the token on)';
    case 'event':
      return `the event "${a.event}"`;
    case 'delay':
      return `its timer, due ${a.dueAt === undefined ? 'later' : formatTime(new Date(a.dueAt).toISOString())}`;
    case 'child':
      return `the child instance ${a.childId}`;
    case 'join':
      return `its ${a.node?.type === 'map' ? 'items' : 'branches'} (${a.children.filter((c) => c.outcome === 'running').length} running)`;
    case 'compensation':
      return 'the compensations to run';
    default:
      return attemptLabel(a);
  }
}
