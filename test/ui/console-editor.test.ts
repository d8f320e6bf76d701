/** The playground's editor end to end: problems, drafts, the keyboard, and the help it gives. */
import { describe, it } from 'vitest';
import { consoleFixture, expect } from './browser.js';

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
});
