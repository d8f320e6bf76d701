/**
 * The operator's pages end to end: the expression tester of an instance, the instance list's
 * triage (search, statuses and their counts, bulk actions) and the queues page.
 */
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { advanceUntil, claim, consoleFixture, DESKTOP, expect, NARROW, overflow, SHOTS } from './browser.js';

// A queue nobody polls needs attention at once, rather than after a minute.
const fixture = consoleFixture({ env: { SEGUE_ATTENTION_UNPOLLED: '0s' } });

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

const PAY = `name: ops-pay
steps:
  - { name: charge, type: task, task: ops.payments }
`;

describe('the queues page', () => {
  for (const viewport of [DESKTOP, NARROW]) {
    it(`shows each queue's depth, oldest task and workers, and the instances needing attention with why (${viewport.width} px)`, async () => {
      const { server, open } = fixture();
      const stuck = `pay-${viewport.width}`;
      const served = `paid-${viewport.width}`;
      const queue = `ops.payments.${viewport.width}`;
      const other = `ops.refunds.${viewport.width}`;
      // Two queues: one nobody polls, one whose task a worker holds.
      await server.client.registerWorkflow(PAY.replace('ops-pay', `ops-pay-${viewport.width}`).replace('ops.payments', queue));
      await server.client.registerWorkflow(PAY.replace('ops-pay', `ops-refund-${viewport.width}`).replace('ops.payments', other));
      await server.client.startInstance(`ops-pay-${viewport.width}`, { id: stuck });
      await server.client.startInstance(`ops-refund-${viewport.width}`, { id: served });
      const [held] = await server.client.poll({ types: [other], worker: 'refunder-1', wait: '2s' });
      expect(held!.instanceId).toBe(served);

      const tab = await open('#/queues', { viewport, clock: true });
      const { page, errors } = tab;
      const unpolled = page.locator(`tr[data-queue="${queue}"]`);
      await unpolled.waitFor();
      expect(await unpolled.locator('.queued').textContent()).toBe('1');
      expect(await unpolled.locator('.oldest').textContent()).not.toBe('—');
      expect(await unpolled.locator('.leased').textContent()).toBe('0');
      expect(await unpolled.locator('.workers').textContent()).toBe('none');
      const busy = page.locator(`tr[data-queue="${other}"]`);
      expect(await busy.locator('.queued').textContent()).toBe('0');
      expect(await busy.locator('.oldest').textContent()).toBe('—');
      expect(await busy.locator('.leased').textContent()).toBe('1');
      // With a recent window of 0 s, no poll is recent: the worker is known by the lease it holds.
      expect(await busy.locator('.workers').textContent()).toBe('refunder-1 holds 1 · known by its leases');

      const reason = page.locator(`.attention tr[data-instance="${stuck}"]`);
      await reason.waitFor();
      expect(await reason.locator('.check').textContent()).toBe('queue-unpolled');
      expect(await reason.locator('.why').textContent()).toContain(`step "charge" waits on queue "${queue}"`);
      expect(await page.locator(`.attention tr[data-instance="${served}"]`).count()).toBe(0);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, viewport === DESKTOP ? 'console-queues.png' : 'console-queues-narrow.png'), fullPage: viewport === NARROW });

      // Once a worker takes the task, the instance no longer needs attention (the page looks again by itself).
      const [taken] = await server.client.poll({ types: [queue], worker: 'cashier-1', wait: '2s' });
      expect(taken!.instanceId).toBe(stuck);
      expect(await advanceUntil(tab, 5_000, async () => (await reason.count()) === 0)).toBe(true);
      expect(await unpolled.locator('.workers').textContent()).toBe('cashier-1 holds 1 · known by its leases');
      await page.locator(`.nav a[href="#/queues"].active`).waitFor();
      for (const task of [held!, taken!]) await server.client.complete(task.token, {});
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

describe('triage on the instance list', () => {
  for (const viewport of [DESKTOP, NARROW]) {
    it(`finds instances by id and business key, counts and combines statuses, shows errors, refreshes, and acts on the filtered set (${viewport.width} px)`, async () => {
      const { server, open } = fixture();
      const w = viewport.width;
      const [waiting, charging, queue] = [`triage-wait-${w}`, `triage-charge-${w}`, `triage.charge.${w}`];
      await server.client.registerWorkflow(`name: ${waiting}\nsteps:\n  - { name: paid, type: wait, event: paid, correlate: orderId }\n`);
      await server.client.registerWorkflow(`name: ${charging}\nsteps:\n  - { name: charge, type: task, task: ${queue} }\n`);
      for (const n of [1, 2, 3]) await server.client.startInstance(waiting, { id: `tw-${w}-${n}`, input: { orderId: `ORD-${w}-${n}` } });
      for (const n of [1, 2]) await server.client.startInstance(charging, { id: `tc-${w}-${n}` });
      for (const task of await claim(server.client, queue, 2)) await server.client.fail(task.token, { error: 'CardDeclined', message: `card of ${task.instanceId} declined` });

      const tab = await open(`#/instances?workflow=${charging}&status=FAILED`, { viewport, clock: true });
      const { page, errors } = tab;
      const ids = (): Promise<string[]> => page.locator('tbody tr[data-instance]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.instance!));
      const count = (status: string) => page.locator(`.status-toggle[data-status="${status}"] .count`).textContent();
      await expect.poll(ids).toEqual([`tc-${w}-2`, `tc-${w}-1`]);
      expect(await count('FAILED')).toBe('2');
      expect(await count('RUNNING')).toBe('0');
      expect(await page.locator(`tr[data-instance="tc-${w}-1"] .error-cell`).textContent()).toBe(`CardDeclined: card of tc-${w}-1 declined`);
      expect(await overflow(page)).toBeLessThanOrEqual(0);

      // Retry the filtered set: the confirmation says how many.
      await page.locator('button[data-bulk="retry"]').click();
      const dialog = page.locator('dialog');
      expect(await dialog.locator('.bulk-count').textContent()).toBe(`Retry 2 instances: those failed of the 2 instances that match workflow ${charging}, status FAILED.`);
      if (viewport === DESKTOP) await page.screenshot({ path: join(SHOTS, 'console-triage.png') });
      await dialog.locator('button[type="submit"]').click();
      await expect.poll(() => page.locator('.bulk-outcome').textContent()).toBe('Retried 2 of 2 instances.');
      expect((await server.client.getInstance(`tc-${w}-1`)).status).toBe('RUNNING');
      await expect.poll(() => count('RUNNING')).toBe('2');
      expect(await count('FAILED')).toBe('0');

      // Several statuses at once, as they are ticked.
      await page.locator('.status-toggle[data-status="RUNNING"] input').check();
      await page.waitForURL(/status=RUNNING%2CFAILED/);
      await expect.poll(ids).toEqual([`tc-${w}-2`, `tc-${w}-1`]);

      // Auto-refresh: what changes on the server shows without a reload.
      await page.locator('input[name="live"]').check();
      await page.waitForURL(/live=1/);
      await expect.poll(ids).toEqual([`tc-${w}-2`, `tc-${w}-1`]);
      for (const task of await claim(server.client, queue, 2)) await server.client.complete(task.token, {});
      expect(await advanceUntil(tab, 6_000, async () => (await ids()).length === 0)).toBe(true);
      expect(await count('COMPLETED')).toBe('2');

      // By business key (the wait's correlation key), and by id.
      await page.goto(`${server.url}/ui/#/instances`);
      await page.locator('input[name="q"]').fill(`ORD-${w}-2`);
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect.poll(ids).toEqual([`tw-${w}-2`]);
      await page.locator('input[name="q"]').fill(`tw-${w}-3`);
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect.poll(ids).toEqual([`tw-${w}-3`]);

      // Cancel every instance of a workflow, from the whole set (not only the page shown).
      await page.goto(`${server.url}/ui/#/instances?workflow=${waiting}&limit=20`);
      await expect.poll(ids).toEqual([3, 2, 1].map((n) => `tw-${w}-${n}`));
      await page.locator('button[data-bulk="cancel"]').click();
      expect(await dialog.locator('.bulk-count').textContent()).toBe(`Cancel 3 instances: those not finished of the 3 instances that match workflow ${waiting}.`);
      await dialog.locator('button[type="submit"]').click();
      await expect.poll(() => page.locator('.bulk-outcome').textContent()).toBe('Cancelled 3 of 3 instances.');
      expect((await server.client.countInstances({ workflow: waiting })).counts.CANCELLED).toBe(3);
      await expect.poll(() => count('CANCELLED')).toBe('3');
      // Nothing left to cancel: the confirmation says so.
      await page.locator('button[data-bulk="cancel"]').click();
      expect(await dialog.locator('.bulk-count').textContent()).toBe(`Cancel 0 instances: those not finished of the 3 instances that match workflow ${waiting}.`);
      expect(await dialog.locator('button[type="submit"]').textContent()).toBe('Nothing to do');
      await dialog.getByRole('button', { name: 'Close' }).click();
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      // The one error the browser logs: the search for a key first looked for an instance of that id.
      expect(errors).toEqual(['Failed to load resource: the server responded with a status of 404 (Not Found)']);
      await page.close();
    });
  }
});
