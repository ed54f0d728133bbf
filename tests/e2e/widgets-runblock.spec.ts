// The runnable assembly block of "Handling syscalls": build-time output without JavaScript, runs
// that equal the emulator's in Node, assembler errors at their line, permalinks of edited code.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { runProgramWith } from '../../emulator/src/scenario/program.ts';
import { bootModeledWindows, transcriptText } from '../../emulator/src/scenario/index.ts';

const CHAPTER = '/chapters/handling-syscalls/';
const ID = 'syscall-from-user';
const SHOTS = 'test-results/widgets';

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the code and its computed output are there', async ({ page }) => {
    await page.goto(CHAPTER);
    const w = page.locator(`[data-widget-id="${ID}"]`);
    await expect(w).toContainText('mov     eax,46h');
    await expect(w).toContainText('Breakpoint 0 hit');
    await expect(w.locator('textarea')).toHaveCount(0);
    await expect(w.getByRole('button', { name: 'Run the assembly' })).toBeDisabled();
  });
});

test('edit, error at the line, fix, run: the outcome is the emulator\'s', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(CHAPTER);
  const w = page.locator(`[data-widget-id="${ID}"]`);
  await w.scrollIntoViewIfNeeded();
  const editor = w.getByRole('textbox', { name: /Assembly/ });
  await expect(editor).toBeVisible();
  await editor.fill('mov r10,rcx\nmov eax,46h\nsyscal\nint 3');
  await w.getByRole('button', { name: 'Run the assembly' }).click();
  await expect(w.getByRole('alert')).toContainText("Line 3, column 1: unknown instruction 'syscal'");
  await expect(editor).toHaveAttribute('aria-invalid', 'true');
  await w.screenshot({ path: `${SHOTS}/runblock-error.png` });
  const fixed = 'mov r10,rcx\nmov eax,46h\nsyscall\nint 3';
  await editor.fill(fixed);
  await editor.press('Control+Enter');
  await expect(w.getByRole('alert')).toHaveCount(0);
  const node = runProgramWith({ id: ID, source: fixed, breakpoints: ['nt!KiSystemCall64+0x15'] }, bootModeledWindows);
  expect(node.ok).toBe(true);
  if (!node.ok) return;
  await expect(w.locator('.kd-transcript').last()).toHaveText(transcriptText(node.trace) + '\n');
  await w.screenshot({ path: `${SHOTS}/runblock-run.png` });
  // Permalink with the edit.
  const link = page.url();
  expect(link).toContain(`#w=${ID}&src=`);
  const again = await page.context().newPage();
  await again.goto(link);
  const w2 = again.locator(`[data-widget-id="${ID}"]`);
  await w2.scrollIntoViewIfNeeded();
  await expect(w2.getByRole('textbox', { name: /Assembly/ })).toHaveValue(fixed);
  await expect(w2.locator('h4')).toContainText('Output of your run');
  const axe = await new AxeBuilder({ page }).include(`[data-widget-id="${ID}"]`).analyze();
  expect(axe.violations.map((v) => v.id)).toEqual([]);
  expect(errors).toEqual([]);
});
