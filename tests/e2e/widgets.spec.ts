// The live widgets of "Handling syscalls" on the built site. Outcomes in the page are compared with
// the same scenarios run on the emulator here in Node, never with strings typed into the test.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, readFileSync } from 'node:fs';
import { runScenario, transcriptText, bootModeledWindows } from '../../emulator/src/scenario/index.ts';
import { CpuStepper } from '../../emulator/src/scenario/cpu-stepper.ts';

const CHAPTER = '/chapters/handling-syscalls/';
const LAB = 'syscall-entry-lab';
const STEPPER = 'syscall-entry-stepper';
const SHOTS = 'test-results/widgets';
mkdirSync(SHOTS, { recursive: true });

const entry = 'nt!KiSystemCall64';
/** The lab's instruction budget for one `g` (its `budget=` in the chapter). */
const LAB_BUDGET = Number(/```windbg lab id=syscall-entry-lab budget=(\d+)/.exec(readFileSync('content/chapters/handling-syscalls.mdx', 'utf8'))![1]);
const nodeRun = (offsets: string[]) =>
  runScenario({ id: LAB, commands: [...offsets.map((o) => `bp ${entry}${o}`), 'g'], budget: LAB_BUDGET });

/** Fails the test on any console error or uncaught exception. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** A widget inside a prediction's answer is revealed first, as a reader does. */
export async function reveal(page: Page, id: string) {
  const w = page.locator(`[data-widget-id="${id}"]`);
  const closed = w.locator('xpath=ancestor::details[not(@open)]');
  if (await closed.count()) await closed.first().locator(':scope > summary').click();
  return w;
}

async function hydrated(page: Page, id: string) {
  const w = await reveal(page, id);
  await w.scrollIntoViewIfNeeded();
  // The build renders the controls disabled; they are enabled once the island has hydrated.
  await expect(w.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
  await expect(w.locator('.widget-controls button:enabled, .kd-prompt-form input:enabled').first()).toBeVisible();
  return w;
}

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the build-time renders are all there', async ({ page }) => {
    await page.goto(CHAPTER);
    const body = page.locator('.chapter-body');
    await expect(body).toContainText('msr[c0000082] = fffff803`');
    // The lab is the answer of a prediction: collapsed under its question until revealed.
    const lab = page.locator(`[data-widget-id="${LAB}"]`);
    await expect(lab).toBeHidden();
    await reveal(page, LAB);
    await expect(lab).toBeVisible();
    await expect(lab.locator('.lab-row')).toHaveCount(4);
    await expect(lab).toContainText('swapgs');
    await expect(lab).toContainText('Computed when this page was built');
    await expect(lab).toContainText('Breakpoint 0 hit');
    // The +0 run: kd hears nothing until the budget ends (the #DF handler keeps the user GS).
    await expect(lab).toContainText('Instruction budget exhausted');
    await expect(lab.locator('.event-chain')).toContainText('double fault');
    await expect(lab.locator('.event-chain li').first()).toContainText('SYSCALL');
    // Nothing pretends to work without a script: rows are not buttons, and Go and the machine
    // options are shown disabled, with a note saying why.
    await expect(lab.locator('.lab-row button')).toHaveCount(0);
    for (const control of await lab.locator('button, input').all()) await expect(control).toBeDisabled();
    await expect(lab.locator('.widget-controls')).toContainText('Interactive when JavaScript runs.');
    const st = page.locator(`[data-widget-id="${STEPPER}"]`);
    await expect(st.locator('.stepper-precomputed li')).toHaveCount(5);
    for (const control of await st.locator('button').all()) await expect(control).toBeDisabled();
    await expect(st).toContainText('user stack');
    await st.screenshot({ path: `${SHOTS}/stepper-nojs.png` });
    await lab.screenshot({ path: `${SHOTS}/lab-nojs.png` });
  });
});

test('the lab gives the outcome the emulator gives in Node, for each breakpoint', async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  await page.goto(CHAPTER);
  const lab = await hydrated(page, LAB);
  for (const [offset, name] of [['', `${entry}`], ['+0x15', `${entry}+0x15`]] as const) {
    await page.goto(CHAPTER);
    const l = await hydrated(page, LAB);
    // Islands above hydrate as they scroll into view and may shift the layout under a pointer;
    // activating the buttons through the keyboard is immune to that.
    await l.getByRole('button', { name: `Set breakpoint at ${name}`, exact: true }).press('Enter');
    await expect(l.getByRole('button', { name: `Set breakpoint at ${name}`, exact: true })).toHaveAttribute('aria-pressed', 'true');
    await l.getByRole('button', { name: /^Go/ }).press('Enter');
    const shown = (await l.locator('.lab-result .kd-transcript').textContent())!.trimEnd();
    const expected = nodeRun([offset]);
    expect(shown).toBe(transcriptText(expected));
    // The echo is the list that ran: the bp line, then g.
    expect(await l.locator('.kd-echo .kd-echo-command').allTextContents()).toEqual([`bp ${name}`, 'g']);
    if (expected.outcome.kind !== 'break') await expect(l.locator('.lab-result .event-chain')).toContainText('double fault');
    await l.screenshot({ path: `${SHOTS}/lab-after-go${offset || '+0'}.png` });
  }
  expect(lab).toBeTruthy();
  expect(errors).toEqual([]);
});

