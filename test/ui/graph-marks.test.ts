import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HistoryView, InstanceView } from '../../client/http-client.js';
import { buildGraph, toMermaid, type Graph } from '../../definitions/graph.js';
import { loadPlan } from '../../definitions/load.js';
import { instanceMarks, takenEdges } from '../../ui/src/marks.js';
import { markedMermaid, mermaidId } from '../../ui/src/mermaid-text.js';
import { summarise } from '../../ui/src/timeline.js';
import { attemptLabel, traceRun } from '../../ui/src/trace.js';

function exampleGraph(name: string): Graph {
  const file = new URL(`../../examples/${name}.yaml`, import.meta.url);
  const { plan, problems } = loadPlan(readFileSync(file, 'utf8'), `${name}.yaml`);
  if (!plan) throw new Error(problems.map((p) => p.message).join('\n'));
  return buildGraph(plan);
}

type EventSpec = [string, string?, Record<string, unknown>?];

/** A history as the engine logs it: the events of each transition (one array each) share its time, one second after the last. */
function history(...transitions: EventSpec[][]): HistoryView[] {
  return transitions.flatMap((events, t) => events.map(([type, step, details]) => ({
    type,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, t)).toISOString(),
    ...(step ? { step } : {}),
    ...(details ? { details: details as HistoryView['details'] } : {}),
  }))).map((event, i) => ({ seq: i + 1, ...event }));
}

/** A task step's start (scheduling task `n`), and the transition of its result. */
function task(step: string, n: number, outcome: 'StepCompleted' | 'StepFailed' = 'StepCompleted'): [EventSpec[], EventSpec[]] {
  const taskId = `I:1:t${n}`;
  return [
    [['StepStarted', step], ['TaskScheduled', step, { task: step, taskId, attempt: 1 }]],
    outcome === 'StepCompleted'
      ? [['TaskCompleted', step, { taskId }], ['StepCompleted', step]]
      : [['TaskFailed', step, { taskId, error: 'Boom', message: 'boom' }], ['StepFailed', step, { error: 'Boom', message: 'boom', attempt: 1 }]],
  ];
}

type State = Pick<InstanceView, 'status'>;
const RUNNING: State = { status: 'RUNNING' };

function marksOf(graph: Graph, state: State, events: HistoryView[]): Record<string, string> {
  const marks = instanceMarks(graph, state, traceRun(events, graph));
  return Object.fromEntries([...marks].map(([id, mark]) => [graph.nodes.find((n) => n.id === id)!.label, mark]));
}

describe('the graph the console draws', () => {
  it('is toMermaid of the shared model, with every node under an id the marks can name', () => {
    const graph = exampleGraph('batch-fanout');
    const text = markedMermaid(graph);
    expect(text.split('\n')[0]).toBe(toMermaid(graph).split('\n')[0]);
    expect(text.match(/ (-->|-\.->|==>)/g)).toHaveLength(graph.edges.length);
    // Each node's line starts with the id the marks use, followed by its shape and label.
    graph.nodes.forEach((node, i) => expect(text).toMatch(new RegExp(`^\\s*${mermaidId(i)}\\W+"${node.label}"`, 'm')));
    expect(text.match(/subgraph/g)).toHaveLength(3);
  });

  it('styles catch and timeout edges by their index in the model, and classes marked nodes', () => {
    const graph = exampleGraph('human-approval');
    const timeout = graph.edges.findIndex((e) => e.kind === 'timeout');
    const ask = graph.nodes.findIndex((n) => n.label === 'askApprover');
    const decision = graph.nodes.findIndex((n) => n.label === 'decision');
    const marks = new Map([[graph.nodes[ask]!.id, 'completed' as const], [graph.nodes[decision]!.id, 'current' as const]]);
    const text = markedMermaid(graph, marks);
    expect(text).toContain(`linkStyle ${timeout} stroke:#b26a00`);
    expect(text).toContain(`class ${mermaidId(ask)} m_completed`);
    expect(text).toContain(`class ${mermaidId(decision)} m_current`);
    const askToDecision = graph.edges.findIndex((e) => e.from === graph.nodes[ask]!.id && e.to === graph.nodes[decision]!.id);
    expect(takenEdges(graph, marks)).toEqual([askToDecision]);
    // End steps look reached only on the workflow's own page, where nothing is marked.
    expect(text).toContain('classDef succeed fill:#ffffff');
    expect(markedMermaid(graph)).not.toContain('classDef succeed fill:#ffffff');
  });
});

