// The breakpoint maps of "Handling syscalls" on the built site: readable without JavaScript, at
// 390 px, in print and with a screen reader (each cell's outcome in words), axe-clean in both
// themes, and live (a cell runs again). What a cell says is compared with the same kd run made here
// in Node (runScenario), never with outcomes typed into the test.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { runScenario } from '../../emulator/src/scenario/index.ts';
import { MAP_BUDGET } from '../../emulator/src/debugger/bpmap.ts';

const CHAPTER = '/chapters/handling-syscalls/';
const MAPS = ['syscall-entry-map', 'syscall-shadow-map'];
const MAP = MAPS[0];
const SHOTS = 'tests/e2e/screenshots';
mkdirSync(SHOTS, { recursive: true });
// Each test loads the chapter with every widget on it, and some run kd in Node: not quick.
test.describe.configure({ timeout: 240_000 });

/** Scrolls the map into view and waits for its island to hydrate (slow on a busy machine). */
async function hydrated(page: Page, id = MAP) {
  const map = page.locator(`[data-widget-id="${id}"]`);
  await map.scrollIntoViewIfNeeded();
  await expect(map.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/, { timeout: 60_000 });
  return map;
}
const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** The words a plain kd run of `bp <label>`, `g` ends with, as the map would describe them. */
function nodeOutcome(label: string, options: Record<string, boolean>): { kind: string; code?: number } {
  const t = runScenario({ id: 'e2e-bpmap', options, commands: [`bp ${label}`, 'g'], budget: MAP_BUDGET });
  return { kind: t.outcome.kind, code: t.outcome.code };
}

/** Does the cell's text (mark + word + description) agree with kd's outcome kind? */
function agrees(cellText: string, o: { kind: string; code?: number }): boolean {
  switch (o.kind) {
    case 'break': return /Breakpoint hit/.test(cellText);
    case 'bugcheck': return cellText.includes(`bug check 0x${(o.code ?? 0).toString(16).toUpperCase()}`);
    case 'triple-fault': return /Triple fault/.test(cellText);
    case 'budget': case 'exited': return /Never reached|kd heard nothing/.test(cellText);
    default: return /something else/.test(cellText);
  }
}

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('both maps are in the page: rows, a mark and a word per cell, a legend, and the cells agree with kd', async ({ page }) => {
    await page.goto(CHAPTER);
    for (const id of MAPS) {
      const map = page.locator(`[data-widget-id="${id}"]`);
      await expect(map.locator('.bpmap-legend li').first()).toContainText('hit');
      const machines = await map.locator('thead th.bpmap-machine').count();
      expect(machines).toBeGreaterThanOrEqual(2);
      // Every row has one cell per machine; every cell a mark, a word, and its outcome in words.
      const rows = await map.locator('tbody tr:not(.bpmap-symbol)').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td.bpmap-cell')].map((td) => ({
        mark: td.querySelector('.bpmap-mark')?.textContent ?? '',
        word: td.querySelector('.bpmap-word')?.textContent?.trim() ?? '',
        words: td.querySelector('.visually-hidden')?.textContent ?? '',
      }))));
      expect(rows.length).toBeGreaterThan(4);
      for (const cells of rows) {
        expect(cells.length).toBe(machines);
        for (const c of cells) {
          expect(c.mark).not.toBe('');
          expect(c.word).not.toBe('');
          expect(c.words.length).toBeGreaterThan(10);
        }
      }
    }
    // A sample of cells of the first map, per machine: what the page says is what kd does.
    const map = page.locator(`[data-widget-id="${MAP}"]`);
    const data = JSON.parse((await map.locator('xpath=ancestor::astro-island[1]').getAttribute('props'))!).map[1];
    const parsed = JSON.parse(data) as { machines: Array<{ options: Record<string, boolean> }>; rows: Array<{ label: string }> };
    const rows = map.locator('tbody tr:not(.bpmap-symbol)');
    for (const r of [0, 3, parsed.rows.length - 1]) {
      for (let m = 0; m < parsed.machines.length; m++) {
        const text = (await rows.nth(r).locator('td.bpmap-cell').nth(m).textContent()) ?? '';
        const o = nodeOutcome(parsed.rows[r].label, parsed.machines[m].options);
        expect(agrees(text, o), `${parsed.rows[r].label}, machine ${m}: page says "${text}", kd ${JSON.stringify(o)}`).toBe(true);
      }
    }
    await map.screenshot({ path: `${SHOTS}/bpmap-nojs.png` });
  });
});

