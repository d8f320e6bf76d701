/** A workflow's graph, looked up the ways the trace of an instance needs. */
import type { Graph, GraphGroup, GraphNode } from '../../definitions/graph.js';

export class GraphIndex {
  private readonly byScope = new Map<string, Map<string, GraphNode>>();
  private readonly byId: Map<string, GraphNode>;
  private readonly nextOf = new Map<string, GraphNode>();
  private readonly timeoutOf = new Map<string, GraphNode>();
  /** Groups by the label of their first step. */
  readonly groupsByEntry = new Map<string, GraphGroup[]>();

  constructor(readonly graph: Graph) {
    this.byId = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const node of graph.nodes) {
      if (node.kind !== 'step') continue;
      const scope = this.byScope.get(node.scope) ?? new Map<string, GraphNode>();
      scope.set(node.label, node);
      this.byScope.set(node.scope, scope);
    }
    for (const edge of graph.edges) {
      if (edge.kind === 'next') this.nextOf.set(edge.from, this.byId.get(edge.to)!);
      if (edge.kind === 'timeout') this.timeoutOf.set(edge.from, this.byId.get(edge.to)!);
      if (edge.kind === 'map' || edge.kind === 'branch') {
        const entry = this.byId.get(edge.to);
        const group = graph.groups.find((g) => g.owner === edge.from && g.scope === entry?.scope);
        if (entry?.kind === 'step' && group) this.groupsByEntry.set(entry.label, [...(this.groupsByEntry.get(entry.label) ?? []), group]);
      }
    }
  }

  node(scope: string, step: string): GraphNode | undefined {
    return this.byScope.get(scope)?.get(step);
  }

  /** Where a path goes after `node` completes: a node, or undefined for the end of its scope. */
  next(node: GraphNode, kind: 'next' | 'timeout' = 'next'): GraphNode | undefined {
    const to = (kind === 'next' ? this.nextOf : this.timeoutOf).get(node.id);
    return to?.kind === 'step' ? to : undefined;
  }

  owner(group: GraphGroup): GraphNode | undefined {
    return this.byId.get(group.owner);
  }
}
