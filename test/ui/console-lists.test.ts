/** The list pages end to end: filters from the address, and lists that fit a narrow window. */
import { describe, it } from 'vitest';
import { consoleFixture, expect, NARROW, overflow } from './browser.js';

const fixture = consoleFixture();

describe('the lists', () => {
  it('says plainly when a date in the address is not a date', async () => {
    const { page } = await fixture().open('#/instances?from=yesterday&status=RUNNING');
    const box = page.locator('.error-box');
    await box.waitFor();
    expect(await box.textContent()).toBe('"Created from" in the address is "yesterday", which is not a date and time: pick one in the filter above.');
    expect(await page.locator('body').textContent()).not.toContain('Invalid time value');
    expect(await page.locator('select[name="status"]').inputValue()).toBe('RUNNING');
    await page.close();
  });

  it('fit a 400 px window', async () => {
    const { server, open } = fixture();
    for (const id of ['a-rather-long-instance-id-0001', 'a-rather-long-instance-id-0002']) await server.client.startInstance('eternal-aggregator', { id, input: { meterId: id } });
    const { page } = await open('#/workflows', { viewport: NARROW });
    for (const [path, selector] of [['#/workflows', 'tbody tr'], ['#/instances', 'tbody tr']] as const) {
      await page.goto(`${server.url}/ui/${path}`);
      await page.locator(selector).first().waitFor();
      expect(await overflow(page), path).toBeLessThanOrEqual(0);
      const scrolls = await page.locator('.card.flush').evaluateAll((cards) => cards.map((c) => c.scrollWidth - c.clientWidth));
      expect(scrolls, `${path}: the list scrolls sideways`).toEqual(scrolls.map(() => 0));
    }
    await page.close();
  });
});