test('at 390 px the page does not scroll sideways; the map scrolls inside its own focusable region', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(CHAPTER);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  const region = page.locator(`[data-widget-id="${MAP}"] .bpmap-scroll`);
  await expect(region).toHaveAttribute('tabindex', '0');
  await expect(region).toHaveAttribute('role', 'region');
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.locator(`[data-widget-id="${MAP}"]`).screenshot({ path: `${SHOTS}/bpmap-390-${theme}.png` });
  }
});

test('in print the whole map is on paper: no scrolling box, every cell with its mark and word', async ({ page }) => {
  await page.goto(CHAPTER);
  await page.emulateMedia({ media: 'print' });
  const map = page.locator(`[data-widget-id="${MAP}"]`);
  const region = map.locator('.bpmap-scroll');
  expect(await region.evaluate((e) => getComputedStyle(e).overflowX)).toBe('visible');
  const table = map.locator('table');
  const [tw, rw] = await Promise.all([table.evaluate((e) => e.scrollWidth), region.evaluate((e) => e.clientWidth)]);
  expect(tw).toBeLessThanOrEqual(rw + 1);
  // Every cell shows its mark; where a word stands beside it (all but hit and not reached), it is
  // printed too.
  const shown = await map.locator('td.bpmap-cell').evaluateAll((tds) => tds.map((td) => {
    const mark = td.querySelector('.bpmap-mark') as HTMLElement;
    const word = td.querySelector('.bpmap-word') as HTMLElement;
    return { mark: mark.offsetWidth > 0, word: word.offsetWidth > 0, plain: td.classList.contains('o-hit') || td.classList.contains('o-not-reached') };
  }));
  for (const c of shown) {
    expect(c.mark).toBe(true);
    expect(c.word).toBe(!c.plain);
  }
  await map.screenshot({ path: `${SHOTS}/bpmap-print.png` });
});

for (const theme of ['light', 'dark'] as const) {
  test(`axe finds nothing in the maps, before and after a run (${theme}); screenshots at 1280 px`, async ({ page }) => {
    // axe's contrast rule over a few hundred coloured cells is slow on a loaded machine.
    test.setTimeout(600_000);
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: theme });
    await page.goto(CHAPTER);
    const map = await hydrated(page);
    const check = async () => {
      const r = await new AxeBuilder({ page }).withTags(wcagTags).include('.bp-map').analyze();
      expect(r.violations.map((v) => `${v.id}: ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    };
    await check();
    await map.screenshot({ path: `${SHOTS}/bpmap-1280-${theme}.png` });
    // Live: a cell runs its breakpoint again and shows kd's transcript; the hash names the run.
    const cell = map.locator('tbody tr:not(.bpmap-symbol)').nth(0).locator('td.bpmap-cell a').first();
    const said = (await cell.textContent()) ?? '';
    await cell.click();
    const run = map.locator('.bpmap-run');
    await expect(run.locator('.kd-transcript')).toContainText('0: kd> g', { timeout: 30_000 });
    await expect(page).toHaveURL(/#w=syscall-entry-map&r=0&m=0&go=1&v=/);
    const label = JSON.parse(JSON.parse((await map.locator('xpath=ancestor::astro-island[1]').getAttribute('props'))!).map[1]).rows[0].label;
    expect(agrees(said, nodeOutcome(label, {}))).toBe(true);
    await check();
    await map.screenshot({ path: `${SHOTS}/bpmap-run-1280-${theme}.png` });
    expect(errors).toEqual([]);
  });
}

test('a permalink to a cell opens its run when the map hydrates', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(CHAPTER);
  const hash = await page.locator(`[data-widget-id="${MAP}"] td.bpmap-cell a`).nth(1).getAttribute('href');
  await page.goto(CHAPTER + hash);
  await page.reload();
  const map = await hydrated(page);
  await expect(map.locator('.bpmap-run .kd-transcript')).toContainText('0: kd> g', { timeout: 30_000 });
  await page.goto(CHAPTER + hash!.replace(/&r=[0-9a-f]+/, '&r=zz'));
  await page.reload();
  await hydrated(page);
  await expect(map.locator('.widget-notice')).toContainText('refused');
  expect(errors).toEqual([]);
});
