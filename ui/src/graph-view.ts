/**
 * Draws a workflow graph with Mermaid (loaded on first use, so lists show before it arrives).
 * Mermaid does the layout; the console only styles what it draws.
 */
import type { Graph, GraphNode } from '../../definitions/graph.js';
import { h } from './dom.js';
import type { NodeMark } from './marks.js';
import { MARK_CLASSES, markedMermaid } from './mermaid-text.js';

type Mermaid = (typeof import('mermaid'))['default'];

let loading: Promise<Mermaid> | undefined;

function loadMermaid(): Promise<Mermaid> {
  loading ??= import('mermaid').then(({ default: mermaid }) => {
    mermaid.initialize({
      startOnLoad: false,
      // Labels come from definitions: Mermaid sanitises them and allows no scripts or links.
      securityLevel: 'strict',
      theme: 'base',
      themeVariables: {
        fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
        fontSize: '13px',
        primaryColor: '#ffffff',
        primaryBorderColor: '#98a2b3',
        primaryTextColor: '#1d2939',
        lineColor: '#8a94a6',
        secondaryColor: '#f2f4f7',
        tertiaryColor: '#f8f9fb',
        clusterBkg: '#f6f8fb',
        clusterBorder: '#c8d0dc',
        edgeLabelBackground: '#ffffff',
      },
      flowchart: { curve: 'basis', padding: 10, nodeSpacing: 30, rankSpacing: 44, htmlLabels: true, useMaxWidth: true },
    });
    return mermaid;
  });
  return loading;
}

/** Starts loading the renderer, for pages that will draw once their data has arrived. */
export function preloadGraphs(): void {
  void loadMermaid();
}

/** The text each container shows, so a poll that changed nothing does not redraw. */
const drawn = new WeakMap<HTMLElement, string>();
let renders = 0;

export async function drawGraph(container: HTMLElement, graph: Graph, marks?: ReadonlyMap<string, NodeMark>): Promise<void> {
  const text = markedMermaid(graph, marks);
  if (drawn.get(container) === text) return;
  drawn.set(container, text);
  try {
    const mermaid = await loadMermaid();
    const { svg } = await mermaid.render(`segue-graph-${++renders}`, text);
    // A newer drawing may have been asked for while this one rendered.
    if (drawn.get(container) !== text) return;
    container.innerHTML = svg;
    container.classList.remove('graph-error');
  } catch (err) {
    drawn.delete(container);
    container.classList.add('graph-error');
    container.replaceChildren(h('p', null, `The graph could not be drawn: ${(err as Error).message}`));
  }
}

/** The graph node an element of the drawing belongs to (Mermaid names node i "…-flowchart-n_s<i>-…"). */
function nodeOfElement(el: Element | null, graph: Graph): GraphNode | undefined {
  const match = /-flowchart-n_s(\d+)-\d+$/.exec(el?.closest('g.node')?.id ?? '');
  return match ? graph.nodes[Number(match[1])] : undefined;
}

/** Step nodes of the drawings in `container` open `select` on click, Enter or Space. */
export function selectableNodes(container: HTMLElement, graph: () => Graph | undefined, select: (node: GraphNode) => void): void {
  const pick = (event: Event): void => {
    const current = graph();
    const node = current && nodeOfElement(event.target as Element, current);
    if (node?.kind !== 'step') return;
    event.preventDefault();
    select(node);
  };
  container.addEventListener('click', pick);
  container.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') pick(event);
  });
}

/** After each drawing: step nodes are focusable buttons, and the selected one is outlined. */
export function showSelection(container: HTMLElement, graph: Graph, selected: GraphNode | undefined): void {
  for (const el of container.querySelectorAll('g.node')) {
    const node = nodeOfElement(el, graph);
    if (node?.kind !== 'step') continue;
    el.setAttribute('tabindex', '0');
    el.setAttribute('role', 'button');
    el.setAttribute('aria-label', `Inspect step ${node.label}`);
    el.classList.toggle('selected', node === selected);
  }
}

/** An empty box for `drawGraph`. */
export function graphBox(): HTMLElement {
  return h('div', { class: 'graph', role: 'img', 'aria-label': 'Workflow graph' }, h('p', { class: 'muted' }, 'Drawing…'));
}

const MARK_LABELS: Record<NodeMark, string> = { completed: 'completed', current: 'current', failed: 'failed', cancelled: 'cancelled', compensated: 'compensated' };

export function legend(withMarks: boolean): HTMLElement {
  const marks = withMarks
    ? (Object.keys(MARK_LABELS) as NodeMark[]).map((m) => h('span', { class: 'legend-item' }, h('i', { class: `swatch ${MARK_CLASSES[m]}` }), MARK_LABELS[m]))
    : [];
  return h(
    'div',
    { class: 'legend' },
    marks,
    h('span', { class: 'legend-item' }, h('i', { class: 'line line-next' }), 'next'),
    h('span', { class: 'legend-item' }, h('i', { class: 'line line-catch' }), 'catch'),
    h('span', { class: 'legend-item' }, h('i', { class: 'line line-timeout' }), 'timeout'),
  );
}
