/**
 * The event pages end to end: the triggers each workflow declares, and the subscriptions — made
 * in the console against a real local receiver that refuses, so a dead letter appears — paused,
 * resumed, their dead letter delivered again and deleted.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { consoleFixture, DESKTOP, expect, NARROW, overflow, SHOTS } from './browser.js';

// The receiver listens on 127.0.0.1, which a subscription's URL may name only when allowed.
const fixture = consoleFixture({ env: { SEGUE_HTTP_ALLOW: '127.0.0.1' } });
let hooks: Subscriber;
beforeAll(async () => {
  hooks = await startSubscriber();
});
afterAll(async () => {
  await hooks?.close();
});

const signup = (name: string): string => `name: ${name}
triggers:
  - event: user.created.${name}
    filter: "data.plan != 'spam'"
    input: { user: "\${ data.user }", from: "\${ source }" }
    id: "signup-\${ data.user }"
  - event: user.deleted.${name}
steps:
  - { name: welcome, type: succeed }
`;

describe('the triggers page', () => {
  for (const viewport of [DESKTOP, NARROW]) {
    it(`lists each workflow's triggers with their event, filter, input and id, linked to the workflow (${viewport.width} px)`, async () => {
      const { server, open } = fixture();
      const name = `signup-${viewport.width}`;
      await server.client.registerWorkflow(signup(name));
      const { page, errors } = await open('#/triggers', { viewport });
      const first = page.locator(`tr[data-trigger="${name}#1"]`);
      await first.waitFor();
      expect(await first.locator('.event').textContent()).toBe(`user.created.${name}`);
      expect(await first.locator('.filter').textContent()).toBe("data.plan != 'spam'");
      expect(JSON.parse((await first.locator('.input').textContent())!)).toEqual({ user: '${ data.user }', from: '${ source }' });
      expect(await first.locator('.instance-id').textContent()).toBe('signup-${ data.user }');
      // What a trigger leaves out is said as what it means.
      const second = page.locator(`tr[data-trigger="${name}#2"]`);
      expect(await second.locator('.event').textContent()).toBe(`user.deleted.${name}`);
      expect(await second.locator('.filter').textContent()).toBe('—');
      expect(await second.locator('.input').textContent()).toBe("the event's data");
      expect(await second.locator('.instance-id').textContent()).toBe('from the event id');
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.locator('.nav a[href="#/triggers"].active').waitFor();
      await page.screenshot({ path: join(SHOTS, viewport === DESKTOP ? 'console-triggers.png' : 'console-triggers-narrow.png'), fullPage: viewport === NARROW });
      await first.locator(`a[href="#/workflows/${name}/1"]`).click();
      await page.waitForURL(new RegExp(`#/workflows/${name}/1$`));
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

describe('the subscriptions pages', () => {
  for (const viewport of [DESKTOP, NARROW]) {
    it(`create a subscription, show its failing delivery and dead letter, and pause, resume, redeliver and delete (${viewport.width} px)`, async () => {
      const { server, open } = fixture();
      const w = viewport.width;
      const [workflow, id] = [`quick-${w}`, `hooks-${w}`];
      await server.client.registerWorkflow(`name: ${workflow}\nsteps:\n  - { name: done, type: succeed }\n`);
      hooks.answer = 503;
      const { page, errors } = await open('#/subscriptions', { viewport });
      await page.locator('button[data-action="create"]').click();
      const dialog = page.locator('dialog');
      // The API's refusal shows in the dialog, which stays open to fix it.
      await dialog.locator('input[name="url"]').fill('http://10.0.0.1/hooks');
      await dialog.locator('button[type="submit"]').click();
      await expect.poll(() => dialog.locator('.dialog-error').textContent()).toContain('private, loopback or link-local');
      await dialog.locator('input[name="url"]').fill(hooks.url);
      await dialog.locator('input[name="types"]').fill('segue.instance.completed');
      await dialog.locator('input[name="workflow"]').fill(workflow);
      await dialog.locator('input[name="maxAttempts"]').fill('1');
      await dialog.locator('input[name="id"]').fill(id);
      await dialog.locator('button[type="submit"]').click();
      await expect.poll(() => dialog.count()).toBe(0);
      const secret = await page.locator('.notice-box.created .secret').textContent();
      expect(secret).toMatch(/^whsec_/);
      expect(await server.client.getSubscription(id)).toMatchObject({ url: hooks.url, types: ['segue.instance.completed'], workflow, maxAttempts: 1, paused: false });

      // The receiver refuses the one event: after its one attempt it is a dead letter.
      await server.client.startInstance(workflow, { id: `sub-${w}` });
      const [letter] = await eventually(async () => {
        const letters = await server.client.deadLetters(id);
        return letters.length > 0 ? letters : undefined;
      }, { what: 'a dead letter' });
      expect(hooks.received.some((r) => r.event.id === letter!.eventId)).toBe(true);
      const row = page.locator(`tr[data-subscription="${id}"]`);
      await page.reload();
      await row.waitFor();
      expect(await row.locator('.url').textContent()).toBe(hooks.url);
      expect(await row.locator('.delivered').textContent()).toBe('0');
      expect(await row.textContent()).toContain(`segue.instance.completed of ${workflow}`);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      if (viewport === DESKTOP) await page.screenshot({ path: join(SHOTS, 'console-subscriptions.png') });

      await row.locator('button[data-action="pause"]').click();
      await dialog.locator('button[type="submit"]').click();
      await expect.poll(() => row.locator('.badge').textContent()).toBe('PAUSED');
      expect((await server.client.getSubscription(id)).paused).toBe(true);
      await row.locator('button[data-action="resume"]').click();
      await dialog.locator('button[type="submit"]').click();
      await expect.poll(() => row.locator('.badge').textContent()).toBe('ACTIVE');
      expect((await server.client.getSubscription(id)).paused).toBe(false);

      // Its page: the dead letter with why; delivered again while the receiver refuses, it says so and stays.
      await row.locator(`a[href="#/subscriptions/${id}"]`).click();
      const dead = page.locator(`.dead-letters tr[data-event="${letter!.eventId}"]`);
      await dead.waitFor();
      expect(await dead.textContent()).toContain(`segue.instance.completed · sub-${w}`);
      expect(await dead.locator('.why').textContent()).toMatch(/503.*\(after 1 attempt\)$/);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, viewport === DESKTOP ? 'console-subscription.png' : 'console-subscription-narrow.png'), fullPage: viewport === NARROW });
      const before = hooks.received.length;
      await dead.locator('button[data-action="redeliver"]').click();
      await dialog.locator('button[type="submit"]').click();
      await expect.poll(() => dialog.locator('.dialog-error').textContent()).toMatch(/^Not delivered: .*503.*It stays a dead letter\.$/);
      expect(hooks.received.length).toBe(before + 1);
      expect(await server.client.deadLetters(id)).toHaveLength(1);
      // Once the receiver takes it, it is delivered and no longer a dead letter.
      hooks.answer = 200;
      await dialog.locator('button[type="submit"]').click();
      await expect.poll(() => dialog.count()).toBe(0);
      expect(hooks.received.at(-1)!.event.id).toBe(letter!.eventId);
      expect(await server.client.deadLetters(id)).toEqual([]);
      await expect.poll(() => dead.count()).toBe(0);
      expect(await page.locator('.dead-letters').count()).toBe(0);

      await page.locator('button[data-action="delete"]').click();
      expect(await dialog.locator('.dialog-message').textContent()).toContain('its dead letters are deleted with it');
      await dialog.locator('button[type="submit"]').click();
      await page.waitForURL(/#\/subscriptions$/);
      await expect.poll(() => server.client.listSubscriptions().then((all) => all.map((s) => s.id))).not.toContain(id);
      await page.locator('h1', { hasText: 'Subscriptions' }).waitFor();
      expect(await page.locator(`tr[data-subscription="${id}"]`).count()).toBe(0);
      await page.locator('.nav a[href="#/subscriptions"].active').waitFor();
      // The one error the browser logs: the refused creation.
      expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
      await page.close();
    });
  }
});
