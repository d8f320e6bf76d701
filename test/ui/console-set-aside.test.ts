/**
 * An instance set aside, in the console: the server's fault seam makes every transition that
 * starts step "poison" throw, and with --set-aside-after 1 the first such throw sets the instance
 * aside. Its page says why in a banner that offers Retry and Terminate (and nothing else); a retry
 * while the fault is still there is refused in the dialog; the list filters on the mark.
 */
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { InstanceView } from '../../client/http-client.js';
import { eventually } from '../helpers/server.js';
import { consoleFixture, DESKTOP, expect, NARROW, overflow, SHOTS } from './browser.js';

const fixture = consoleFixture({ args: ['--set-aside-after', '1'], env: { SEGUE_TEST_TRANSITION_FAULT: 'throw:poison' } });

const POISONED = `name: poisoned
steps:
  - { name: pause, type: delay, duration: 200ms }
  - { name: poison, type: set, values: { reached: true } }
  - { name: done, type: succeed, output: { reached: "\${ reached }" } }
`;

async function setAside(id: string): Promise<InstanceView> {
  const { client } = fixture().server;
  await client.startInstance('poisoned', { id });
  return eventually(async () => {
    const view = await client.getInstance(id);
    return view.setAside ? view : undefined;
  }, { what: `instance ${id} to be set aside` });
}

describe('an instance set aside', () => {
  it('has a banner with the reason and its two actions; a retry that fails again is refused, Terminate ends it', async () => {
    const { server, open } = fixture();
    await server.client.registerWorkflow(POISONED);
    const view = await setAside('SA-1');
    expect(view.setAside).toMatchObject({ tries: 1, input: 'timerFired', step: 'pause', held: 1 });
    const { page, errors } = await open('#/instances/SA-1');
    const banner = page.locator('.set-aside-banner');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.locator('.set-aside-reason').textContent()).toBe(view.setAside!.reason);
    expect(view.setAside!.reason).toBe('applying its timerFired input (step "pause") threw Error: fault injected at the start of step "poison" (SEGUE_TEST_TRANSITION_FAULT)');
    await page.locator('.page-header .badge', { hasText: 'SET ASIDE' }).waitFor();
    await page.locator('.graph g.node').first().waitFor();
    expect(await page.locator('.page-actions button').count()).toBe(0);
    const actions = await banner.locator('button').evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).dataset.action));
    expect(actions).toEqual(['retry', 'terminate']);
    await page.screenshot({ path: join(SHOTS, 'console-set-aside.png') });
    for (const viewport of [NARROW, DESKTOP]) {
      await page.setViewportSize(viewport);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
    }

    await banner.locator('button[data-action="retry"]').click();
    expect(await page.locator('dialog .dialog-message').textContent()).toContain('if applying them fails again, nothing changes and it stays set aside');
    await page.locator('dialog button[type="submit"]').click();
    const refusal = page.locator('dialog .dialog-error');
    await expect.poll(() => refusal.textContent()).toContain('was not retried: applying its timerFired input threw again');
    await page.locator('dialog button', { hasText: 'Close' }).click();
    expect((await server.client.getInstance('SA-1')).setAside?.held).toBe(1);

    await banner.locator('button[data-action="terminate"]').click();
    await page.locator('dialog button[type="submit"]').click();
    await page.locator('.page-header .badge', { hasText: 'TERMINATED' }).waitFor();
    await banner.waitFor({ state: 'detached' });
    expect(await page.locator('.page-header .badge', { hasText: 'SET ASIDE' }).count()).toBe(0);
    // The browser logs the refused retry; nothing else went wrong.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
    await page.close();
  });

  it('is listed, marked, by the "Set aside only" filter', async () => {
    const { server, open } = fixture();
    await server.client.registerWorkflow(POISONED);
    await setAside('SA-2');
    await server.client.startInstance('order-processing', {
      id: 'SA-OTHER',
      input: { orderId: 'SA-OTHER', customer: { email: 'ada@example.com' }, items: [{ sku: 'BOOK-1', quantity: 1, price: 12.5 }], card: '4242' },
    });
    const { page, errors } = await open('#/instances');
    await page.locator('table tbody tr', { hasText: 'SA-OTHER' }).waitFor();
    await page.locator('input[name="setAside"]').check();
    await page.locator('form.filters button[type="submit"]').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('setAside=true');
    await expect.poll(() => page.locator('table tbody tr td.mono').allTextContents()).toEqual(['SA-2']);
    expect(await page.locator('table tbody tr .badge', { hasText: 'SET ASIDE' }).count()).toBe(1);
    expect(await page.locator('input[name="setAside"]').isChecked()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
