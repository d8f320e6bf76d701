/**
 * POST /v1/instances/{id}/evaluate over real HTTP: an expression against an instance's data or a
 * current step's (a map item's, with its bindings), failures with their position, the engine's
 * limits, and who may ask.
 */
import { expect, it } from 'vitest';
import { ProblemError, SegueClient } from '../../client/http-client.js';
import { serverForFile } from '../helpers/server.js';

const ORDERS = `name: eval-orders
steps:
  - name: prepare
    type: set
    values: { "lines": [{ "sku": "a", "qty": 2 }, { "sku": "b", "qty": 5 }], "customer": "c-7" }
    next: pack
  - name: pack
    type: map
    items: \${ lines }
    steps:
      - { name: weigh, type: task, task: eval.weigh }
`;

const ADMIN = 'admin-key-0123456789';
const VIEWER = 'viewer-key-0123456789';
const server = serverForFile([ORDERS], { env: { SEGUE_API_KEYS: `root:admin:${ADMIN},look:viewer:${VIEWER}` }, apiKey: ADMIN });

it("evaluates against the instance's data, and against a step's as one of its map items sees it", async () => {
  const { client } = server();
  await client.startInstance('eval-orders', { id: 'e-1', input: { region: 'eu' } });

  expect(await client.evaluate('e-1', { expression: '$sum(lines.qty)' })).toEqual({ ok: true, result: 7 });
  expect(await client.evaluate('e-1', { expression: '$input.region & "/" & $instance.id' })).toEqual({ ok: true, result: 'eu/e-1' });
  // Selecting nothing is an answer without a result.
  expect(await client.evaluate('e-1', { expression: 'nothing.here' })).toEqual({ ok: true });
  // At a map's step: the item's data and $index, the first item unless one is named.
  expect(await client.evaluate('e-1', { expression: '[$index, sku]', step: 'weigh' })).toEqual({ ok: true, result: [0, 'a'] });
  expect(await client.evaluate('e-1', { expression: '[$index, $item.qty]', step: 'weigh', index: 1 })).toEqual({ ok: true, result: [1, 5] });
  // Nothing changed: the instance is where it was.
  expect((await client.getInstance('e-1')).current.map((c) => [c.step, c.index])).toEqual([['pack', undefined], ['weigh', 0], ['weigh', 1]]);
});

it('answers a failing expression with its message, code and where it failed', async () => {
  const { client } = server();
  await client.startInstance('eval-orders', { id: 'e-2' });
  expect(await client.evaluate('e-2', { expression: 'lines[qty > ]' })).toEqual({ ok: false, error: { message: expect.stringContaining(']'), code: 'S0211', position: 12 } });
  const runtime = await client.evaluate('e-2', { expression: 'customer + 1' });
  expect(runtime).toEqual({ ok: false, error: { message: expect.stringContaining('must evaluate to a number'), code: 'T2001', position: 9 } });
  // The engine's limits hold here too.
  const deep = await client.evaluate('e-2', { expression: '($f := function($n) { 1 + $f($n + 1) }; $f(0))' });
  expect(deep).toMatchObject({ ok: false, error: { code: 'D1011' } });
});

it('refuses a step the instance is not at, an unknown instance, a bad body and a viewer', async () => {
  const { client, url } = server();
  await client.startInstance('eval-orders', { id: 'e-3' });
  const refused = (promise: Promise<unknown>) => promise.then(() => expect.unreachable(), (err: ProblemError) => [err.status, err.detail]);
  expect(await refused(client.evaluate('e-3', { expression: '1', step: 'prepare' }))).toEqual([409, 'instance "e-3" is not at step "prepare" (it is at "pack", "weigh"): a step\'s data is known while the instance is at it']);
  expect(await refused(client.evaluate('e-3', { expression: '1', step: 'weigh', index: 9 }))).toEqual([409, 'no item 9 of instance "e-3" is at step "weigh" (items 0, 1 are)']);
  expect(await refused(client.evaluate('nobody', { expression: '1' }))).toEqual([404, 'instance "nobody" does not exist']);
  const [status, detail] = await refused(client.evaluate('e-3', {} as never));
  expect(status).toBe(400);
  expect(detail).toContain('expression');
  // It costs the engine's evaluation time, as a step's expressions do: operators may, viewers not.
  const viewer = new SegueClient({ url, apiKey: VIEWER });
  expect(await viewer.getInstance('e-3')).toMatchObject({ id: 'e-3' });
  const [forbidden] = await refused(viewer.evaluate('e-3', { expression: '1' }));
  expect(forbidden).toBe(403);
});
