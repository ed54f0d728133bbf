// Each widget, live and used once, at 390 and 1280 px in both themes: the widget never runs wider
// than the page, and a screenshot of the widget's top is saved for review (test-results/widgets/).
import { test, expect, type Page } from '@playwright/test';

const SHOTS = 'test-results/widgets';
const HANDLER = '/chapters/handling-syscalls/';
const SYSCALL = '/chapters/the-syscall-instruction/';

async function use(page: Page, id: string) {
  const w = page.locator(`[data-widget-id="${id}"]`);
  const closed = w.locator('xpath=ancestor::details[not(@open)]');
  if (await closed.count()) await closed.first().locator(':scope > summary').click();
  await w.scrollIntoViewIfNeeded();
  await expect(w.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
  return w;
}

async function shoot(page: Page, id: string, name: string) {
  const w = page.locator(`[data-widget-id="${id}"]`);
  const b = (await w.boundingBox())!;
  const y = b.y + (await page.evaluate(() => scrollY));
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, clip: { x: Math.max(0, b.x - 4), y: Math.max(0, y - 4), width: b.width + 8, height: Math.min(b.height + 8, 1300) } });
  // The widget itself never runs wider than the column (its wide parts scroll inside it).
  expect(await w.evaluate((e) => e.scrollWidth <= e.clientWidth + 1)).toBe(true);
  expect(b.x + b.width).toBeLessThanOrEqual((page.viewportSize()?.width ?? 1280) + 1);
}

for (const width of [390, 1280]) {
  for (const theme of ['light', 'dark'] as const) {
    // In CI one theme per width: the width checks do not depend on the theme, the screenshots do.
    if (process.env.CI && theme !== (width === 390 ? 'dark' : 'light')) continue;
    test.describe(`${width} px, ${theme}`, () => {
      test.use({ viewport: { width, height: 900 } });
      test.beforeEach(async ({ page }) => {
        await page.addInitScript((t) => { try { localStorage.setItem('theme', t); } catch { /* none */ } }, theme);
      });
      test('lab, stepper, kd session, code block, prediction', async ({ page }) => {
        test.setTimeout(120_000);
        const tag = `${width}-${theme}`;
        await page.goto(HANDLER);
        const p = page.locator('[data-predict="bp0"]');
        await p.scrollIntoViewIfNeeded();
        await p.getByRole('radio').first().check();
        const lab = await use(page, 'syscall-entry-lab');
        await lab.getByRole('button', { name: 'Set breakpoint at nt!KiSystemCall64+0x15' }).click();
        await lab.getByRole('button', { name: 'Set breakpoint at nt!KiSystemCall64+0xc' }).click();
        await lab.getByRole('button', { name: /^Go/ }).click();
        await expect(lab.locator('.lab-result')).toBeVisible();
        await shoot(page, 'syscall-entry-lab', `lab-${tag}`);
        const kd = await use(page, 'syscall-entry-u');
        const input = kd.getByRole('textbox', { name: /kd command/ });
        for (const c of ['r', 'q', 'k']) { await input.fill(c); await input.press('Enter'); await expect(input).toBeEnabled(); }
        await shoot(page, 'syscall-entry-u', `kd-${tag}`);
        const st = await use(page, 'syscall-entry-stepper');
        await st.getByRole('button', { name: 'Step into (F11)' }).click();
        await expect(st.locator('.stepper-count')).toHaveText('Steps taken: 1');
        await shoot(page, 'syscall-entry-stepper', `stepper-${tag}`);
        const run = await use(page, 'syscall-from-user');
        await run.getByRole('textbox').fill('ud2');
        await run.getByRole('button', { name: 'Run the assembly' }).click();
        await expect(run.locator('.run-fault')).toBeVisible();
        await shoot(page, 'syscall-from-user', `runblock-${tag}`);
        const pb = (await p.boundingBox())!;
        await page.screenshot({ path: `${SHOTS}/predict-${tag}.png`, fullPage: true, clip: { x: 0, y: pb.y + (await page.evaluate(() => scrollY)) - 4, width, height: Math.min(pb.height + 8, 700) } });
        await page.goto(SYSCALL);
        const s2 = await use(page, 'step-syscall');
        await s2.getByRole('button', { name: 'Step over (F10)' }).click();
        await expect(s2.locator('.stepper-at')).toHaveText('ntdll!NtClose+0x14');
        await shoot(page, 'step-syscall', `stepper-syscall-${tag}`);
      });
    });
  }
}
