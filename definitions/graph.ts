/**
 * The state machine of a Plan as a graph: one model for every renderer (the CLI's Mermaid output,
 * the API's graph endpoint and the web console), so all of them show the same nodes and transitions.
 */
import { formatDuration } from './duration.js';
import { END } from './model.js';
import type { Plan, PlanStep, Scope, StepType } from './model.js';

/** `trigger`: an event that starts the workflow (`triggers:`), leading to the start node. */
export type GraphNodeKind = 'start' | 'end' | 'step' | 'trigger';

export interface GraphNode {
  /** Unique in the graph: the step name, prefixed by its scope id inside branches and map bodies. */
  id: string;
  label: string;
  kind: GraphNodeKind;
  /** Step type, for step nodes. */
  type?: StepType;
  /** Scope id the node belongs to ("" = top level). */
  scope: string;
}

export type GraphEdgeKind = 'next' | 'choice' | 'otherwise' | 'catch' | 'timeout' | 'branch' | 'map' | 'trigger';

export interface GraphEdge {
  from: string;
  to: string;
  kind: GraphEdgeKind;
  /** choice: the `when` source; catch: the error names; branch: its name; timeout: the delay; trigger: its filter. */
  label?: string;
}

/** A parallel branch or a map body: the nodes whose `scope` is the group's `scope`. */
export interface GraphGroup {
  id: string;
  kind: 'branch' | 'map';
  label: string;
  scope: string;
  /** Node id of the parallel or map step that owns the group. */
  owner: string;
  /** Id of the group this one is nested in, absent at the top level. */
  parent?: string;
}

export interface Graph {
  name: string;
  version: number;
  /** Id of the start node. */
  start: string;
  /** Id of the top-level end node (each group has an end node of its own). */
  end: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: GraphGroup[];
}

const START_ID = '$start';

export function nodeId(scope: string, step: string): string {
  return scope === '' ? step : `${scope}/${step}`;
}

function endId(scope: string): string {
  return nodeId(scope, END);
}

export function buildGraph(plan: Plan): Graph {
  const graph: Graph = { name: plan.name, version: plan.version, start: START_ID, end: endId(''), nodes: [], edges: [], groups: [] };
  graph.nodes.push({ id: START_ID, label: 'start', kind: 'start', scope: '' });
  const triggers = (plan.definition.triggers ?? []) as { event: string; filter?: string }[];
  triggers.forEach((trigger, i) => {
    const id = `$trigger/${i + 1}`;
    graph.nodes.push({ id, label: `on ${trigger.event}`, kind: 'trigger', scope: '' });
    graph.edges.push({ from: id, to: START_ID, kind: 'trigger', ...(trigger.filter === undefined ? {} : { label: trigger.filter }) });
  });
  const top = plan.scopes.get('');
  graph.edges.push({ from: START_ID, to: top ? entry(top) : graph.end, kind: 'next' });
  for (const scope of plan.scopes.values()) {
    if (scope.owner) graph.groups.push(groupOf(scope, scope.owner));
    for (const step of scope.steps) {
      graph.nodes.push({ id: nodeId(scope.id, step.name), label: step.name, kind: 'step', type: step.type, scope: scope.id });
      graph.edges.push(...stepEdges(plan, step));
    }
    graph.nodes.push({ id: endId(scope.id), label: 'end', kind: 'end', scope: scope.id });
  }
  return graph;
}

function groupOf(scope: Scope, owner: NonNullable<Scope['owner']>): GraphGroup {
  return {
    id: scope.id,
    kind: owner.branch === undefined ? 'map' : 'branch',
    label: owner.branch ?? `each item of ${owner.step}`,
    scope: scope.id,
    owner: nodeId(owner.scope, owner.step),
    parent: owner.scope === '' ? undefined : owner.scope,
  };
}

/** The first step of a scope, or its end when it has none. */
function entry(scope: Scope): string {
  const first = scope.steps[0];
  return first ? nodeId(scope.id, first.name) : endId(scope.id);
}

