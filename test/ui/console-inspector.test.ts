/**
 * The instance page's step inspector, map and parallel summaries and history log, end to end, at
 * 1280×800 and 400 px. The test does the tasks of its workflows itself.
 */
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { claim, consoleFixture, DESKTOP, expect, NARROW, node, overflow, SHOTS } from './browser.js';
import { FANOUT_WORKFLOW } from './workflows.js';

const fixture = consoleFixture();

const MANY_WORKFLOW = `name: console-many
description: Send a note to every member, ten at a time.
steps:
  - name: notes
    type: map
    items: members
    concurrency: 10
    steps:
      - name: note
        type: task
        task: email.send
        input: { to: "\${ item }", subject: Hello }
`;

/**
 * console-fanout over five addresses: three verified, two refused (the map tolerates them); then
 * its parallel step, whose email branch is done while its sms branch still runs.
 */
async function fanoutInstance(id: string): Promise<void> {
  const { client } = fixture().server;
  await client.registerWorkflow(FANOUT_WORKFLOW);
  await client.startInstance('console-fanout', { id, input: { addresses: ['a@x.org', 'b@x.org', 'c@x.org', 'd@x.org', 'e@x.org'] } });
  const first = await claim(client, 'console.verify', 4);
  for (const task of first.slice(0, 3)) await client.complete(task.token, { ok: true });
  await client.fail(first[3]!.token, { error: 'NoMailbox', message: 'd@x.org has no mailbox', retryable: false });
  const [last] = await claim(client, 'console.verify', 1);
  await client.fail(last!.token, { error: 'NoMailbox', message: 'e@x.org has no mailbox', retryable: false });
  const [email] = await claim(client, 'console.email', 1);
  await client.complete(email!.token, { sent: 1 });
  await claim(client, 'console.sms', 1);
}

