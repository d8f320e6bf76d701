/**
 * Where an instance stands on its workflow's graph: which steps completed, which run now, which
 * failed and which were compensated, read from the instance and its history (the API's views).
 * History names steps without their scope, so a name used in several branches marks each of them.
 */
import type { Graph, GraphNode } from '../../definitions/graph.js';
import type { HistoryView, InstanceView } from '../../client/http-client.js';

export type NodeMark = 'completed' | 'current' | 'failed' | 'compensated';

export type InstanceState = Pick<InstanceView, 'status' | 'current' | 'error'>;

/** The mark a history event leaves on its step; absent = the event changes nothing. */
const MARK_OF_EVENT: Record<string, NodeMark | null> = {
  StepStarted: null,
  StepCompleted: 'completed',
  StepFailed: 'failed',
  StepCancelled: null,
  CompensationCompleted: 'compensated',
  CompensationFailed: 'failed',
};

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW']);

export function instanceMarks(graph: Graph, instance: InstanceState, history: readonly HistoryView[]): Map<string, NodeMark> {
  const byName = nodesByName(graph);
  const marks = new Map<string, NodeMark>();
  for (const [step, mark] of lastMarks(history)) if (mark) for (const node of byName.get(step) ?? []) marks.set(node.id, mark);
  if (instance.error?.step !== undefined) for (const node of byName.get(instance.error.step) ?? []) marks.set(node.id, 'failed');
  if (!TERMINAL.has(instance.status)) {
    for (const current of instance.current) for (const node of currentNodes(graph, byName, current)) marks.set(node.id, 'current');
  }
  if (history.length > 0) marks.set(graph.start, 'completed');
  if (instance.status === 'COMPLETED') marks.set(graph.end, 'completed');
  return marks;
}

/** The mark each step name was left with by its last event. */
function lastMarks(history: readonly HistoryView[]): Map<string, NodeMark | null> {
  const last = new Map<string, NodeMark | null>();
  const open = new Set<string>();
  for (const event of history) {
    if (event.step === undefined || !(event.type in MARK_OF_EVENT)) continue;
    if (event.type === 'StepStarted') {
      // Some steps (compensate) log no end of their own: once another step starts, they are done.
      for (const step of open) if (step !== event.step) last.set(step, 'completed');
      open.clear();
      open.add(event.step);
    } else open.delete(event.step);
    last.set(event.step, MARK_OF_EVENT[event.type]!);
  }
  return last;
}

function nodesByName(graph: Graph): Map<string, GraphNode[]> {
  const byName = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) if (node.kind === 'step') byName.set(node.label, [...(byName.get(node.label) ?? []), node]);
  return byName;
}

/** The nodes of a current step; a branch name or an item index narrows a name used in several scopes. */
function currentNodes(graph: Graph, byName: Map<string, GraphNode[]>, current: InstanceState['current'][number]): GraphNode[] {
  const candidates = byName.get(current.step) ?? [];
  if (candidates.length < 2) return candidates;
  const groupOf = new Map(graph.groups.map((g) => [g.scope, g]));
  const narrowed = candidates.filter((node) => {
    const group = groupOf.get(node.scope);
    if (current.branch !== undefined) return group?.kind === 'branch' && group.label === current.branch;
    if (current.index !== undefined) return group?.kind === 'map';
    return group === undefined;
  });
  return narrowed.length > 0 ? narrowed : candidates;
}

/**
 * Indexes of the edges the instance went along, as far as the marks tell: from a node it left
 * (completed, failed or compensated) to a node it reached.
 */
export function takenEdges(graph: Graph, marks: ReadonlyMap<string, NodeMark>): number[] {
  const taken: number[] = [];
  graph.edges.forEach((edge, i) => {
    const from = marks.get(edge.from);
    if (from !== undefined && from !== 'current' && marks.has(edge.to)) taken.push(i);
  });
  return taken;
}
