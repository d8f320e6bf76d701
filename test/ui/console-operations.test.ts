/**
 * The operator's pages end to end: the expression tester of an instance, the instance list's
 * triage (search, statuses and their counts, bulk actions) and the queues page.
 */
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { consoleFixture, DESKTOP, expect, NARROW, overflow, SHOTS } from './browser.js';

const fixture = consoleFixture();

const ORDERS = `name: ops-orders
steps:
  - name: prepare
    type: set
    values: { "lines": [{ "sku": "a", "qty": 2, "price": 3 }, { "sku": "b", "qty": 5, "price": 1.5 }], "customer": "c-7" }
    next: pack
  - name: pack
    type: map
    items: \${ lines }
    steps:
      - { name: weigh, type: task, task: ops.weigh }
`;

describe('the expression tester', () => {
  for (const viewport of [DESKTOP, NARROW]) {
    it(`evaluates on the server against the instance's data or a step's, and shows a failure at its place (${viewport.width} px)`, async () => {
      const { server, open } = fixture();
      await server.client.registerWorkflow(ORDERS);
      const id = `tester-${viewport.width}`;
      await server.client.startInstance('ops-orders', { id, input: { region: 'eu' } });
      const { page, errors, requests } = await open(`#/instances/${id}`, { viewport });
      const tester = page.locator('#expression-tester');
      const target = tester.locator('select[name="target"]');
      await expect.poll(() => target.locator('option').allTextContents()).toEqual(["the instance's data", 'step pack', 'step weigh · item 0', 'step weigh · item 1']);

      const expression = tester.locator('textarea[name="expression"]');
      await expression.fill('$sum(lines.(qty * price)) & " for " & $input.region');
      await tester.locator('button[type="submit"]').click();
      await expect.poll(() => tester.locator('.evaluation pre').textContent()).toBe('"13.5 for eu"');
      expect(requests).toContain(`POST /v1/instances/${id}/evaluate`);

      // A map item's data and bindings, evaluated with Ctrl+Enter.
      await target.selectOption({ label: 'step weigh · item 1' });
      await expression.fill('{ "index": $index, "sku": sku }');
      await expression.press('Control+Enter');
      await expect.poll(() => tester.locator('.evaluation pre').textContent()).toBe(JSON.stringify({ index: 1, sku: 'b' }, null, 2));

      await expression.fill('nothing.here');
      await expression.press('Control+Enter');
      await expect.poll(() => tester.locator('.result-none').count()).toBe(1);

      // A type error at run time: its code and message, and the character it failed at marked.
      await target.selectOption({ label: "the instance's data" });
      await expression.fill('customer + 1');
      await expression.press('Control+Enter');
      const failure = tester.locator('.evaluation-error');
      await failure.waitFor();
      expect(await failure.locator('.error-line').textContent()).toMatch(/^T2001: .*must evaluate to a number.* \(at character 10\)$/);
      expect(await failure.locator('.error-at mark').textContent()).toBe('+');
      expect(await failure.locator('.error-at').textContent()).toBe('customer + 1\n         ^');
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await tester.scrollIntoViewIfNeeded();
      if (viewport === DESKTOP) await tester.screenshot({ path: join(SHOTS, 'console-expression.png') });

      // The choices follow the instance: once its items are done, only its data is left.
      for (const task of await server.client.poll({ types: ['ops.weigh'], worker: 'w', max: 2 })) await server.client.complete(task.token, { kg: 1 });
      await expect.poll(() => target.locator('option').allTextContents(), { timeout: 10_000 }).toEqual(["the instance's data"]);
      await expression.fill('$count(pack)');
      await expression.press('Control+Enter');
      await expect.poll(() => tester.locator('.evaluation pre').textContent()).toBe('2');
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