test('keyboard only: Tab to a row, F9, F5; keys do nothing outside the widget', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(CHAPTER);
  const lab = await hydrated(page, LAB);
  const first = lab.getByRole('button', { name: `Set breakpoint at ${entry}`, exact: true });
  // F9 with the focus outside the widget changes nothing.
  await page.locator('h1').click();
  await page.keyboard.press('F9');
  await expect(first).toHaveAttribute('aria-pressed', 'false');
  await first.focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
  const row15 = lab.getByRole('button', { name: `Set breakpoint at ${entry}+0x15` });
  await expect(row15).toBeFocused();
  await page.keyboard.press('F9');
  await expect(row15).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('F5');
  await expect(lab.locator('[aria-live="polite"]')).toHaveText(`Breakpoint 0 hit at ${nodeRun(['+0x15']).outcome.at}.`);
  expect(errors).toEqual([]);
});

test('the stepper matches the CPU in Node, and step back restores the exact state', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(CHAPTER);
  const st = await hydrated(page, STEPPER);
  const node = CpuStepper.start(bootModeledWindows, {}, entry);
  const step = st.getByRole('button', { name: 'Step into (F11)' });
  // The machine as the widget shows it; change marks are relative to the previous view, so left out.
  const snapshot = async () => (await st.locator('.stepper-next, .stepper-facts, .reg-table tbody, .stack-table tbody').allTextContents()).map((t) => t.replaceAll(' (changed)', ''));
  for (let i = 0; i < 2; i++) { await step.click(); node.step(); }
  await expect(st.locator('.widget-note')).toHaveText('Steps taken: 2');
  const v = node.view();
  await expect(st.locator('.stepper-at')).toHaveText(v.at);
  await expect(st.locator('.reg-table tr', { hasText: 'rsp' }).first()).toContainText(v.state.regs.rsp);
  await expect(st.locator('.stepper-facts')).toContainText('user stack');
  await st.screenshot({ path: `${SHOTS}/stepper-2-steps.png` });
  const before = await snapshot();
  await step.click();
  node.step();
  await expect(st.locator('.stepper-at')).toHaveText(node.view().at);
  await expect(st.locator('.stepper-facts')).toContainText('kernel stack');
  await expect(st.locator('.reg-table tr.changed')).not.toHaveCount(0);
  await st.screenshot({ path: `${SHOTS}/stepper-3-steps.png` });
  await st.getByRole('button', { name: /Step back/ }).click();
  await expect(st.locator('.widget-note')).toHaveText('Steps taken: 2');
  const after = await snapshot();
  // The machine part (location, facts, registers, stack) is what it was; only the change marks
  // (relative to the previous view) may differ.
  expect(after).toEqual(before);
  await expect(st.locator('.step-log li').last()).toContainText('Step back');
  // Keyboard: F11 on the focused widget steps.
  await step.focus();
  await page.keyboard.press('F11');
  await expect(st.locator('.widget-note')).toHaveText('Steps taken: 3');
  expect(errors).toEqual([]);
});

test('permalinks restore the lab and the stepper', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(CHAPTER);
  const lab = await hydrated(page, LAB);
  await lab.getByRole('button', { name: `Set breakpoint at ${entry}+0x15` }).click();
  await lab.getByRole('button', { name: /^Go/ }).click();
  await expect(lab.locator('.lab-result')).toBeVisible();
  const link = page.url();
  expect(link).toContain(`#w=${LAB}&bp=15&go=1&v=`);
  const again = await page.context().newPage();
  await again.goto(link);
  const restored = await hydrated(again, LAB);
  await expect(restored.getByRole('button', { name: `Set breakpoint at ${entry}+0x15` })).toHaveAttribute('aria-pressed', 'true');
  await expect(restored.locator('.lab-result .kd-transcript')).toContainText('Breakpoint 0 hit');

  const st = await hydrated(again, STEPPER);
  await st.getByRole('button', { name: 'Step into (F11)' }).click();
  await st.getByRole('button', { name: 'Step over (F10)' }).click();
  const stepLink = again.url();
  expect(stepLink).toContain(`#w=${STEPPER}&s=io&v=`);
  const third = await page.context().newPage();
  await third.goto(stepLink);
  const st2 = await hydrated(third, STEPPER);
  await expect(st2.locator('.widget-note')).toHaveText('Steps taken: 2');
  await expect(st2.locator('.stepper-at')).toHaveText(`${entry}+0xc`);
  expect(errors).toEqual([]);
});

