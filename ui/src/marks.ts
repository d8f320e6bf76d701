/**
 * Where an instance stands on its workflow's graph, read from its trace (the paths of execution
 * rebuilt from the history): which steps completed, which run now, which failed, which were
 * cancelled when the instance or their map stopped, and which were compensated. Each path counts
 * by its last attempt at a step, so a retried step shows how it ended; across paths (map items,
 * branches) the worst counts, so one failed item keeps its step red whatever its siblings did.
 */
import { isTerminal } from './dom.js';
import type { Graph } from '../../definitions/graph.js';
import type { InstanceView } from '../../client/http-client.js';
import type { Outcome, RunTrace } from './trace.js';

export type NodeMark = 'completed' | 'current' | 'failed' | 'cancelled' | 'compensated';

export type InstanceState = Pick<InstanceView, 'status'>;

/** Which mark wins when paths disagree on a step: higher wins. */
const RANK: Record<NodeMark, number> = { completed: 0, compensated: 1, cancelled: 2, failed: 3, current: 4 };

const MARK_OF_OUTCOME: Record<Outcome, NodeMark> = { running: 'current', completed: 'completed', failed: 'failed', cancelled: 'cancelled' };

export function instanceMarks(graph: Graph, instance: InstanceState, trace: RunTrace): Map<string, NodeMark> {
  const finished = isTerminal(instance.status);
  const marks = new Map<string, NodeMark>();
  const mark = (node: string, m: NodeMark): void => {
    const had = marks.get(node);
    if (had === undefined || RANK[m] > RANK[had]) marks.set(node, m);
  };
  for (const path of trace.paths) {
    const last = new Map<string, (typeof path.attempts)[number]>();
    for (const a of path.attempts) if (a.node) last.set(a.node.id, a);
    for (const [node, a] of last) {
      let m = MARK_OF_OUTCOME[a.outcome];
      // An attempt a finished instance left open ended with it: it is no longer current.
      if (m === 'current' && finished) m = 'cancelled';
      if (a.compensated === 'failed') m = 'failed';
      else if (a.compensated === 'completed' && m === 'completed') m = 'compensated';
      mark(node, m);
    }
  }
  if (trace.attempts.length > 0) marks.set(graph.start, 'completed');
  if (instance.status === 'COMPLETED') marks.set(graph.end, 'completed');
  return marks;
}

/**
 * Indexes of the edges the instance went along, as far as the marks tell: from a node it left
 * (completed, failed or compensated) to a node it reached.
 */
export function takenEdges(graph: Graph, marks: ReadonlyMap<string, NodeMark>): number[] {
  const taken: number[] = [];
  graph.edges.forEach((edge, i) => {
    const from = marks.get(edge.from);
    if (from !== undefined && from !== 'current' && from !== 'cancelled' && marks.has(edge.to)) taken.push(i);
  });
  return taken;
}
