/**
 * Triggers in a definition: refused at line:column where an expression is wrong, compiled into the
 * plan, drawn in the graph, and what a trigger makes of an event (filter, input, id).
 */
import { describe, expect, it } from 'vitest';
import { plainScope } from '../../definitions/expression-budget.js';
import { buildGraph, toMermaid } from '../../definitions/graph.js';
import { loadPlan } from '../../definitions/load.js';
import { formatProblem, type Plan } from '../../definitions/model.js';
import { defaultInstanceId, matchTriggers, triggerViews, type IncomingEvent } from '../../engine/triggers.js';

const ORDERS = `name: orders
triggers:
  - event: order.placed
    filter: "data.total > 100"
    input: { order: "\${ data }", from: "\${ source }" }
    id: "order-\${ data.orderId }"
  - event: order.placed
  - event: order.paid
steps:
  - { name: done, type: succeed }
`;

function plan(text: string): Plan {
  const loaded = loadPlan(text, 'orders.yaml');
  if (!loaded.plan) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  return loaded.plan;
}

const event = (data: IncomingEvent['data'], id = 'e-1'): IncomingEvent => ({ type: 'order.placed', id, source: '/shop', data });

describe('triggers in a definition', () => {
  it('are refused where an expression is wrong or a field unknown, at line:column', () => {
    const text = `name: orders
triggers:
  - event: order.placed
    filter: "data.total >"
    input: { order: "\${ data." }
    id: "order-\${ }"
  - event: order.paid
    when: x
steps:
  - { name: done, type: succeed }
`;
    expect(loadPlan(text, 'orders.yaml').problems.map(formatProblem)).toEqual([
      'orders.yaml:4:25: the expression "data.total >" in "filter" of trigger 1 is not valid: it ends too early; something is missing at the end',
      'orders.yaml:5:22: "input.order" of trigger 1 has a "${" that is never closed with "}"',
      'orders.yaml:6:16: "id" of trigger 1 has an empty "${ }"; write an expression inside it, or remove it',
      'orders.yaml:8:5: trigger 2 has no field "when"; it takes event, filter, input and id',
    ]);
    const unnamed = 'name: orders\ntriggers:\n  - filter: "true"\nsteps:\n  - { name: done, type: succeed }\n';
    expect(loadPlan(unnamed, 'orders.yaml').problems.map(formatProblem)).toEqual([
      `orders.yaml:3:5: trigger 1 is missing "event": the event's name, as in POST /v1/events/{event} (a CloudEvent's type)`,
    ]);
  });

  it('are listed with their place, and drawn as events leading to the start', () => {
    const p = plan(ORDERS);
    expect(triggerViews(p).map((t) => [t.trigger, t.event, t.filter])).toEqual([
      [1, 'order.placed', 'data.total > 100'],
      [2, 'order.placed', undefined],
      [3, 'order.paid', undefined],
    ]);
    const graph = buildGraph(p);
    expect(graph.nodes.filter((n) => n.kind === 'trigger').map((n) => n.label)).toEqual(['on order.placed', 'on order.placed', 'on order.paid']);
    expect(graph.edges.filter((e) => e.kind === 'trigger')).toEqual([
      { from: '$trigger/1', to: '$start', kind: 'trigger', label: 'data.total > 100' },
      { from: '$trigger/2', to: '$start', kind: 'trigger' },
      { from: '$trigger/3', to: '$start', kind: 'trigger' },
    ]);
    expect(toMermaid(graph)).toContain('n__trigger_1 -->|"data.total #gt; 100"| n__start');
  });

  it('start what their filter lets through, with the input and id built from the event', async () => {
    const p = plan(ORDERS);
    const scope = () => plainScope();
    expect(await matchTriggers(p, event({ total: 250, orderId: 'A7' }), scope)).toEqual([
      { plan: p, trigger: 1, id: 'order-A7', input: { order: { total: 250, orderId: 'A7' }, from: '/shop' } },
      { plan: p, trigger: 2, id: 'orders:2:e-1', input: { total: 250, orderId: 'A7' } },
    ]);
    expect((await matchTriggers(p, event({ total: 5 }), scope)).map((m) => m.trigger)).toEqual([2]);
    expect(await matchTriggers(p, { ...event(null), type: 'order.shipped' }, scope)).toEqual([]);
  });

  it('give an error, not a start, when the id is not one an instance can have', async () => {
    const p = plan(ORDERS);
    const [first] = await matchTriggers(p, event({ total: 250, orderId: 'has spaces' }), () => plainScope());
    expect(first).toEqual({ workflow: 'orders', version: 1, trigger: 1, error: `its id gave "order-has spaces", which is not an instance id (1 to 200 letters, digits, '.', '_', ':', '-')` });
  });

  it('derive the same default id from the same event id, a digest where the id would not fit', () => {
    expect(defaultInstanceId('orders', 2, 'e-1')).toBe('orders:2:e-1');
    const odd = defaultInstanceId('orders', 2, 'urn:event/42 ü');
    expect(odd).toMatch(/^orders:2:sha256-[0-9a-f]{32}$/);
    expect(defaultInstanceId('orders', 2, 'urn:event/42 ü')).toBe(odd);
    expect(defaultInstanceId('orders', 3, 'urn:event/42 ü')).not.toBe(odd);
  });
});
