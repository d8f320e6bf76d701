import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compilePlan } from '../../definitions/compile.js';
import type { WorkflowDefinition } from '../../definitions/definition.js';
import { buildGraph, escapeLabel, toMermaid } from '../../definitions/graph.js';
import type { Graph } from '../../definitions/graph.js';

function graphOf(yaml: string): Graph {
  return buildGraph(compilePlan(parse(yaml) as WorkflowDefinition, { version: 1 }));
}

const EVERY_EDGE = `
name: every-edge
steps:
  - name: charge
    type: task
    task: payments.charge
    catch: [{ errors: [CardDeclined, Expired], next: declined }]
  - name: route
    type: choice
    choices: [{ when: 'total > 100 and tier = "gold"', next: fan }]
    otherwise: approval
  - name: approval
    type: wait
    event: approved
    timeout: 2d
    onTimeout: declined
  - name: fan
    type: parallel
    branches:
      - name: left
        steps: [{ name: work, type: task, task: t }]
      - name: right
        steps:
          - name: each
            type: map
            items: lines
            steps: [{ name: work, type: task, task: t }]
  - { name: again, type: continue }
  - { name: declined, type: fail, error: Declined }
`;

describe('buildGraph', () => {
  const graph = graphOf(EVERY_EDGE);

  it('has a start node leading to the first step and an end node per scope', () => {
    expect(graph.start).toBe('$start');
    expect(graph.edges).toContainEqual({ from: '$start', to: 'charge', kind: 'next' });
    expect(graph.nodes.filter((n) => n.kind === 'end').map((n) => [n.id, n.scope])).toEqual([
      ['$end', ''],
      ['fan.left/$end', 'fan.left'],
      ['fan.right/$end', 'fan.right'],
      ['fan.right/each[]/$end', 'fan.right/each[]'],
    ]);
    expect(graph.end).toBe('$end');
  });

  it('gives step nodes scope-qualified ids, their type and their name as label', () => {
    expect(graph.nodes).toContainEqual({ id: 'charge', label: 'charge', kind: 'step', type: 'task', scope: '' });
    expect(graph.nodes).toContainEqual({ id: 'fan.left/work', label: 'work', kind: 'step', type: 'task', scope: 'fan.left' });
    expect(graph.nodes).toContainEqual({
      id: 'fan.right/each[]/work',
      label: 'work',
      kind: 'step',
      type: 'task',
      scope: 'fan.right/each[]',
    });
  });

  it('draws an edge of the right kind for every transition', () => {
    const edges = graph.edges;
    expect(edges).toContainEqual({ from: 'charge', to: 'route', kind: 'next' });
    expect(edges).toContainEqual({ from: 'charge', to: 'declined', kind: 'catch', label: 'CardDeclined, Expired' });
    expect(edges).toContainEqual({ from: 'route', to: 'fan', kind: 'choice', label: 'total > 100 and tier = "gold"' });
    expect(edges).toContainEqual({ from: 'route', to: 'approval', kind: 'otherwise', label: 'otherwise' });
    expect(edges).toContainEqual({ from: 'approval', to: 'declined', kind: 'timeout', label: 'timeout 2d' });
    expect(edges).toContainEqual({ from: 'fan', to: 'fan.left/work', kind: 'branch', label: 'left' });
    expect(edges).toContainEqual({ from: 'fan', to: 'fan.right/each', kind: 'branch', label: 'right' });
    expect(edges).toContainEqual({ from: 'fan.right/each', to: 'fan.right/each[]/work', kind: 'map', label: 'for each lines' });
    expect(edges).toContainEqual({ from: 'fan.right/each[]/work', to: 'fan.right/each[]/$end', kind: 'next' });
    expect(edges).toContainEqual({ from: 'again', to: '$start', kind: 'next', label: 'continue as new' });
  });

  it('gives a choice with otherwise no fall-through edge, and a fail step no edge at all', () => {
    expect(graph.edges.filter((e) => e.from === 'route').map((e) => e.kind)).toEqual(['choice', 'otherwise']);
    expect(graph.edges.filter((e) => e.from === 'declined')).toEqual([]);
  });

  it('groups branches and map bodies, nested under their parent group', () => {
    expect(graph.groups).toEqual([
      { id: 'fan.left', kind: 'branch', label: 'left', scope: 'fan.left', owner: 'fan', parent: undefined },
      { id: 'fan.right', kind: 'branch', label: 'right', scope: 'fan.right', owner: 'fan', parent: undefined },
      {
        id: 'fan.right/each[]',
        kind: 'map',
        label: 'each item of each',
        scope: 'fan.right/each[]',
        owner: 'fan.right/each',
        parent: 'fan.right',
      },
    ]);
  });

  it('sends a succeed step to the end and a fall-through choice to the next step', () => {
    const g = graphOf(`
      name: w
      steps:
        - { name: pick, type: choice, choices: [{ when: x, next: end }] }
        - { name: done, type: succeed }
    `);
    expect(g.edges).toEqual([
      { from: '$start', to: 'pick', kind: 'next' },
      { from: 'pick', to: '$end', kind: 'choice', label: 'x' },
      { from: 'pick', to: 'done', kind: 'next' },
      { from: 'done', to: '$end', kind: 'next' },
    ]);
  });
});