test('a hostile or malformed hash is refused and never becomes markup', async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
  const hostile = [
    `#w=${LAB}&bp=<img src=x onerror=alert(1)>&v=1`,
    `#w=<script>alert(1)</script>`,
    `#w=${LAB}&bp=ff&v=1`,
    `#w=${STEPPER}&s=iiiix&v=1`,
    `#w=${LAB}&bp=15&v=999`,
  ];
  for (const h of hostile) {
    await page.goto(CHAPTER + h);
    await page.reload();
    const lab = await hydrated(page, LAB);
    await hydrated(page, STEPPER);
    // Reported by the widget the hash names, or (no valid name) by the first widget that hydrates.
    await expect(page.locator('.widget-notice', { hasText: 'refused' }), h).toHaveCount(1);
    await expect(lab.getByRole('button', { name: `Set breakpoint at ${entry}+0x15` })).toHaveAttribute('aria-pressed', 'false');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('script', { hasText: 'alert(1)' }).count()).toBe(0);
    expect(await page.locator('.widget-notice', { hasText: 'refused' }).innerHTML()).not.toContain('<');
  }
  await page.locator('.widget-notice', { hasText: 'refused' }).screenshot({ path: `${SHOTS}/hostile-hash-refused.png` });
  expect(dialogs).toBe(0);
  expect(errors).toEqual([]);
});

test('kd session: a live prompt continues the computed transcript, with history', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(CHAPTER);
  const kd = await hydrated(page, 'syscall-entry-u');
  const input = kd.getByRole('textbox', { name: /kd command/ });
  await input.fill('rdmsr c0000082');
  await input.press('Enter');
  const expected = runScenario({ id: 'x', commands: ['u nt!KiSystemCall64 L4', 'rdmsr c0000082'] });
  await expect(kd.locator('.kd-live')).toContainText(expected.transcript[1].output);
  await input.press('ArrowUp');
  await expect(input).toHaveValue('rdmsr c0000082');
  await kd.screenshot({ path: `${SHOTS}/kd-session.png` });
  expect(errors).toEqual([]);
});

test('kd session: a permalink carries the time-travel position, and a fresh page reaches it', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(CHAPTER);
  const kd = await hydrated(page, 'syscall-entry-u');
  const input = kd.getByRole('textbox', { name: /kd command/ });
  for (const line of ['bp nt!KiSystemCall64+0x15; g', 't', 't', 't-']) {
    await input.fill(line);
    await input.press('Enter');
    await expect(input).toBeEnabled();
  }
  // The same commands in Node: the position the session stands at after t-.
  const expected = runScenario({ id: 'x', commands: ['u nt!KiSystemCall64 L4', 'bp nt!KiSystemCall64+0x15; g', 't', 't', 't-', '!tt'] });
  const position = /Time Travel Position: ([0-9A-F]+):0/.exec(expected.transcript.at(-1)!.output)![1].toLowerCase();
  await expect.poll(() => page.url()).toContain(`&t=${position}&`);
  const again = await page.context().newPage();
  await again.goto(page.url());
  const restored = await hydrated(again, 'syscall-entry-u');
  await expect(restored.locator('.kd-live')).toContainText(expected.transcript[4].output);
  await expect(restored).not.toContainText('travelled');
  expect(errors).toEqual([]);
});

test('axe: no violations in the widgets with every panel open', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(CHAPTER);
  const lab = await hydrated(page, LAB);
  await lab.getByRole('button', { name: `Set breakpoint at ${entry}`, exact: true }).click();
  await lab.getByRole('button', { name: /^Go/ }).click();
  await expect(lab.locator('.lab-result')).toBeVisible();
  const st = await hydrated(page, STEPPER);
  await st.getByRole('button', { name: 'Step into (F11)' }).click();
  await st.locator('details summary').click();
  const results = await new AxeBuilder({ page }).include('.live-widget').analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});

test('mitigation toggles change the machine of a run (and travel in the permalink)', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(CHAPTER);
  const lab = await hydrated(page, LAB);
  await lab.getByRole('checkbox', { name: 'SMAP' }).check();
  await lab.getByRole('button', { name: `Set breakpoint at ${entry}`, exact: true }).press('Enter');
  await lab.getByRole('button', { name: /^Go/ }).press('Enter');
  const expected = runScenario({ id: LAB, options: { smap: true }, commands: [`bp ${entry}`, 'g'], budget: LAB_BUDGET });
  await expect(lab.locator('.lab-result .kd-transcript')).toHaveText(transcriptText(expected) + '\n');
  await expect(lab.locator('.lab-result h4.widget-subtitle')).toContainText('SMAP on');
  expect(page.url()).toContain('o=smap:1');
  await lab.screenshot({ path: `${SHOTS}/lab-smap-on.png` });
  const again = await page.context().newPage();
  await again.goto(page.url());
  const restored = await hydrated(again, LAB);
  await expect(restored.getByRole('checkbox', { name: 'SMAP' })).toBeChecked();
  await expect(restored.locator('.lab-result .kd-transcript')).toHaveText(transcriptText(expected) + '\n');
  expect(errors).toEqual([]);
});
