/** The list pages end to end: filters from the address, schedules and their actions, and lists that fit a narrow window. */
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { formatTime } from '../../ui/src/dom.js';
import { eventually } from '../helpers/server.js';
import { consoleFixture, DESKTOP, expect, NARROW, overflow, SHOTS } from './browser.js';

const fixture = consoleFixture();

describe('the lists', () => {
  it('says plainly when a date in the address is not a date', async () => {
    const { page } = await fixture().open('#/instances?from=yesterday&status=RUNNING');
    const box = page.locator('.error-box');
    await box.waitFor();
    expect(await box.textContent()).toBe('"Created from" in the address is "yesterday", which is not a date and time: pick one in the filter above.');
    expect(await page.locator('body').textContent()).not.toContain('Invalid time value');
    expect(await page.locator('.status-toggle[data-status="RUNNING"] input').isChecked()).toBe(true);
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

  for (const viewport of [DESKTOP, NARROW]) {
    it(`lists schedules with their next fires, and pauses, resumes and triggers one (${viewport.width} px)`, async () => {
      const { server, open } = fixture();
      const id = `nightly-report-${viewport.width}`;
      const created = await server.client.createSchedule({ id, workflow: 'batch-fanout', cron: '0 3 * * *', timezone: 'Europe/Paris', input: { date: '2025-01-01' } });
      const { page, errors } = await open('#/schedules', { viewport });
      const row = page.locator(`tr[data-schedule="${id}"]`);
      await row.waitFor();
      // The page shows local times; the browser runs in this machine's time zone, as this process does.
      expect(await row.locator('.next-fire').textContent()).toBe(formatTime(created.nextFires[0]));
      expect(await row.textContent()).toContain('0 3 * * * Europe/Paris');
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      if (viewport === DESKTOP) await page.screenshot({ path: join(SHOTS, 'console-schedules.png') });

      await row.locator('button[data-action="pause"]').click();
      await page.locator('dialog button[type="submit"]').click();
      await expect.poll(() => row.locator('.badge').textContent()).toBe('PAUSED');
      expect(await row.locator('.next-fire').textContent()).toBe('—');
      expect((await server.client.getSchedule(id)).paused).toBe(true);
      await row.locator('button[data-action="resume"]').click();
      await page.locator('dialog button[type="submit"]').click();
      await expect.poll(() => row.locator('.badge').textContent()).toBe('ACTIVE');

      await row.locator(`a[href="#/schedules/${id}"]`).click();
      await page.locator('.next-fires li').first().waitFor();
      expect(await page.locator('.next-fires li').allTextContents()).toEqual(created.nextFires.map(formatTime));
      await page.locator('button[data-action="trigger"]').click();
      await page.locator('dialog button[type="submit"]').click();
      const started = await eventually(async () => (await server.client.getSchedule(id)).recent.find((f) => f.instanceId !== null)?.instanceId ?? undefined, { what: 'the triggered fire' });
      const instanceLink = page.locator(`.recent-fires a[href="#/instances/${encodeURIComponent(started)}"]`);
      await instanceLink.waitFor();
      expect(await page.locator('.recent-fires .fire').first().textContent()).toBe('started');
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, viewport === DESKTOP ? 'console-schedule.png' : 'console-schedule-narrow.png') });
      await instanceLink.click();
      await page.waitForURL(new RegExp(`#/instances/${encodeURIComponent(started)}$`));
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