describe('toMermaid', () => {
  const lines = toMermaid(graphOf(EVERY_EDGE)).split('\n');

  it('is a top-down flowchart with start and end nodes', () => {
    expect(lines[0]).toBe('flowchart TD');
    expect(lines).toContain('  n__start(("start"))');
    expect(lines).toContain('  n__end((("end")))');
    expect(lines).toContain('  n__start --> n_charge');
  });

  it('shapes nodes by type', () => {
    expect(lines).toContain('  n_charge["charge"]');
    expect(lines).toContain('  n_route{"route"}');
    expect(lines).toContain('  n_approval>"approval"]');
    expect(lines).toContain('  n_fan{{"fan"}}');
    expect(lines).toContain('  n_again(["again"])');
    expect(lines).toContain('  n_declined(["declined"])');
    expect(lines).toContain('  class n_declined fail');
  });

  it('draws catch edges dashed, timeout edges thick, labels quoted and escaped', () => {
    expect(lines).toContain('  n_charge -.->|"CardDeclined, Expired"| n_declined');
    expect(lines).toContain('  n_approval ==>|"timeout 2d"| n_declined');
    expect(lines).toContain('  n_route -->|"total #gt; 100 and tier = #quot;gold#quot;"| n_fan');
    expect(lines).toContain('  n_route -->|"otherwise"| n_approval');
  });

  it('nests subgraphs for branches and map bodies', () => {
    const at = (line: string): number => lines.indexOf(line);
    const right = at('  subgraph g_fan_right["right"]');
    const body = at('    subgraph g_fan_right_each__["each item of each"]');
    expect(at('  subgraph g_fan_left["left"]')).toBeGreaterThan(0);
    expect(right).toBeGreaterThan(0);
    expect(body).toBeGreaterThan(right);
    expect(lines[body + 1]).toBe('      n_fan_right_each___work["work"]');
    expect(lines).toContain('    n_fan_right_each{{"each"}}');
    expect(lines).toContain('  n_fan -->|"left"| n_fan_left_work');
  });

  it('makes every id safe, even for names Mermaid would misread', () => {
    const text = toMermaid(
      graphOf(`
        name: w
        steps:
          - { name: end, type: task, task: t }
          - { name: "o x-1", type: task, task: t }
          - { name: "o_x_1", type: succeed }
      `),
    );
    const ids = [...text.matchAll(/^\s+(\S+?)[[({>]/gm)].map((m) => m[1]);
    for (const id of ids) expect(id).toMatch(/^[ng]_[A-Za-z0-9_]+$/);
    expect(text).toContain('  n_end["end"]');
    expect(text).toContain('  n_o_x_1["o x-1"]');
    expect(text).toContain('  n_o_x_1_2(["o_x_1"])');
    expect(text).toContain('  n_end --> n_o_x_1');
  });

  it('escapes characters that would end a label', () => {
    expect(escapeLabel('a "b" <c> | #d\n e')).toBe('a #quot;b#quot; #lt;c#gt; #124; #35;d e');
  });
});
