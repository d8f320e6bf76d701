/**
 * The Mermaid text the console draws: `toMermaid` of the shared graph model (what `segue graph`
 * prints), plus styles — catch and timeout edges in their own colours, and an instance's marks.
 */
import { toMermaid, type Graph, type GraphEdgeKind } from '../../definitions/graph.js';
import { takenEdges, type NodeMark } from './marks.js';

/** Class names of the marks in the drawing (and in app.css). */
export const MARK_CLASSES: Record<NodeMark, string> = {
  completed: 'm_completed',
  current: 'm_current',
  failed: 'm_failed',
  cancelled: 'm_cancelled',
  compensated: 'm_compensated',
};

const MARK_STYLES: Record<NodeMark, string> = {
  completed: 'fill:#e6f4ea,stroke:#1e7e34,stroke-width:2px,color:#0d3d1a',
  current: 'fill:#e3eeff,stroke:#1d5fd1,stroke-width:3px,color:#0b2c66',
  failed: 'fill:#fdecea,stroke:#c62828,stroke-width:2px,color:#5f1111',
  cancelled: 'fill:#eef1f5,stroke:#667085,stroke-width:2px,stroke-dasharray:2 3,color:#344054',
  compensated: 'fill:#fff4e0,stroke:#c66a00,stroke-width:2px,stroke-dasharray:5 3,color:#5a3000',
};

const EDGE_STYLES: Partial<Record<GraphEdgeKind, string>> = {
  catch: 'stroke:#c62828,stroke-width:1.5px,color:#c62828',
  timeout: 'stroke:#b26a00,stroke-width:2px,color:#b26a00',
};

const TAKEN_EDGE = 'stroke:#1e7e34,stroke-width:2.5px';

const UNREACHED_END = { succeed: 'fill:#ffffff,stroke:#2e7d32', fail: 'fill:#ffffff,stroke:#c62828' };

/**
 * Node ids of the model hold characters Mermaid does not take; `toMermaid` sanitises them into ids
 * we could only guess. Renaming the nodes to plain `s<index>` first makes the Mermaid id of node
 * i exactly `n_s<i>`, so marks can name it.
 */
export function mermaidId(index: number): string {
  return `n_s${index}`;
}

function plainIds(graph: Graph): { graph: Graph; index: Map<string, number> } {
  const index = new Map(graph.nodes.map((node, i) => [node.id, i]));
  const plain = (id: string): string => `s${index.get(id)}`;
  return {
    index,
    graph: {
      ...graph,
      start: plain(graph.start),
      end: plain(graph.end),
      nodes: graph.nodes.map((node) => ({ ...node, id: plain(node.id) })),
      edges: graph.edges.map((edge) => ({ ...edge, from: plain(edge.from), to: plain(edge.to) })),
      groups: graph.groups.map((group) => ({ ...group, owner: plain(group.owner) })),
    },
  };
}

/** Without `marks`, the workflow as defined; with them (even none yet), an instance on it. */
export function markedMermaid(graph: Graph, marks?: ReadonlyMap<string, NodeMark>): string {
  const { graph: plain, index } = plainIds(graph);
  const lines = [toMermaid(plain).trimEnd()];
  for (const [kind, style] of Object.entries(EDGE_STYLES)) {
    const edges = graph.edges.flatMap((edge, i) => (edge.kind === kind ? [i] : []));
    if (edges.length > 0) lines.push(`  linkStyle ${edges.join(',')} ${style}`);
  }
  if (marks) lines.push(...markLines(graph, index, marks));
  return `${lines.join('\n')}\n`;
}

function markLines(graph: Graph, index: Map<string, number>, marks: ReadonlyMap<string, NodeMark>): string[] {
  // On an instance, a fill means "reached": end steps keep only their coloured outline until then.
  const lines = [`  classDef succeed ${UNREACHED_END.succeed}`, `  classDef fail ${UNREACHED_END.fail}`];
  const taken = takenEdges(graph, marks);
  if (taken.length > 0) lines.push(`  linkStyle ${taken.join(',')} ${TAKEN_EDGE}`);
  for (const mark of Object.keys(MARK_CLASSES) as NodeMark[]) {
    const members = [...marks].filter(([, m]) => m === mark).map(([id]) => mermaidId(index.get(id)!));
    if (members.length === 0) continue;
    lines.push(`  classDef ${MARK_CLASSES[mark]} ${MARK_STYLES[mark]}`, `  class ${members.join(',')} ${MARK_CLASSES[mark]}`);
  }
  return lines;
}
