// Weight ceilings for the chapter with the most widgets: gzip JavaScript before any interaction,
// with the lab and the stepper hydrated and used (kd's full command set must not load for them),
// with a kd session used too (its first command loads that set), and after an edited code block
// runs; and the assembler's chunk loads only for an edited code block (or one built without stored
// bytes).
// Nothing here is timed: click -> outcome timings, and the per-chapter table, come from
// `npm run bench:web`. The ceilings sit a little above today's weights so that a regression (a
// dependency or a table pulled into the emulator chunk, kd's full command set or the assembler
// shipped to a page that does not use them) fails. The target for the heaviest chapter
// is 50 KB; the emulator chunk alone (the CPU, the kernel image, kd's core: 57 KB) exceeds it, and
// the widgets' own code and Preact are about 25 KB more.
import { test, expect, type Page } from '@playwright/test';
import { gzipSync } from 'node:zlib';

const CHAPTER = '/chapters/handling-syscalls/';
/** kd's command families beyond the core (commands/index.ts): a chunk of their own. */
const COMMAND_SET = /\/commands\.[\w-]+\.js$/;
const KB = 1024;
// Measured (terser, kd core split; main at ea0382f): 13.7 KB before interaction, 84.5 KB with the
// lab and the stepper used, 110.7 KB with a kd console too, 121.0 KB after an edited code block;
// each ceiling is about 1.5-2 KB above. A new kd command family grows the last two only: the paging
// family (!pte, !vtop) made the third 112.4 KB, and both ceilings moved up 2 KB with it. SYSRET by
// vendor and KiSystemServiceExit's check (emulator chunk, kernel image) made the second 86.1 KB and
// the third 114.1 KB: both ceilings moved up 1 KB.
const CEILING = { beforeInteraction: 15.5 * KB, labAndStepperUsed: 87 * KB, widgetsUsed: 115 * KB, codeBlockRun: 124.5 * KB };

function trackJs(page: Page) {
  const js = new Map<string, number>();
  const pending = new Set<Promise<unknown>>();
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (!url.pathname.endsWith('.js') || url.pathname.startsWith('/pagefind/')) return;
    const p = r.body().then((b) => js.set(url.pathname, gzipSync(b, { level: 9 }).length), () => undefined);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });
  return {
    async total() {
      await Promise.all([...pending]);
      return [...js.values()].reduce((a, b) => a + b, 0);
    },
    async names() {
      await Promise.all([...pending]);
      return [...js.keys()];
    },
  };
}

test('the heaviest chapter stays under its JavaScript ceilings; the assembler loads only for a code block', async ({ page }) => {
  test.setTimeout(90_000);
  const js = trackJs(page);
  /** Each measured total goes into the test's report, in order. */
  const note = (bytes: number) => test.info().annotations.push({ type: 'gzip JS', description: `${(bytes / KB).toFixed(1)} KB` });
  await page.goto(CHAPTER);
  await page.waitForLoadState('networkidle');
  note(await js.total());
  expect(await js.total()).toBeLessThanOrEqual(CEILING.beforeInteraction);

  // The lab is a prediction's demo: the reader reveals it first.
  await page.locator('[data-predict="bp0"] .predict-reveal > summary').click();
  const lab = page.locator('[data-widget-id="syscall-entry-lab"]');
  await lab.scrollIntoViewIfNeeded();
  await lab.getByRole('button', { name: 'Set breakpoint at nt!KiSystemCall64+0x15', exact: true }).click();
  await lab.getByRole('button', { name: /^Go/ }).click();
  await expect(lab.getByText('Breakpoint 0 hit').first()).toBeVisible();

  const stepper = page.locator('[data-widget-id="syscall-entry-stepper"]');
  await stepper.scrollIntoViewIfNeeded();
  await stepper.getByRole('button', { name: 'Step into (F11)' }).click();
  await expect(stepper.locator('.widget-note')).toHaveText('Steps taken: 1');

  // The lab and the stepper run on kd's core: the rest of the command set is a console's.
  await page.waitForLoadState('networkidle');
  expect((await js.names()).filter((n) => COMMAND_SET.test(n))).toEqual([]);
  note(await js.total());
  expect(await js.total()).toBeLessThanOrEqual(CEILING.labAndStepperUsed);

  const kd = page.locator('[data-widget-id="syscall-entry-u"]');
  await kd.scrollIntoViewIfNeeded();
  await kd.getByRole('textbox').fill('r rip');
  await kd.getByRole('textbox').press('Enter');
  await expect(kd.locator('.kd-live')).toContainText('rip=');
  await expect.poll(async () => (await js.names()).filter((n) => COMMAND_SET.test(n)).length).toBe(1);

  await page.waitForLoadState('networkidle');
  expect((await js.names()).filter((n) => n.includes('program-runner'))).toEqual([]);
  note(await js.total());
  expect(await js.total()).toBeLessThanOrEqual(CEILING.widgetsUsed);

  // An edited block needs the assembler (an unedited one may run from the bytes the build made).
  const block = page.locator('[data-widget-id="syscall-from-user"]');
  await block.scrollIntoViewIfNeeded();
  const editor = block.getByRole('textbox');
  await editor.fill(`${await editor.inputValue()}\n; edited`);
  await block.getByRole('button', { name: 'Run the assembly' }).click();
  await expect(block.getByText(/Output of your run/)).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect((await js.names()).filter((n) => n.includes('program-runner'))).toHaveLength(1);
  note(await js.total());
  expect(await js.total()).toBeLessThanOrEqual(CEILING.codeBlockRun);
});
