/**
 * The web console end to end: headless Chromium against a real `segue serve` (see browser.ts),
 * from the playground through an instance to its end, actions refused, lists, narrow windows and
 * API keys. The screenshots of docs/console.md come from these tests (SEGUE_SCREENSHOTS=docs/images).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startServer } from '../helpers/server.js';
import { consoleFixture, node, overflow, SHOTS } from './browser.js';

const WORKFLOW = `name: console-approval
description: Ask for approval, wait for the answer, then place the order.
steps:
  - name: ask
    type: task
    task: approvals.request
    input: { requestId: "\${ requestId }", approver: "\${ approver }" }

  - name: answer
    type: wait
    event: approval
    timeout: 1d
    onTimeout: expired

  - name: check
    type: choice
    choices:
      - when: answer.approved = true
        next: place
    otherwise: rejected

  - name: place
    type: task
    task: purchases.place
    input: { requestId: "\${ requestId }" }

  - name: done
    type: succeed
    output: { orderNumber: "\${ place.orderNumber }", approvedBy: "\${ answer.by }" }

  - name: rejected
    type: fail
    error: Rejected
    message: "Request \${ requestId } was rejected"

  - name: expired
    type: fail
    error: NoAnswer
    message: Nobody answered in time
`;

const BROKEN = WORKFLOW.replace('next: place', 'next: plase');
const INPUT = { requestId: 'PR-1', approver: 'carol@example.com' };
const APPROVAL_INPUT = { requestId: 'PR-2', requester: 'dan@example.com', approver: 'carol@example.com', item: 'Laptop', amount: 1450 };
// Nine seats where six are left: the flight fails and the bookings made are compensated.
const TRIP_INPUT = { tripId: 'T-1', traveler: 'ada@example.com', city: 'Lisbon', from: '2025-06-10', to: '2025-06-14', seats: 9 };

const fixture = consoleFixture();

describe('the web console', () => {
  it('takes a workflow from the playground through a wait step to the end', async () => {
    const { page, errors } = await fixture().open('#/playground');
    const editor = page.locator('.editor-input');
    await editor.fill(WORKFLOW);
    await page.locator('.check-state', { hasText: 'valid' }).waitFor();
    await page.locator('.graph svg g.node', { hasText: 'answer' }).waitFor();

    // Problems appear at their line, in the words of `segue validate`.
    const file = join(fixture().dir, 'broken.yaml');
    writeFileSync(file, BROKEN);
    const cli = await runCli(['validate', file]);
    const [, line, column, message] = /:(\d+):(\d+): (.*)$/.exec(`${cli.stdout}${cli.stderr}`.trim())!;
    await editor.fill(BROKEN);
    await expect.poll(() => page.locator('.problems li').allTextContents()).toEqual([`${line}:${column}${message}`]);
    expect(await page.locator('.backdrop-line').nth(Number(line) - 1).locator('.lens').textContent()).toBe(message);
    expect(await page.locator('.gutter-line.has-problem').allTextContents()).toEqual([line]);
    expect(await page.getByRole('button', { name: 'Register' }).isDisabled()).toBe(true);
    await page.locator('.problems button').click();
    const caret = await editor.evaluate((el: HTMLTextAreaElement) => el.selectionStart);
    expect(caret).toBe(BROKEN.split('\n').slice(0, Number(line) - 1).join('\n').length + Number(column));
    await page.screenshot({ path: join(SHOTS, 'console-playground.png') });

    await editor.fill(WORKFLOW);
    await page.locator('.check-state', { hasText: 'valid' }).waitFor();
    await page.getByRole('button', { name: 'Register' }).click();
    await page.locator('dialog', { hasText: 'No workflow has this name yet' }).locator('button[type="submit"]').click();
    await page.locator('.register-result', { hasText: 'Registered console-approval v1' }).waitFor();
    await page.locator('.register-result a').click();

    await page.locator('.graph svg g.node', { hasText: 'place' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-definition.png') });
    await page.getByRole('button', { name: 'Start instance' }).click();
    await page.locator('dialog textarea[name="input"]').fill(JSON.stringify(INPUT));
    await page.locator('dialog input[name="id"]').fill('CA-1');
    await page.locator('dialog button[type="submit"]').click();
    await page.waitForURL(/#\/instances\/CA-1$/);

    // The worker did "ask"; the instance now waits, which the graph shows without a reload.
    await node(page, 'answer', 'm_current').waitFor();
    await node(page, 'ask', 'm_completed').waitFor();
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await page.screenshot({ path: join(SHOTS, 'console-instance.png'), fullPage: true });

    await page.locator('button[data-action="raise"]').click();
    expect(await page.locator('dialog input[name="event"]').inputValue()).toBe('approval');
    await page.locator('dialog textarea[name="payload"]').fill('{"approved": true, "by": "carol@example.com"}');
    await page.locator('dialog button[type="submit"]').click();

    await page.locator('.page-header .badge', { hasText: 'COMPLETED' }).waitFor();
    for (const label of ['answer', 'check', 'place', 'done', 'end']) await node(page, label, 'm_completed').waitFor();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await page.locator('.panel-body').textContent()).toContain('"approvedBy": "carol@example.com"');
    expect(await page.locator('.events li', { hasText: 'EventReceived' }).count()).toBe(1);
    expect(await page.locator('.span-row').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^answer\d/)]));
    await page.screenshot({ path: join(SHOTS, 'console-instance-completed.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the API's refusal plainly when an action is no longer possible", async () => {
    const { server, open } = fixture();
    await server.client.startInstance('human-approval', { id: 'HA-1', input: APPROVAL_INPUT });
    const { page, errors } = await open('#/instances/HA-1');
    await node(page, 'decision', 'm_current').waitFor();
    await page.locator('button[data-action="cancel"]').click();
    // Someone else ends the instance while the dialog is open.
    await server.client.lifecycle('HA-1', 'terminate', 'done elsewhere');
    await page.locator('dialog button[type="submit"]').click();
    const refusal = page.locator('dialog .dialog-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe('Not possible in the current status: instance "HA-1" cannot cancel: instance HA-1 is TERMINATED');
    await page.locator('dialog').getByRole('button', { name: 'Close' }).click();
    await page.locator('.page-header .badge', { hasText: 'TERMINATED' }).waitFor();
    expect(await page.locator('.page-actions button').count()).toBe(0);
    // The browser logs the refused request itself; nothing else went wrong.
    expect(errors).toEqual([expect.stringContaining('status of 409')]);
    await page.close();
  });

  it('lists instances by workflow and status, a page at a time', async () => {
    const { server, open } = fixture();
    for (const id of ['EA-1', 'EA-2', 'EA-3']) await server.client.startInstance('eternal-aggregator', { id, input: { meterId: id } });
    await server.client.lifecycle('EA-2', 'terminate');
    const { page } = await open('#/instances?workflow=eternal-aggregator&limit=1');
    const ids = (): Promise<string[]> => page.locator('tbody tr td:first-child').allTextContents();
    await expect.poll(ids).toEqual(['EA-3']);
    await page.getByRole('button', { name: 'Older →' }).click();
    await expect.poll(ids).toEqual(['EA-2']);
    await page.getByRole('button', { name: 'Older →' }).click();
    await expect.poll(ids).toEqual(['EA-1']);
    expect(await page.getByRole('button', { name: 'Older →' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Newer' }).click();
    await expect.poll(ids).toEqual(['EA-2']);

    await page.goto(`${server.url}/ui/#/instances`);
    await page.locator('select[name="workflow"]').selectOption('eternal-aggregator');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/workflow=eternal-aggregator/);
    await page.locator('.status-toggle[data-status="TERMINATED"] input').check();
    await expect.poll(ids).toEqual(['EA-2']);
    expect(page.url()).toContain('workflow=eternal-aggregator&status=TERMINATED');
    await page.close();
  });

  it('fits a narrow window', async () => {
    const { server, open } = fixture();
    await server.client.startInstance('trip-booking-saga', { id: 'TB-1', input: TRIP_INPUT });
    const { page, errors } = await open('#/instances/TB-1', { viewport: { width: 390, height: 844 } });
    await node(page, 'hotel', 'm_compensated').waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SHOTS, 'console-narrow.png') });
    for (const [path, selector] of [['#/workflows', 'tbody tr'], ['#/workflows/trip-booking-saga', '.graph svg']] as const) {
      await page.goto(`${server.url}/ui/${path}`);
      await page.locator(selector).first().waitFor();
      expect(await overflow(page)).toBeLessThanOrEqual(0);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('asks for the API key when the server wants one, and sends it', async () => {
    const KEY = 'console-viewer-key-0123';
    const { dir, open } = fixture();
    const guarded = await startServer(join(dir, 'guarded.db'), { args: ['--workflows', 'examples'], env: { SEGUE_API_KEYS: `console:viewer:${KEY}` } });
    try {
      const { page } = await open('#/workflows', { url: guarded.url });
      await page.locator('dialog.key-dialog', { hasText: 'This server needs an API key' }).waitFor();
      await page.locator('dialog input[name="key"]').fill(KEY);
      await page.locator('dialog button[type="submit"]').click();
      await page.locator('tbody tr', { hasText: 'human-approval' }).waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('segue.apiKey'))).toBe(KEY);
      await page.close();
    } finally {
      await guarded.stop();
    }
  });
});