function stepEdges(plan: Plan, step: PlanStep): GraphEdge[] {
  const from = nodeId(step.scope, step.name);
  const to = (target: string): string => (target === END ? endId(step.scope) : nodeId(step.scope, target));
  const edges: GraphEdge[] = [];
  const add = (target: string, kind: GraphEdgeKind, label?: string): void => {
    edges.push(label === undefined ? { from, to: target, kind } : { from, to: target, kind, label });
  };
  switch (step.type) {
    case 'fail':
      break;
    case 'continue':
      add(START_ID, 'next', 'continue as new');
      break;
    case 'choice':
      for (const choice of step.choices) add(to(choice.next), 'choice', choice.when.source);
      if (step.otherwise !== undefined) add(to(step.otherwise), 'otherwise', 'otherwise');
      else add(to(step.next), 'next');
      break;
    case 'parallel':
      for (const branch of step.branches) add(scopeEntry(plan, branch.scope), 'branch', branch.name);
      add(to(step.next), 'next');
      break;
    case 'map':
      add(scopeEntry(plan, step.body), 'map', `for each ${step.items.source}`);
      add(to(step.next), 'next');
      break;
    case 'wait':
      add(to(step.next), 'next');
      if (step.onTimeout !== undefined) {
        add(to(step.onTimeout), 'timeout', step.timeoutMs === undefined ? 'timeout' : `timeout ${formatDuration(step.timeoutMs)}`);
      }
      break;
    default:
      add(to(step.next), 'next');
  }
  if ('catch' in step) for (const rule of step.catch) add(to(rule.next), 'catch', rule.errors.join(', '));
  return edges;
}

function scopeEntry(plan: Plan, scopeId: string): string {
  const scope = plan.scopes.get(scopeId);
  return scope ? entry(scope) : endId(scopeId);
}

/** Mermaid node shapes by step type; `%` stands for the quoted label. */
const SHAPES: Record<StepType | 'start' | 'end' | 'trigger', string> = {
  start: '((%))',
  trigger: '[\\%/]',
  end: '(((%)))',
  task: '[%]',
  http: '[/%/]',
  set: '(%)',
  choice: '{%}',
  parallel: '{{%}}',
  map: '{{%}}',
  wait: '>%]',
  delay: '>%]',
  workflow: '[[%]]',
  compensate: '[\\%\\]',
  continue: '([%])',
  succeed: '([%])',
  fail: '([%])',
};

const EDGE_ARROWS: Record<GraphEdgeKind, string> = {
  next: '-->',
  choice: '-->',
  otherwise: '-->',
  branch: '-->',
  map: '-->',
  catch: '-.->',
  timeout: '==>',
  trigger: '-->',
};

/** Renders the graph as a Mermaid `flowchart TD`, branches and map bodies as subgraphs. */
export function toMermaid(graph: Graph): string {
  const ids = new MermaidIds();
  const lines = ['flowchart TD'];
  const render = (scope: string, indent: string): void => {
    for (const node of graph.nodes.filter((n) => n.scope === scope)) {
      const shape = SHAPES[node.kind === 'step' ? node.type! : node.kind];
      lines.push(`${indent}${ids.of(node.id)}${shape.replace('%', () => `"${escapeLabel(node.label)}"`)}`);
    }
    for (const group of graph.groups.filter((g) => (g.parent ?? '') === scope)) {
      lines.push(`${indent}subgraph ${ids.of(group.id, 'g')}["${escapeLabel(group.label)}"]`);
      render(group.scope, `${indent}  `);
      lines.push(`${indent}end`);
    }
  };
  render('', '  ');
  for (const edge of graph.edges) {
    const label = edge.label === undefined ? '' : `|"${escapeLabel(edge.label)}"|`;
    lines.push(`  ${ids.of(edge.from)} ${EDGE_ARROWS[edge.kind]}${label} ${ids.of(edge.to)}`);
  }
  lines.push('  classDef succeed fill:#e3f6e5,stroke:#2e7d32', '  classDef fail fill:#fde8e8,stroke:#c62828');
  for (const kind of ['succeed', 'fail'] as const) {
    const members = graph.nodes.filter((n) => n.type === kind).map((n) => ids.of(n.id));
    if (members.length > 0) lines.push(`  class ${members.join(',')} ${kind}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Mermaid ids allow only plain characters and some words (`end`) break the parser, so every id
 * is prefixed and sanitised; a collision after sanitising gets a numeric suffix.
 */
class MermaidIds {
  private readonly byId = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** Node ids use prefix `n`, group ids `g`: the two never collide. */
  of(id: string, prefix = 'n'): string {
    const key = `${prefix}:${id}`;
    const known = this.byId.get(key);
    if (known) return known;
    const base = `${prefix}_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let candidate = base;
    for (let n = 2; this.taken.has(candidate); n += 1) candidate = `${base}_${n}`;
    this.byId.set(key, candidate);
    this.taken.add(candidate);
    return candidate;
  }
}

/** Labels are quoted; Mermaid's entity codes stand in for the characters that would end them. */
export function escapeLabel(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\|/g, '#124;')
    .replace(/\s+/g, ' ')
    .trim();
}
