// Each widget does what its words say, tested as a reader uses the built site: predictions hide
// their answer, the lab's echo is what kd ran (kd's numbers), Step over is kd's `p` over a
// syscall, a code block runs only the reader's code, kd sessions survive `q`, permalinks keep and
// restore the whole state, phones get every instruction and 44 px targets, print drops controls.
// Outcomes are compared with the emulator run here in Node, never with typed-in strings.
import { readFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { runScenario, transcriptText } from '../../emulator/src/scenario/index.ts';
import { runProgramWith } from '../../emulator/src/scenario/program.ts';
import { bootModeledWindows } from '../../emulator/src/scenario/index.ts';

const HANDLER = '/chapters/handling-syscalls/';
const SYSCALL = '/chapters/the-syscall-instruction/';
const LAB = 'syscall-entry-lab';
const SHOTS = 'test-results/widgets';

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

async function reveal(page: Page, id: string) {
  const w = page.locator(`[data-widget-id="${id}"]`);
  const closed = w.locator('xpath=ancestor::details[not(@open)]');
  if (await closed.count()) await closed.first().locator(':scope > summary').click();
  return w;
}

async function live(page: Page, id: string) {
  const w = await reveal(page, id);
  await w.scrollIntoViewIfNeeded();
  await expect(w.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
  await expect(w.locator('.widget-controls button:enabled, .kd-prompt-form input:enabled').first()).toBeVisible();
  return w;
}

test.describe('predictions', () => {
  for (const url of [HANDLER, SYSCALL, '/chapters/swapgs-and-the-per-cpu-data/']) {
    test(`hide their demo until revealed (${url})`, async ({ page }) => {
      await page.goto(url);
      for (const p of await page.locator('[data-predict]').all()) {
        const demo = p.locator('.predict-demo');
        await expect(demo).toHaveCount(1);
        // The demo widget sits inside the answer, hidden with it.
        await expect(demo.locator('[data-widget-id]').first()).toBeHidden();
        await expect(p.locator('.predict-sentence')).toBeHidden();
        await p.locator('.predict-reveal > summary').click();
        await expect(demo.locator('[data-widget-id]').first()).toBeVisible();
      }
    });
  }

  test('a pick made before the widget hydrates counts', async ({ page }) => {
    // Hold the prediction's script back, pick, then let it hydrate.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => { release = r; });
    await page.route('**/_astro/Predict*.js', async (route) => { await held; await route.continue(); });
    await page.goto(SYSCALL);
    const p = page.locator('[data-predict]').first();
    await p.scrollIntoViewIfNeeded();
    const answer = await p.getAttribute('data-answer');
    await p.locator(`input[value="${answer}"]`).check();
    release();
    await expect(p.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
    await p.locator('.predict-reveal > summary').click();
    await expect(p.locator('.predict-verdict')).toHaveText('As you predicted.');
  });
});

test('the lab\'s echo is the list kd ran, with kd\'s breakpoint numbers, for random clicks', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.goto(HANDLER);
  const lab = await live(page, LAB);
  const rows = lab.locator('button.lab-toggle');
  const n = await rows.count();
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  for (let round = 0; round < 4; round++) {
    if (round > 0) await lab.getByRole('button', { name: 'Clear' }).click();
    const clicks = 2 + Math.floor(rnd() * 6);
    for (let i = 0; i < clicks; i++) await rows.nth(Math.floor(rnd() * n)).click();
    const echo = await lab.locator('.kd-echo .kd-echo-command').allTextContents();
    // kd, fed the echoed commands, lists exactly the rows the widget marks, with its numbers.
    const bl = runScenario({ id: 'bl', commands: [...echo, 'bl'] });
    const listed = bl.transcript[bl.transcript.length - 1].output.split('\n').filter((l) => l.trim())
      .map((l) => { const m = /^\s*(\d+) e .* (nt!\S+)$/.exec(l)!; return `${m[2]} bp ${m[1]}`; });
    const shown = await rows.evaluateAll((bs) => bs.filter((b) => b.getAttribute('aria-pressed') === 'true')
      .map((b) => `${b.getAttribute('aria-label')!.replace('Set breakpoint at ', '')} ${b.querySelector('.lab-bp-id')?.textContent}`));
    expect(shown.sort()).toEqual(listed.sort());
    await lab.getByRole('button', { name: /^Go/ }).click();
    await expect(lab.locator('.lab-result')).toBeVisible();
    // What ran is the echo, then g: the page's transcript equals kd's on the same list.
    expect(await lab.locator('.kd-echo .kd-echo-command').allTextContents()).toEqual([...echo, 'g']);
    const expected = runScenario({ id: LAB, commands: [...echo, 'g'] });
    expect((await lab.locator('.lab-result .kd-transcript').textContent())!.trimEnd()).toBe(transcriptText(expected));
  }
  expect(errors).toEqual([]);
});

test('KVA shadow: the lab lists the shadow entry and says why', async ({ page }) => {
  await page.goto(HANDLER);
  const lab = await live(page, LAB);
  await lab.getByRole('checkbox', { name: 'KVA shadow' }).check();
  await expect(lab.locator('.widget-title')).toContainText('nt!KiSystemCall64Shadow');
  await expect(lab.locator('.lab-machine')).toContainText('IA32_LSTAR names');
  await lab.getByRole('button', { name: 'Set breakpoint at nt!KiSystemCall64Shadow', exact: true }).click();
  await lab.getByRole('button', { name: /^Go/ }).click();
  // The lab's runs use the instruction budget its block sets (budget=N on the fence line).
  const fence = readFileSync('content/chapters/handling-syscalls.mdx', 'utf8').split('\n').find((l) => l.startsWith(`\`\`\`windbg lab id=${LAB}`)) ?? '';
  const budget = /\bbudget=(\d+)/.exec(fence);
  const expected = runScenario({ id: LAB, options: { kvaShadow: true }, commands: ['bp nt!KiSystemCall64Shadow', 'g'], ...(budget ? { budget: Number(budget[1]) } : {}) });
  await expect(lab.locator('.lab-result .kd-transcript')).toHaveText(transcriptText(expected) + '\n');
});

test('Step over (F10) on the user-mode syscall ends after it, in user mode, as kd\'s p', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(SYSCALL);
  const st = await live(page, 'step-syscall');
  await expect(st.locator('.stepper-line')).toContainText('syscall');
  await st.getByRole('button', { name: 'Step over (F10)' }).click();
  await expect(st.locator('.stepper-at')).toHaveText('ntdll!NtClose+0x14');
  await expect(st.locator('.stepper-facts')).toContainText(/CPL\s*3/);
  await st.getByRole('button', { name: /Step back/ }).click();
  await st.getByRole('button', { name: 'Step into (F11)' }).click();
  await expect(st.locator('.stepper-at')).toHaveText('nt!KiSystemCall64');
  expect(errors).toEqual([]);
});

test.describe('code blocks run the reader\'s code only', () => {
  const ID = 'syscall-from-user';
  const edit = async (page: Page, source: string) => {
    const w = await live(page, ID);
    await w.getByRole('textbox').fill(source);
    await w.getByRole('button', { name: 'Run the assembly' }).click();
    return w;
  };
  test('code without a syscall stops where it ends, and never reaches the kernel', async ({ page }) => {
    await page.goto(HANDLER);
    const w = await edit(page, 'mov eax, 0Fh');
    await expect(w.locator('.run-heading')).toContainText('Your code ended');
    const node = runProgramWith({ id: ID, source: 'mov eax, 0Fh', breakpoints: ['nt!KiSystemCall64+0x15'] }, bootModeledWindows);
    expect(node.ok && node.trace.outcome.breakpoint).toBeUndefined();
    await expect(w.locator('.kd-transcript')).toHaveText(transcriptText(node.ok ? node.trace : (null as never)) + '\n');
    await expect(w.locator('.kd-transcript')).not.toContainText('Breakpoint 0 hit');
    // An empty editor runs nothing.
    await w.getByRole('textbox').fill('');
    await w.getByRole('button', { name: 'Run the assembly' }).click();
    await expect(w.locator('.run-heading')).toContainText('Your code ended');
  });
  for (const [source, name] of [['ud2', '#UD'], ['xor ecx, ecx\ndiv ecx', '#DE'], ['cli', '#GP']]) {
    test(`a fault in the reader's code is shown as ${name}, with its chain`, async ({ page }) => {
      await page.goto(HANDLER);
      const w = await edit(page, source);
      await expect(w.locator('.run-fault')).toContainText(`Your code raised ${name}`);
      await expect(w.locator('.run-fault .event-chain li').first()).toContainText(name);
    });
  }
  test('an assembler error drops the old output; Restore clears the link', async ({ page }) => {
    await page.goto(HANDLER);
    const w = await edit(page, 'mov eax,');
    await expect(w.locator('.run-error')).toBeVisible();
    await expect(w.locator('.run-heading')).toContainText('did not assemble');
    await expect(w.locator('.kd-transcript')).toHaveCount(0);
    expect(page.url()).toContain(`#w=${ID}&src=`);
    await w.getByRole('button', { name: 'Restore the original' }).click();
    expect(page.url()).not.toContain('#w=');
  });
});

test.describe('kd sessions', () => {
  const ID = 'syscall-entry-u';
  const type = async (page: Page, line: string) => {
    const kd = page.locator(`[data-widget-id="${ID}"]`);
    const input = kd.getByRole('textbox', { name: /kd command/ });
    await input.fill(line);
    await input.press('Enter');
    await expect(input).toBeEnabled();
    return kd;
  };
  test('q ends the session visibly, and the next command runs in a new one', async ({ page }) => {
    await page.goto(HANDLER);
    await live(page, ID);
    const kd = await type(page, 'q');
    await expect(kd.locator('.kd-live')).toContainText('session has ended');
    await type(page, 'r rip');
    const expected = runScenario({ id: 'x', commands: ['u nt!KiSystemCall64 L4', 'r rip'] });
    await expect(kd.locator('.kd-live')).toContainText(expected.transcript[1].output);
    await type(page, '.cls');
    await expect(kd.locator('.kd-live')).toHaveCount(0);
  });
  test('long input is refused with a message, never cut', async ({ page }) => {
    await page.goto(HANDLER);
    const kd = await live(page, ID);
    const input = kd.getByRole('textbox', { name: /kd command/ });
    await input.fill('? ' + '1+'.repeat(600) + '1');
    await input.press('Enter');
    await expect(kd.locator('.widget-notice')).toContainText('characters long');
    await expect(input).not.toHaveValue('');
  });
  test('the live transcript stays in a bounded box, with Reset', async ({ page }) => {
    test.setTimeout(90_000);
    await page.goto(HANDLER);
    const kd = await live(page, ID);
    for (let i = 0; i < 25; i++) await type(page, 'r');
    const box = await kd.locator('.kd-live').boundingBox();
    expect(box!.height).toBeLessThan(450);
    await kd.getByRole('button', { name: 'Reset' }).click();
    await expect(kd.locator('.kd-live')).toHaveCount(0);
  });
  test('a 50-command permalink and a non-ASCII one round-trip', async ({ page, context }) => {
    test.setTimeout(120_000);
    await page.goto(HANDLER);
    await live(page, ID);
    for (let i = 0; i < 50; i++) await type(page, i === 49 ? '* caf\u00e9 \u2192 \u00fcber' : `? ${i}`);
    const commands = await page.locator(`[data-widget-id="${ID}"] .kd-live .kd-command`).allTextContents();
    expect(commands).toHaveLength(50);
    const link = page.url();
    const again = await context.newPage();
    await again.goto(link);
    const kd = again.locator(`[data-widget-id="${ID}"]`);
    await expect(kd.locator('.kd-live .kd-command')).toHaveCount(50);
    expect(await kd.locator('.kd-live .kd-command').allTextContents()).toEqual(commands);
    await expect(kd.locator('.widget-notice')).toHaveCount(0);
  });
});

test.describe('permalinks', () => {
  test('open at their widget, hydrated and highlighted, and restore it', async ({ page, context }) => {
    await page.goto(HANDLER);
    const st = await live(page, 'syscall-entry-stepper');
    await st.getByRole('button', { name: 'Step into (F11)' }).click();
    await st.getByRole('button', { name: 'Step into (F11)' }).click();
    await expect(st.getByRole('button', { name: 'Copy link' })).toBeVisible();
    const link = page.url();
    const again = await context.newPage();
    await again.goto(link);
    const w = again.locator('[data-widget-id="syscall-entry-stepper"]');
    await expect(w.locator('.stepper-count')).toHaveText('Steps taken: 2');
    await expect(w).toBeInViewport();
    await expect(w.locator('xpath=ancestor::astro-island[1]')).toHaveAttribute('data-permalink-target', '');
    // A widget inside a prediction's answer: the link opens the answer too.
    const third = await context.newPage();
    await third.goto(`${HANDLER}#w=${LAB}&bp=15&go=1&v=${await page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('v'))}`);
    const lab = third.locator(`[data-widget-id="${LAB}"]`);
    await expect(lab.locator('.lab-result')).toContainText('Breakpoint 0 hit', { timeout: 20_000 });
    await expect(lab).toBeInViewport();
  });
  test('non-ASCII code round-trips through a code block\'s link', async ({ page, context }) => {
    await page.goto(HANDLER);
    const w = await live(page, 'syscall-from-user');
    const source = 'mov eax, 0Fh   ; caf\u00e9 \u2014 \u65e5\u672c\n' + 'nop\n'.repeat(150);
    await w.getByRole('textbox').fill(source);
    await w.getByRole('button', { name: 'Run the assembly' }).click();
    await expect(w.locator('.run-heading')).toContainText('Your code ended');
    const again = await context.newPage();
    await again.goto(page.url());
    const w2 = again.locator('[data-widget-id="syscall-from-user"]');
    await expect(w2.getByRole('textbox')).toHaveValue(source);
    await expect(w2.locator('.widget-notice')).toHaveCount(0);
  });
});

test.describe('phones (390 px)', () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test('every lab row shows its instruction, and every control is 44 px tall', async ({ page }) => {
    await page.goto(HANDLER);
    const lab = await live(page, LAB);
    for (const row of await lab.locator('.lab-toggle').all()) {
      const ins = await row.locator('.lab-ins').boundingBox();
      const box = await row.boundingBox();
      expect(ins!.x + ins!.width).toBeLessThanOrEqual(box!.x + box!.width + 0.5);
      expect(await row.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    }
    const st = await live(page, 'syscall-entry-stepper');
    const kd = await live(page, 'syscall-entry-u');
    for (const w of [lab, st, kd]) {
      // A checkbox's target is its label, which is the whole option row.
      const targets = await w.locator('button:visible, input:visible').evaluateAll((cs) => cs.map((c) => {
        const t = (c as HTMLInputElement).type === 'checkbox' ? c.closest('label') ?? c : c;
        return { name: c.getAttribute('aria-label') ?? c.textContent ?? c.tagName, height: t.getBoundingClientRect().height };
      }));
      for (const t of targets) expect(t.height, t.name).toBeGreaterThanOrEqual(44);
    }
    // The stepper's stack table keeps its U/S column in view.
    // The stepper's stack and GS-memory tables keep their U/S column on screen, without a
    // sideways scroll.
    const panel = (await st.boundingBox())!;
    for (const tag of await st.locator('.stack-table .tag, .mem-table .tag').all()) {
      const t = (await tag.boundingBox())!;
      expect(t.x + t.width).toBeLessThanOrEqual(panel.x + panel.width);
    }
    for (const box of await st.locator('.stack-scroll, .table-scroll:has(.mem-table)').all()) {
      expect(await box.evaluate((e) => e.scrollWidth <= e.clientWidth + 1)).toBe(true);
    }
    await st.screenshot({ path: `${SHOTS}/stepper-390.png` });
    await lab.screenshot({ path: `${SHOTS}/lab-390.png` });
  });
});

test('print: no controls, and predictions print their answers', async ({ page }) => {
  await page.goto(HANDLER);
  await page.emulateMedia({ media: 'print' });
  for (const sel of ['.widget-controls', '.kd-prompt-form', '.predict-choice input', '.predict-reveal > summary']) {
    for (const el of await page.locator(sel).all()) await expect(el).toBeHidden();
  }
  for (const s of await page.locator('.predict-sentence').all()) await expect(s).toBeVisible();
  await expect(page.locator(`[data-widget-id="${LAB}"] .lab-precomputed`)).toBeVisible();
});

test('search results lead to sections, with excerpts free of widget chrome', async ({ page }) => {
  await page.goto('/search/?q=swapgs');
  const sections = page.locator('#search-results .search-sections a');
  await expect(sections.first()).toBeVisible();
  const hrefs = await sections.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')!));
  for (const h of hrefs) expect(h).toMatch(/^\/chapters\/[a-z0-9-]+\/#[a-z0-9-]+$/);
  const text = await page.locator('#search-results').textContent();
  expect(text).not.toMatch(/rax=|Breakpoint lab|kd session|Interactive when JavaScript runs/);
  // A section link lands on its heading.
  await sections.first().click();
  const id = new URL(page.url()).hash.slice(1);
  await expect(page.locator(`[id="${id}"]`)).toBeInViewport();
});