describe('the instance page, inspected', () => {
  for (const viewport of [DESKTOP, NARROW]) {
    const size = `${viewport.width} px`;
    const id = `FAN-${viewport.width}`;

    it(`sums up maps and parallel steps, and expands a map to its items (${size})`, async () => {
      await fanoutInstance(id);
      const { page, errors } = await fixture().open(`#/instances/${id}`, { viewport });
      const map = page.locator('.fanout[data-step="check"]');
      await expect.poll(() => map.locator('.fanout-counts').textContent()).toBe('3 done · 2 failed · 0 running');
      const branches = page.locator('.fanout[data-step="notify"] li');
      await expect.poll(() => branches.allTextContents()).toEqual(['email done · at send', 'sms running · at text']);
      await map.locator('summary').click();
      const rows = map.locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(5);
      await map.locator('select').selectOption('failed');
      await expect.poll(() => rows.locator('td:first-child').allTextContents()).toEqual(['3', '4']);
      expect(await rows.locator('.fanout-error').allTextContents()).toEqual(['NoMailbox: d@x.org has no mailbox', 'NoMailbox: e@x.org has no mailbox']);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      if (viewport === DESKTOP) {
        await map.scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SHOTS, 'console-map.png') });
      }
      expect(errors).toEqual([]);
      await page.close();
    });

    it(`inspects a step from the graph and from the timeline (${size})`, async () => {
      const { page, errors } = await fixture().open(`#/instances/${id}`, { viewport });
      await node(page, 'verify', 'm_failed').click();
      const inspector = page.locator('.inspector[data-step="verify"]');
      await inspector.waitFor();
      expect(await page.locator('.tab[aria-selected="true"]').textContent()).toBe('Step: verify');
      if (viewport === DESKTOP) {
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(SHOTS, 'console-inspector.png') });
      }
      expect(await inspector.locator('h4').first().textContent()).toBe('Attempts (5)');
      // Newest first: the two refused items, then the three verified, the latest of them open.
      const summaries = inspector.locator('.attempt summary');
      expect(await summaries.allTextContents()).toEqual([
        'item 4 · attempt 1 · failed', 'item 3 · attempt 1 · failed', 'item 2 · attempt 1 · completed', 'item 1 · attempt 1 · completed', 'item 0 · attempt 1 · completed',
      ]);
      const latest = inspector.locator('.attempt').first();
      expect(await latest.locator('.error-line').textContent()).toBe('NoMailbox: e@x.org has no mailbox');
      const facts = await latest.locator('dt').allTextContents();
      expect(facts).toEqual(expect.arrayContaining(['Started', 'Ended', 'Took', 'Queued', 'Worker', 'Time limit']));
      // The lease: the engine's default limit, from the time the worker took the task.
      expect(await latest.locator('dd').allTextContents()).toContainEqual(expect.stringMatching(/^5m: deadline /));
      // The input the worker was given (the item's data), as the history recorded it.
      expect(JSON.parse((await latest.locator('.recorded-input pre').textContent())!)).toEqual({ item: 'e@x.org' });
      expect(await latest.locator('dd').allTextContents()).toContain('console-test');
      // A completed item's result, as the map's result in the data holds it (the definition is read for that).
      await inspector.locator('.attempt', { hasText: 'item 0 · attempt 1' }).locator('summary').click();
      await expect.poll(() => inspector.locator('.attempt', { hasText: 'item 0 · attempt 1' }).textContent()).toContain('In the instance\'s data now, at check.0.verify');

      await page.locator('.span-row', { hasText: 'send · email' }).click();
      const send = page.locator('.inspector[data-step="send"]');
      await send.waitFor();
      expect(await send.locator('.attempt summary').allTextContents()).toEqual(['email · attempt 1 · completed']);
      // The whole result the worker returned, as the history keeps it.
      expect(JSON.parse((await send.locator('.recorded-result pre').textContent())!)).toEqual({ sent: 1 });
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('filters the history by event type and step, and expands an event to its details', async () => {
    const { page } = await fixture().open('#/instances/FAN-1280');
    const rows = page.locator('.events > li.event');
    await expect.poll(() => rows.count()).toBeGreaterThan(20);
    await page.locator('select[name="type"]').selectOption('TaskFailed');
    await expect.poll(() => rows.locator('.event-step').allTextContents()).toEqual(['verify · item 3', 'verify · item 4']);
    await rows.first().locator('.event-row').click();
    const more = rows.first().locator('.event-more');
    await more.waitFor();
    expect(await more.locator('pre').textContent()).toContain('"message": "d@x.org has no mailbox"');
    await page.locator('.event-filters').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(SHOTS, 'console-history.png') });
    await page.locator('select[name="type"]').selectOption('');
    await page.locator('select[name="step"]').selectOption('send');
    await expect.poll(() => rows.locator('.event-type').allTextContents()).toEqual(['StepStarted', 'TaskScheduled', 'TaskStarted', 'TaskCompleted', 'StepCompleted']);
    expect(await page.locator('.event-count').textContent()).toMatch(/^5 of \d+ events$/);
    await page.close();
  });

  it('reads only the new part of a growing history', async () => {
    const { server, open } = fixture();
    await server.client.registerWorkflow(`name: console-gate
steps:
  - { name: hold, type: wait, event: go }
  - { name: done, type: succeed }
`);
    await server.client.startInstance('console-gate', { id: 'GATE-1' });
    const { page } = await open('#/instances/GATE-1');
    const types = page.locator('.events > li.event .event-type');
    await expect.poll(() => types.allTextContents()).toEqual(['InstanceStarted', 'StepStarted', 'EventAwaited']);
    const reads: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/history')) reads.push(new URL(request.url()).search);
    });
    await server.client.raiseEvent('GATE-1', 'go');
    await expect.poll(() => types.allTextContents().then((t) => t.at(-1)), { timeout: 15_000 }).toBe('InstanceCompleted');
    // Read after the page had the first three events: only what came after them.
    expect(reads.length).toBeGreaterThan(0);
    for (const query of reads) expect(query).toMatch(/[?&]after=3(&|$)/);
    await page.close();
  });

  it('shows the items of a large map a page at a time', async () => {
    const { server, open } = fixture();
    await server.client.registerWorkflow(MANY_WORKFLOW);
    const members = Array.from({ length: 240 }, (_, i) => `member-${i}@example.com`);
    await server.client.startInstance('console-many', { id: 'MANY-1', input: { members } });
    await eventually(async () => ((await server.client.getInstance('MANY-1')).status === 'COMPLETED' ? true : undefined), { what: 'MANY-1 to complete' });
    const { page } = await open('#/instances/MANY-1');
    const map = page.locator('.fanout[data-step="notes"]');
    await expect.poll(() => map.locator('.fanout-counts').textContent()).toBe('240 done · 0 failed · 0 running');
    await map.locator('summary').click();
    await expect.poll(() => map.locator('.pager .muted').textContent()).toBe('items 1–50 of 240');
    expect(await map.locator('tbody tr').count()).toBe(50);
    for (let page = 1; page < 5; page += 1) await map.getByRole('button', { name: 'Next →' }).click();
    await expect.poll(() => map.locator('tbody td:first-child').allTextContents()).toEqual(Array.from({ length: 40 }, (_, i) => String(200 + i)));
    // The timeline shows the first rows, the rest on demand.
    const bars = page.locator('.span-row');
    expect(await bars.count()).toBe(200);
    await page.getByRole('button', { name: 'Show the other 41 attempts' }).click();
    await expect.poll(() => bars.count()).toBe(241);
    await page.close();
  });
});
