import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HistoryView, InstanceView } from '../../client/http-client.js';
import { buildGraph, toMermaid, type Graph } from '../../definitions/graph.js';
import { loadPlan } from '../../definitions/load.js';
import { instanceMarks, takenEdges } from '../../ui/src/marks.js';
import { markedMermaid, mermaidId } from '../../ui/src/mermaid-text.js';
import { stepSpans, summarise } from '../../ui/src/timeline.js';

function exampleGraph(name: string): Graph {
  const file = new URL(`../../examples/${name}.yaml`, import.meta.url);
  const { plan, problems } = loadPlan(readFileSync(file, 'utf8'), `${name}.yaml`);
  if (!plan) throw new Error(problems.map((p) => p.message).join('\n'));
  return buildGraph(plan);
}

/** History events one second apart, from [type, step] pairs. */
function history(...events: [string, string?][]): HistoryView[] {
  return events.map(([type, step], i) => ({ seq: i + 1, type, at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), ...(step ? { step } : {}) }));
}

type State = Pick<InstanceView, 'status' | 'current' | 'error'>;
const running = (...current: InstanceView['current']): State => ({ status: 'RUNNING', current, error: null });

const byLabel = (graph: Graph, marks: Map<string, string>): Record<string, string> =>
  Object.fromEntries([...marks].map(([id, mark]) => [graph.nodes.find((n) => n.id === id)!.label, mark]));

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
    const events = history(['InstanceStarted'], ['StepStarted', 'askApprover'], ['StepCompleted', 'askApprover'], ['StepStarted', 'decision'], ['EventAwaited', 'decision']);
    const marks = instanceMarks(graph, running({ step: 'decision', waiting: 'event', attempt: 1, event: 'approval' }), events);
    expect(byLabel(graph, marks)).toEqual({ start: 'completed', askApprover: 'completed', decision: 'current' });
  });

  it('marks the failed step, compensated steps, a compensate step that logged no end, and no current step once finished', () => {
    const graph = exampleGraph('trip-booking-saga');
    const events = history(
      ['StepStarted', 'hotel'], ['StepCompleted', 'hotel'], ['StepStarted', 'car'], ['StepCompleted', 'car'],
      ['StepStarted', 'flight'], ['StepFailed', 'flight'], ['ErrorCaught', 'flight'], ['StepStarted', 'undo'],
      ['CompensationCompleted', 'car'], ['CompensationCompleted', 'hotel'], ['StepStarted', 'notBooked'], ['StepCompleted', 'notBooked'],
    );
    const failed: State = { status: 'FAILED', current: [{ step: 'notBooked', waiting: 'running', attempt: 1 }], error: { error: 'TripNotBooked', message: 'no seats', step: 'notBooked' } };
    expect(byLabel(graph, instanceMarks(graph, failed, events))).toEqual({
      start: 'completed', hotel: 'compensated', car: 'compensated', flight: 'failed', undo: 'completed', notBooked: 'failed',
    });
  });

  it('marks a retried step by its last attempt', () => {
    const graph = exampleGraph('order-processing');
    const events = history(['StepStarted', 'reserve'], ['StepFailed', 'reserve'], ['StepStarted', 'reserve'], ['StepCompleted', 'reserve'], ['StepStarted', 'charge']);
    const marks = byLabel(graph, instanceMarks(graph, running({ step: 'charge', waiting: 'task', attempt: 1 }), events));
    expect(marks).toMatchObject({ reserve: 'completed', charge: 'current' });
  });

  it('marks the steps running in parallel branches, and the end of a completed instance', () => {
    const graph = exampleGraph('batch-fanout');
    const current = [
      { step: 'gather', waiting: 'join', attempt: 1 },
      { step: 'totals', waiting: 'task', attempt: 1, branch: 'sales' },
      { step: 'levels', waiting: 'task', attempt: 1, branch: 'stock' },
    ];
    const marks = instanceMarks(graph, running(...current), history(['StepStarted', 'gather'], ['StepStarted', 'totals'], ['StepStarted', 'levels']));
    expect(marks.get('gather')).toBe('current');
    expect(marks.get('gather.sales/totals')).toBe('current');
    expect(marks.get('gather.stock/levels')).toBe('current');
    const done = instanceMarks(graph, { status: 'COMPLETED', current: [], error: null }, history(['StepStarted', 'done'], ['StepCompleted', 'done']));
    expect(done.get(graph.end)).toBe('completed');
  });
});

describe('the timeline', () => {
  it('spans each step attempt from its start to its end, and ends a compensate step where the next step starts', () => {
    const events = history(['StepStarted', 'flight'], ['StepFailed', 'flight'], ['StepStarted', 'undo'], ['CompensationCompleted', 'car'], ['StepStarted', 'notBooked'], ['StepCompleted', 'notBooked']);
    const spans = stepSpans(events, { status: 'FAILED', current: [] });
    const t = (i: number): number => Date.parse(events[i]!.at);
    expect(spans).toEqual([
      { step: 'flight', start: t(0), end: t(1), outcome: 'failed' },
      { step: 'undo', start: t(2), end: t(4), outcome: 'completed' },
      { step: 'notBooked', start: t(4), end: t(5), outcome: 'completed' },
    ]);
  });

  it('leaves the current step open', () => {
    const spans = stepSpans(history(['StepStarted', 'decision'], ['EventAwaited', 'decision']), { status: 'RUNNING', current: [{ step: 'decision', waiting: 'event', attempt: 1 }] });
    expect(spans).toEqual([{ step: 'decision', start: Date.parse(history(['x'])[0]!.at), outcome: 'running' }]);
  });

  it('summarises details on one line, cut to length', () => {
    expect(summarise({ event: 'approval', key: 'PR-7' })).toBe('event: approval · key: PR-7');
    expect(summarise({ result: 'x'.repeat(300) }, 40)).toHaveLength(40);
    expect(summarise(undefined)).toBe('');
  });
});
