// The book built for a sub-path (BOOK_BASE=/book/, in dist-base/) works there: every page, every
// link and asset it references, a widget, a permalink and a search result all stay under /book/.
import { test, expect, type Page } from '@playwright/test';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { runScenario, transcriptText } from '../../emulator/src/scenario/index.ts';

const BASE = '/book/';
const dist = path.resolve('dist-base');

function builtPages(): string[] {
  if (!existsSync(dist)) throw new Error('dist-base/ is missing: build with BOOK_BASE=/book/ BOOK_OUT_DIR=dist-base npx astro build.');
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'pagefind' && e.name !== '_astro') walk(full);
      else if (e.name === 'index.html') {
        const rel = path.relative(dist, dir).split(path.sep).join('/');
        pages.push(BASE + (rel ? `${rel}/` : ''));
      }
    }
  };
  walk(dist);
  return pages.sort();
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('every page, and every same-site address it references, is served under /book/', async ({ page, request }) => {
  const pages = builtPages();
  expect(pages.length).toBeGreaterThanOrEqual(5);
  const checked = new Set<string>();
  for (const p of pages) {
    const errors = watchErrors(page);
    const res = await page.goto(p);
    expect(res?.status(), p).toBe(200);
    const refs = await page.evaluate(() => {
      const out: string[] = [];
      for (const el of document.querySelectorAll('a[href], link[href]')) out.push((el as HTMLAnchorElement).href);
      for (const el of document.querySelectorAll('script[src], img[src]')) out.push((el as HTMLScriptElement).src);
      for (const el of document.querySelectorAll('form[action]')) out.push((el as HTMLFormElement).action);
      for (const el of document.querySelectorAll('astro-island')) {
        for (const a of ['component-url', 'renderer-url']) {
          const v = el.getAttribute(a);
          if (v) out.push(new URL(v, location.href).href);
        }
      }
      return out;
    });
    for (const ref of refs) {
      const url = new URL(ref);
      if (url.origin !== new URL(page.url()).origin) continue;
      expect(url.pathname.startsWith(BASE), `${p} links to ${url.pathname}, outside ${BASE}`).toBe(true);
      const target = url.pathname;
      if (checked.has(target)) continue;
      checked.add(target);
      const r = await request.get(target);
      expect(r.status(), `${p} -> ${target}`).toBe(200);
    }
    expect(errors, p).toEqual([]);
  }
  expect(checked.size).toBeGreaterThan(10);
});

test('a widget runs under /book/, and its permalink restores there', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`${BASE}chapters/handling-syscalls/`);
  const lab = page.locator('[data-widget-id="syscall-entry-lab"]');
  // The lab sits in the bp0 prediction's answer: reveal it as a reader would.
  await lab.locator('xpath=ancestor::details[1]/summary').click();
  await lab.scrollIntoViewIfNeeded();
  await expect(lab.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
  await lab.getByRole('button', { name: 'Set breakpoint at nt!KiSystemCall64+0x15' }).click();
  await lab.getByRole('button', { name: /^Go/ }).click();
  // The outcome the same run reaches in Node, not a string typed here.
  const expected = transcriptText(runScenario({ id: 'syscall-entry-lab', commands: ['bp nt!KiSystemCall64+0x15', 'g'] }));
  await expect(lab.locator('.lab-result .kd-transcript')).toHaveText(expected, { timeout: 20_000 });
  const link = new URL(page.url());
  expect(link.pathname).toBe(`${BASE}chapters/handling-syscalls/`);
  expect(link.hash).toContain('w=syscall-entry-lab&bp=15&go=1');
  const again = await page.context().newPage();
  await again.goto(link.pathname + link.hash);
  const restored = again.locator('[data-widget-id="syscall-entry-lab"]');
  await restored.scrollIntoViewIfNeeded();
  // The restore loads the emulator and boots before it runs.
  await expect(restored.locator('.lab-result .kd-transcript')).toHaveText(expected, { timeout: 20_000 });
  expect(errors).toEqual([]);
});

test('search finds chapters and its results lead to pages under /book/', async ({ page }) => {
  await page.goto(BASE);
  const box = page.getByRole('searchbox', { name: 'Search the book' });
  await box.fill('KiSystemCall64');
  await box.press('Enter');
  await expect(page).toHaveURL(new RegExp(`${BASE}search/\\?q=KiSystemCall64$`));
  const links = page.locator('#search-results li a');
  await expect(links.first()).toBeVisible();
  const hrefs = await links.evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  for (const h of hrefs) expect(h).toMatch(/^\/book\/chapters\/[a-z0-9-]+\/$/);
  await links.filter({ hasText: 'Handling syscalls' }).first().click();
  await expect(page).toHaveURL(new RegExp(`${BASE}chapters/handling-syscalls/$`));
  await expect(page.locator('h1')).toHaveText('Handling syscalls');
});
