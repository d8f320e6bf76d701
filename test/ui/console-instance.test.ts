/**
 * The instance page end to end: how map items, failures and stopped instances are drawn, which
 * actions are offered, and how the page polls. The test does the tasks of its workflows itself.
 */
import { describe, it } from 'vitest';
import type { InstanceView } from '../../client/http-client.js';
import { eventually } from '../helpers/server.js';
import { advanceUntil, claim, consoleFixture, expect, node, timelineRows } from './browser.js';
import { FLAKY_WORKFLOW, MAP_WORKFLOW } from './workflows.js';

const fixture = consoleFixture();
const APPROVAL_INPUT = { requestId: 'PR-9', requester: 'dan@example.com', approver: 'carol@example.com', item: 'Desk', amount: 300 };

async function statusOf(id: string, status: InstanceView['status']): Promise<InstanceView> {
  return eventually(async () => {
    const view = await fixture().server.client.getInstance(id);
    return view.status === status ? view : undefined;
  }, { what: `instance ${id} to be ${status}` });
}

/** A human-approval instance waiting at its "decision" step. */
async function waitingApproval(id: string): Promise<void> {
  const { client } = fixture().server;
  await client.startInstance('human-approval', { id, input: APPROVAL_INPUT });
  await eventually(async () => ((await client.getInstance(id)).current.some((c) => c.step === 'decision') ? true : undefined), { what: `${id} to wait` });
}

/**
 * console-map over four images: a.png is fetched, b.png is corrupt, which fails the map (its
 * catch goes to the fail step giveUp) and cancels c.png and d.png, still running.
 */
async function failedMap(id: string): Promise<void> {
  const { client } = fixture().server;
  await client.startInstance('console-map', { id, input: { urls: ['a.png', 'b.png', 'c.png', 'd.png'] } });
  const first = await claim(client, 'console.fetch', 3);
  const task = (url: string) => first.find((t) => (t.input as { url: string }).url === url)!;
  await client.complete(task('a.png').token, { bytes: 2048 });
  const [last] = await claim(client, 'console.fetch', 1);
  expect(last!.input).toEqual({ url: 'd.png' });
  await client.fail(task('b.png').token, { error: 'Corrupt', message: 'b.png is not an image', retryable: false });
  await statusOf(id, 'FAILED');
}

