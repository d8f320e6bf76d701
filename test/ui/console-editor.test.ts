/** The playground's editor end to end: problems, drafts, the keyboard, and the help it gives. */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { consoleFixture, DESKTOP, expect, NARROW, overflow, SHOTS } from './browser.js';

const fixture = consoleFixture();

const DRAFT = `name: my-draft
steps:
  - name: hello
    type: succeed
`;

describe('the playground editor', () => {
  it('clears the problems when the text is emptied', async () => {
    const { page } = await fixture().open('#/playground');
    const editor = page.locator('.editor-input');
    await editor.fill('name: x\nsteps: []\n');
    await expect.poll(() => page.locator('.problems li').count()).toBeGreaterThan(0);
    await editor.fill('');
    await expect.poll(() => page.locator('.check-state').textContent()).toBe('empty');
    expect(await page.locator('.problems li').count()).toBe(0);
    expect(await page.locator('.gutter-line.has-problem').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Register' }).isDisabled()).toBe(true);
    await page.close();
  });

  it('asks before "Start over" discards a draft', async () => {
    const { page } = await fixture().open('#/playground');
    const editor = page.locator('.editor-input');
    await editor.fill(DRAFT);
    await page.getByRole('button', { name: 'Start over' }).click();
    const dialog = page.locator('dialog', { hasText: 'Discard your draft?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await editor.inputValue()).toBe(DRAFT);
    await page.getByRole('button', { name: 'Start over' }).click();
    await dialog.locator('button[type="submit"]').click();
    await expect.poll(() => editor.inputValue()).toContain('name: expense-approval');
    // The starter text is no draft: starting over again asks nothing.
    await page.getByRole('button', { name: 'Start over' }).click();
    expect(await page.locator('dialog').count()).toBe(0);
    await page.close();
  });

  it('asks before "Open in playground" replaces a draft', async () => {
    const { page } = await fixture().open('#/playground');
    await page.locator('.editor-input').fill(DRAFT);
    await page.locator('.check-state', { hasText: 'valid' }).waitFor();
    await page.goto(`${fixture().server.url}/ui/#/workflows/human-approval`);
    await page.getByRole('button', { name: 'Open in playground' }).click();
    const dialog = page.locator('dialog', { hasText: 'Discard your draft?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(page.url()).toMatch(/#\/workflows\/human-approval$/);
    await page.getByRole('button', { name: 'Open in playground' }).click();
    await dialog.locator('button[type="submit"]').click();
    await page.waitForURL(/#\/playground$/);
    await expect.poll(() => page.locator('.editor-input').inputValue()).toContain('name: human-approval');
    await page.close();
  });

  it('lets keyboard users leave the editor with Esc then Tab, where Tab alone indents', async () => {
    const { page } = await fixture().open('#/playground');
    const editor = page.locator('.editor-input');
    await editor.fill('name: x');
    await editor.press('End');
    await editor.press('Tab');
    expect(await editor.inputValue()).toBe('name: x  ');
    await editor.press('Escape');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('editor-input'))).toBe(false);
    expect(await editor.inputValue()).toBe('name: x  ');
    expect(await page.locator('.editor-hint').textContent()).toContain('Esc then Tab');
    await page.close();
  });

  for (const viewport of [DESKTOP, NARROW]) {
    it(`completes keys, values and step names from the schema, and describes keys (${viewport.width} px)`, async () => {
      const { page, errors } = await fixture().open('#/playground', { viewport });
      const editor = page.locator('.editor-input');
      // The help loads after the editor shows; keys typed before it arrives get no suggestions.
      await page.locator('.editor-doc').waitFor({ state: 'attached' });
      await editor.fill('name: helped\nsteps:\n  - name: fetch\n    type: task\n    task: web.fetch\n  - name: done\n    type: succeed\n');
      const list = page.locator('.completion');
      // At the end of the task step's block, a new key.
      await editor.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(el.value.indexOf('\n  - name: done'), el.value.indexOf('\n  - name: done')));
      await page.keyboard.type('\n    re');
      await list.waitFor();
      expect(await list.locator('.completion-label').allTextContents()).toEqual(['result', 'retry']);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await expect.poll(() => editor.inputValue()).toContain('    retry: \n  - name: done');
      expect(await page.locator('.editor-doc').textContent()).toBe('steps[0].retry — How failed attempts are retried before catch rules are consulted.');
      // A step name where one is expected: Ctrl+Space asks.
      await page.keyboard.press('Backspace');
      await page.keyboard.type(' { maxAttempts: 2 }\n    next: ');
      await page.keyboard.press('Control+Space');
      await expect.poll(() => list.locator('.completion-label').allTextContents()).toEqual(['fetch', 'done', 'end']);
      if (viewport === NARROW) expect(await overflow(page)).toBeLessThanOrEqual(0);
      if (viewport === DESKTOP) await page.screenshot({ path: join(SHOTS, 'console-playground-help.png') });
      await page.keyboard.press('Tab');
      await expect.poll(() => editor.inputValue()).toContain('    next: fetch\n');
      expect(await list.isVisible()).toBe(false);
      // Esc closes the list without leaving the editor; keys the step has are not offered again.
      await page.keyboard.type('\n    t');
      await expect.poll(() => list.locator('.completion-label').allTextContents()).toEqual(['timeout']);
      await page.keyboard.press('Escape');
      expect(await list.isVisible()).toBe(false);
      expect(await page.evaluate(() => document.activeElement?.classList.contains('editor-input'))).toBe(true);
      await hoverKey(page, 'task: web.fetch', 8);
      expect(await page.locator('.editor-tooltip').isVisible()).toBe(false);
      await hoverKey(page, 'task: web.fetch', 1);
      await expect.poll(() => page.locator('.editor-tooltip').textContent()).toBe('steps[0].taskThe task type workers subscribe to, like payments.charge.');
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('shows the changes against the registered version before registering', async () => {
    const { server, open } = fixture();
    const v1 = 'name: diffed\nsteps:\n  - name: hello\n    type: succeed\n';
    await server.client.registerWorkflow(v1);
    const { page } = await open('#/playground');
    const editor = page.locator('.editor-input');
    await editor.fill(v1.replace('hello', 'goodbye'));
    await page.locator('.check-state', { hasText: 'valid' }).waitFor();
    await page.getByRole('button', { name: 'Register' }).click();
    const dialog = page.locator('dialog', { hasText: 'Register a new version of diffed?' });
    await dialog.waitFor();
    expect(await dialog.locator('.dialog-message p').textContent()).toBe('Against v1, the version registered now: +1 −1 lines.');
    expect(await dialog.locator('.diff span').allTextContents()).toEqual(['@@ -1 +1 @@', '  name: diffed', '  steps:', '-   - name: hello', '+   - name: goodbye', '      type: succeed']);
    await page.screenshot({ path: join(SHOTS, 'console-register-diff.png') });
    await dialog.locator('button[type="submit"]').click();
    await page.locator('.register-result', { hasText: 'Registered diffed v2' }).waitFor();
    expect((await server.client.getWorkflow('diffed')).version).toBe(2);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.locator('dialog', { hasText: 'The draft is v2 as registered: registering it changes nothing.' }).waitFor();
    await page.close();
  });
});

/** Moves the mouse over the character `col` places into `text`, on the first line of the editor that has it. */
async function hoverKey(page: Page, text: string, col: number): Promise<void> {
  const point = await page.locator('.editor-input').evaluate((el: HTMLTextAreaElement, [text, col]) => {
    const style = getComputedStyle(el);
    const canvas = document.createElement('canvas').getContext('2d')!;
    canvas.font = `${style.fontSize} ${style.fontFamily}`;
    const char = canvas.measureText('0000000000').width / 10;
    const lines = el.value.split('\n');
    const line = lines.findIndex((l) => l.includes(text as string));
    const x = parseFloat(style.paddingLeft) + (lines[line]!.indexOf(text as string) + (col as number)) * char + char / 2;
    const y = parseFloat(style.paddingTop) + line * parseFloat(style.lineHeight) + parseFloat(style.lineHeight) / 2;
    const box = el.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y };
  }, [text, col] as const);
  await page.mouse.move(point.x, point.y);
}