describe('instance marks', () => {
  it('marks completed steps, the current one, and the start', () => {
    const graph = exampleGraph('human-approval');
    const [ask, asked] = task('askApprover', 1);
    const events = history([['InstanceStarted'], ...ask], [...asked, ['StepStarted', 'decision'], ['EventAwaited', 'decision', { event: 'approval' }]]);
    expect(marksOf(graph, RUNNING, events)).toEqual({ start: 'completed', askApprover: 'completed', decision: 'current' });
  });

  it('marks the failed step, the compensated ones, the compensate step, and no current step once finished', () => {
    const graph = exampleGraph('trip-booking-saga');
    const booked = (step: string, n: number, undo: string): EventSpec[] => [['TaskCompleted', step, { taskId: `I:1:t${n}` }], ['CompensationRegistered', step, { task: undo }], ['StepCompleted', step]];
    const [flight, flightFailed] = task('flight', 3, 'StepFailed');
    const events = history(
      [['InstanceStarted'], ['StepStarted', 'hotel'], ['TaskScheduled', 'hotel', { taskId: 'I:1:t1' }]],
      [...booked('hotel', 1, 'travel.cancelHotel'), ['StepStarted', 'car'], ['TaskScheduled', 'car', { taskId: 'I:1:t2' }]],
      [...booked('car', 2, 'travel.returnCar'), ...flight],
      [...flightFailed, ['ErrorCaught', 'flight', { error: 'Boom', next: 'undo' }], ['StepStarted', 'undo'], ['CompensationStarted', 'car', { task: 'travel.returnCar', taskId: 'I:1:k4', attempt: 1 }]],
      [['CompensationCompleted', 'car'], ['CompensationStarted', 'hotel', { task: 'travel.cancelHotel', taskId: 'I:1:k5', attempt: 1 }]],
      [['CompensationCompleted', 'hotel'], ['CompensationFinished', undefined, { failed: 0 }], ['StepCompleted', 'undo'], ['StepStarted', 'notBooked'], ['StepCompleted', 'notBooked'], ['InstanceFailed']],
    );
    expect(marksOf(graph, { status: 'FAILED' }, events)).toEqual({
      start: 'completed', hotel: 'compensated', car: 'compensated', flight: 'failed', undo: 'completed', notBooked: 'failed',
    });
    // One path throughout: each step is found where the step before it said the path would go.
    expect(traceRun(events, graph).paths).toHaveLength(1);
  });

  it('marks a retried step by its last attempt', () => {
    const graph = exampleGraph('order-processing');
    const [reserve, failed] = task('reserve', 1, 'StepFailed');
    const events = history(
      [['InstanceStarted'], ...reserve],
      [...failed, ['RetryScheduled', 'reserve', { attempt: 2, delayMs: 1000 }]],
      [['TimerFired', 'reserve', { timerId: 'I:1:r2' }], ['StepStarted', 'reserve', { attempt: 2 }], ['TaskScheduled', 'reserve', { taskId: 'I:1:t3' }]],
      [['TaskCompleted', 'reserve', { taskId: 'I:1:t3' }], ['StepCompleted', 'reserve'], ['StepStarted', 'charge']],
    );
    expect(marksOf(graph, RUNNING, events)).toMatchObject({ reserve: 'completed', charge: 'current' });
  });

  it('marks the steps running in parallel branches, and the end of a completed instance', () => {
    const graph = exampleGraph('batch-fanout');
    const events = history([['InstanceStarted'], ['StepStarted', 'gather'], ['StepStarted', 'totals'], ['StepStarted', 'levels'], ['StepStarted', 'count']]);
    const marks = instanceMarks(graph, RUNNING, traceRun(events, graph));
    expect(marks.get('gather')).toBe('current');
    expect(marks.get('gather.sales/totals')).toBe('current');
    expect(marks.get('gather.stock/levels')).toBe('current');
    expect(marks.get('gather.signups/count')).toBe('current');
    const done = instanceMarks(graph, { status: 'COMPLETED' }, traceRun(history([['InstanceStarted'], ['StepStarted', 'done'], ['StepCompleted', 'done']]), graph));
    expect(done.get(graph.end)).toBe('completed');
  });

  it('keeps a failed map item marked when its siblings are cancelled after it, and marks where a stopped instance was', () => {
    const graph = exampleGraph('map-items');
    const [first, firstDone] = task('resize', 1);
    const [second, secondFailed] = task('resize', 2, 'StepFailed');
    const events = history(
      [['InstanceStarted'], ['StepStarted', 'thumbnails'], ...first, ...second],
      [...firstDone, ['StepStarted', 'resize'], ['TaskScheduled', 'resize', { taskId: 'I:1:t3' }]],
      [...secondFailed, ['StepCancelled', 'resize', { reason: 'thumbnails failed' }], ['StepFailed', 'thumbnails', { error: 'Boom', message: 'boom' }],
        ['ErrorCaught', 'thumbnails', { error: 'Boom', next: 'tooManyFailures' }], ['StepStarted', 'tooManyFailures'], ['StepCompleted', 'tooManyFailures'], ['InstanceFailed']],
    );
    expect(marksOf(graph, { status: 'FAILED' }, events)).toEqual({ start: 'completed', thumbnails: 'failed', resize: 'failed', tooManyFailures: 'failed' });
    const trace = traceRun(events, graph);
    expect(trace.attempts.map((a) => [attemptLabel(a), a.outcome])).toEqual([
      ['thumbnails', 'failed'], ['resize · item 0', 'completed'], ['resize · item 1', 'failed'], ['resize · item 2', 'cancelled'], ['tooManyFailures', 'failed'],
    ]);
    const human = exampleGraph('human-approval');
    const [ask, asked] = task('askApprover', 1);
    const stopped = history(
      [['InstanceStarted'], ...ask],
      [...asked, ['StepStarted', 'decision'], ['EventAwaited', 'decision', { event: 'approval' }]],
      [['StepCancelled', 'decision', { reason: 'the instance ended TERMINATED' }], ['InstanceTerminated']],
    );
    expect(marksOf(human, { status: 'TERMINATED' }, stopped)).toEqual({ start: 'completed', askApprover: 'completed', decision: 'cancelled' });
  });
});

describe('the history summaries', () => {
  it('summarises details on one line, cut to length', () => {
    expect(summarise({ event: 'approval', key: 'PR-7' })).toBe('event: approval · key: PR-7');
    expect(summarise({ result: 'x'.repeat(300) }, 40)).toHaveLength(40);
    expect(summarise(undefined)).toBe('');
  });
});
