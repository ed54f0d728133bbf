// No main-thread task over 100 ms while a reader uses a widget (PerformanceObserver, 'longtask').
// Each test loads the page, lets it settle, then uses one widget the way a reader does, including
// runs that go to kd's instruction budget (sliced) and the KVA-shadow lab; the longest task seen
// is attached to the test's report (the closing note quotes them).
import { test, expect, type Page } from '@playwright/test';
import { cpus, loadavg } from 'node:os';

const HANDLER = '/chapters/handling-syscalls/';
const SYSCALL = '/chapters/the-syscall-instruction/';
const LIMIT = 100;
/** A task's wall-clock length is only the page's own cost when the machine has CPU to spare: with
 *  more runnable processes than twice its cores (load average), every task stretches, so the
 *  numbers are still reported but not held to the limit. */
const overloaded = () => loadavg()[0] > 2 * cpus().length;

declare global { interface Window { __longTasks: number[] } }

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  });
});

async function settle(page: Page, id: string) {
  const w = page.locator(`[data-widget-id="${id}"]`);
  const closed = w.locator('xpath=ancestor::details[not(@open)]');
  if (await closed.count()) await closed.first().locator(':scope > summary').click();
  await w.scrollIntoViewIfNeeded();
  await expect(w.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
  // Idle-time preloading (the emulator chunk, the lab's warm-up run) is done before the reader acts.
  await page.waitForTimeout(3000);
  await page.evaluate(() => { window.__longTasks = []; });
  return w;
}

async function longest(page: Page, what: string): Promise<number> {
  await page.waitForTimeout(300);
  const tasks = await page.evaluate(() => window.__longTasks);
  const max = Math.max(0, ...tasks);
  const load = overloaded() ? `; machine overloaded (load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores), not held to ${LIMIT} ms` : '';
  test.info().annotations.push({ type: 'longest task', description: `${what}: ${Math.round(max)} ms (${tasks.length} tasks over 50 ms)${load}` });
  return overloaded() ? 0 : max;
}

test('breakpoint lab: Go with and without breakpoints, KVA shadow on', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(HANDLER);
  const lab = await settle(page, 'syscall-entry-lab');
  const go = lab.getByRole('button', { name: /^Go/ });
  await lab.getByRole('button', { name: 'Set breakpoint at nt!KiSystemCall64', exact: true }).click();
  await go.click();
  await expect(lab.locator('.lab-result')).toBeVisible();
  await lab.getByRole('button', { name: 'Clear' }).click();
  await go.click();
  await expect(lab.locator('.lab-result')).toContainText('budget', { timeout: 30_000 });
  await lab.getByRole('checkbox', { name: 'KVA shadow' }).check();
  await go.click();
  await expect(lab.locator('.lab-result')).toBeVisible({ timeout: 30_000 });
  expect(await longest(page, 'lab')).toBeLessThanOrEqual(LIMIT);
});

test('stepper: step into, over, back', async ({ page }) => {
  await page.goto(SYSCALL);
  const st = await settle(page, 'step-syscall');
  await st.getByRole('button', { name: 'Step over (F10)' }).click();
  await expect(st.locator('.stepper-count')).toHaveText('Steps taken: 1');
  await st.getByRole('button', { name: /Step back/ }).click();
  for (let i = 0; i < 5; i++) await st.getByRole('button', { name: 'Step into (F11)' }).click();
  await expect(st.locator('.stepper-count')).toHaveText('Steps taken: 5');
  expect(await longest(page, 'stepper')).toBeLessThanOrEqual(LIMIT);
});

test('kd session: commands and a g to the budget', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(HANDLER);
  const kd = await settle(page, 'syscall-entry-u');
  const input = kd.getByRole('textbox', { name: /kd command/ });
  for (const c of ['r', 'bp nt!KiSystemCall64+0x15', 'g', 'bc *', 'g']) {
    await input.fill(c);
    await input.press('Enter');
    await expect(input).toBeEnabled({ timeout: 30_000 });
  }
  expect(await longest(page, 'kd session')).toBeLessThanOrEqual(LIMIT);
});

test('code block: run as built, and an edit', async ({ page }) => {
  await page.goto(HANDLER);
  const w = await settle(page, 'syscall-from-user');
  await w.getByRole('button', { name: 'Run the assembly' }).click();
  await expect(w.locator('.run-heading')).toContainText('Output of your run');
  await w.getByRole('textbox').fill('mov ecx, 100000\nl: dec ecx\njnz l');
  await w.getByRole('button', { name: 'Run the assembly' }).click();
  await expect(w.locator('.run-heading')).toContainText('Output of your run');
  expect(await longest(page, 'code block')).toBeLessThanOrEqual(LIMIT);
});

test('prediction: pick and reveal', async ({ page }) => {
  await page.goto(HANDLER);
  const p = page.locator('[data-predict]').first();
  await p.scrollIntoViewIfNeeded();
  await page.waitForTimeout(2000);
  await page.evaluate(() => { window.__longTasks = []; });
  await p.getByRole('radio').first().check();
  await p.locator('.predict-reveal > summary').click();
  await expect(p.locator('.predict-verdict')).not.toHaveText('');
  expect(await longest(page, 'prediction')).toBeLessThanOrEqual(LIMIT);
});