describe('the instance page', () => {
  it('draws a bar per map item, labelled with its number, and keeps the failed item marked on the graph', async () => {
    const { server, open } = fixture();
    await server.client.registerWorkflow(MAP_WORKFLOW);
    await failedMap('MAP-1');
    const { page, errors } = await open('#/instances/MAP-1');
    await node(page, 'fetch', 'm_failed').waitFor();
    await node(page, 'images', 'm_failed').waitFor();
    expect(await timelineRows(page)).toEqual([
      { label: 'images', outcome: 'failed' },
      { label: 'fetch · item 0', outcome: 'completed' },
      { label: 'fetch · item 1', outcome: 'failed' },
      { label: 'fetch · item 2', outcome: 'cancelled' },
      { label: 'fetch · item 3', outcome: 'cancelled' },
      { label: 'giveUp', outcome: 'failed' },
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the step a cancelled or terminated instance was on when it stopped', async () => {
    const { server, open } = fixture();
    for (const [id, action] of [['STOP-T', 'terminate'], ['STOP-C', 'cancel']] as const) {
      await waitingApproval(id);
      await server.client.lifecycle(id, action, 'no longer needed');
      const { page } = await open(`#/instances/${id}`);
      await node(page, 'decision', 'm_cancelled').waitFor();
      await expect.poll(() => page.locator('.current-steps').textContent()).toContain('Stopped at decision');
      await page.close();
    }
  });

  it('offers Suspend only while running and Resume only while suspended', async () => {
    await waitingApproval('ACT-1');
    const { page } = await fixture().open('#/instances/ACT-1');
    const actions = () => page.locator('.page-actions button').evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).dataset.action));
    await expect.poll(actions).toEqual(['raise', 'suspend', 'cancel', 'terminate']);
    await page.locator('button[data-action="suspend"]').click();
    await page.locator('dialog button[type="submit"]').click();
    await page.locator('.page-header .badge', { hasText: 'SUSPENDED' }).waitFor();
    await expect.poll(actions).toEqual(['raise', 'resume', 'cancel', 'terminate']);
    await page.close();
  });

  it('offers Retry for a failed task, not for an instance that a fail step ended', async () => {
    const { server, open } = fixture();
    await server.client.registerWorkflow(FLAKY_WORKFLOW);
    await server.client.registerWorkflow(MAP_WORKFLOW);
    await server.client.startInstance('console-flaky', { id: 'FLAKY-1' });
    const [task] = await claim(server.client, 'console.call', 1);
    await server.client.fail(task!.token, { error: 'Unavailable', message: 'the service is down', retryable: false });
    await statusOf('FLAKY-1', 'FAILED');
    await failedMap('MAP-2');

    const flaky = await open('#/instances/FLAKY-1');
    await flaky.page.locator('button[data-action="retry"]').waitFor();
    await flaky.page.close();
    const map = await open('#/instances/MAP-2');
    await node(map.page, 'giveUp', 'm_failed').waitFor();
    await expect.poll(() => map.page.locator('.page-header').textContent()).toContain('ended by the fail step giveUp');
    expect(await map.page.locator('.page-actions button').count()).toBe(0);
    await map.page.close();
  });

  it('polls fast for a few seconds after an action', async () => {
    const { server, open } = fixture();
    await server.client.registerWorkflow(FLAKY_WORKFLOW);
    await server.client.startInstance('console-flaky', { id: 'FLAKY-2' });
    const [first] = await claim(server.client, 'console.call', 1);
    await server.client.fail(first!.token, { error: 'Unavailable', message: 'the service is down', retryable: false });
    await statusOf('FLAKY-2', 'FAILED');

    const tab = await open('#/instances/FLAKY-2', { clock: true });
    await tab.page.locator('button[data-action="retry"]').click();
    await tab.page.locator('dialog button[type="submit"]').click();
    await tab.page.locator('dialog').waitFor({ state: 'detached' });
    const badge = (status: string) => () => tab.page.locator('.page-header .badge', { hasText: status }).isVisible();
    expect(await advanceUntil(tab, 500, badge('RUNNING'))).toBe(true);
    const [second] = await claim(server.client, 'console.call', 1);
    await server.client.complete(second!.token, { ok: true });
    await statusOf('FLAKY-2', 'COMPLETED');
    // Finished instances are polled every 5 s; after an action, the page looks again within 2 s.
    expect(await advanceUntil(tab, 2_000, badge('COMPLETED'))).toBe(true);
    await tab.page.close();
  });

  it('retries a failed instance with edits: a bad patch or step is refused in the dialog, a good one is kept in the history', async () => {
    const { server, open } = fixture();
    await server.client.registerWorkflow(FLAKY_WORKFLOW);
    await server.client.startInstance('console-flaky', { id: 'FLAKY-3', input: { tries: 1 } });
    const [first] = await claim(server.client, 'console.call', 1);
    await server.client.fail(first!.token, { error: 'Unavailable', message: 'the service is down', retryable: false });
    await statusOf('FLAKY-3', 'FAILED');

    const { page } = await open('#/instances/FLAKY-3');
    await page.locator('button[data-action="retry"]').click();
    const dialogError = page.locator('dialog .dialog-error');
    await page.locator('dialog textarea[name="patch"]').fill('[1]');
    await page.locator('dialog button[type="submit"]').click();
    await expect.poll(() => dialogError.textContent()).toBe('The patch must be a JSON object: the fields to change, null for those to remove.');
    await page.locator('dialog textarea[name="patch"]').fill('{ "tries": 2 }');
    await page.locator('dialog input[name="from"]').fill('cal');
    await page.locator('dialog button[type="submit"]').click();
    await expect.poll(() => dialogError.textContent()).toContain('has no step "cal" at its top level to retry from; its steps are "call", "done"');
    await page.locator('dialog input[name="from"]').fill('call');
    await page.locator('dialog input[name="reason"]').fill('service is back');
    await page.locator('dialog button[type="submit"]').click();
    await page.locator('dialog').waitFor({ state: 'detached' });

    const [second] = await claim(server.client, 'console.call', 1);
    await server.client.complete(second!.token, { ok: true });
    const done = await statusOf('FLAKY-3', 'COMPLETED');
    expect(done.data).toMatchObject({ tries: 2 });
    const retried = (await server.client.history('FLAKY-3')).find((e) => e.type === 'InstanceRetried');
    expect(retried?.details).toEqual({ from: 'call', patch: { tries: 2 }, reason: 'service is back' });
    await page.close();
  });

  it('says so before raising an event the instance is not waiting for', async () => {
    await waitingApproval('EVT-1');
    const { page } = await fixture().open('#/instances/EVT-1');
    await page.locator('button[data-action="raise"]').click();
    const warning = page.locator('dialog .dialog-warning');
    expect(await page.locator('dialog input[name="event"]').inputValue()).toBe('approval');
    expect(await warning.isVisible()).toBe(false);
    await page.locator('dialog input[name="event"]').fill('aproval');
    await expect.poll(() => warning.textContent()).toBe('EVT-1 is not waiting for "aproval" (it waits for "approval"): the event will be kept until a wait step asks for it.');
    expect(await page.locator('dialog button[type="submit"]').textContent()).toBe('Raise anyway');
    await page.locator('dialog input[name="event"]').fill('approval');
    await expect.poll(() => warning.isVisible()).toBe(false);
    await page.close();
  });

  it('stops polling an instance that does not exist, and says so', async () => {
    const tab = await fixture().open('#/instances/NO-SUCH-1', { clock: true });
    await tab.page.locator('.error-box', { hasText: 'There is no instance "NO-SUCH-1"' }).waitFor();
    const asked = () => tab.requests.filter((r) => r === 'GET /v1/instances/NO-SUCH-1').length;
    const before = asked();
    await advanceUntil(tab, 10_000, async () => false);
    expect(asked()).toBe(before);
    await tab.page.close();
  });
});
