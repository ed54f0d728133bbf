// The offline book: one visit installs the service worker, which precaches every page and chunk;
// then, with the network off, every chapter reloads and a widget runs the emulator.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runScenario, transcriptText } from '../../emulator/src/scenario/index.ts';
import { mkdirSync } from 'node:fs';
import { builtPages, chapterPages, distDir } from './site.ts';

const SHOTS = 'test-results/offline';
mkdirSync(SHOTS, { recursive: true });

test.use({ serviceWorkers: 'allow' });

async function installed(page: Page) {
  await page.goto('/');
  // Registered once the page is idle; ready resolves when the worker is active (precache done).
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!reg.active) throw new Error('no active service worker');
  });
}

test('after one visit, every page reloads offline and a widget runs', async ({ page, context }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await installed(page);
  const manifest = JSON.parse(readFileSync(path.join(distDir, 'offline-cache.json'), 'utf8'));
  expect(manifest.files).toBeGreaterThan(20);

  await context.setOffline(true);
  for (const p of builtPages()) {
    const res = await page.goto(p);
    expect(res?.status(), p).toBe(200);
    await page.reload();
    await expect(page.locator('h1').first()).toBeVisible();
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller), p).toBe(true);
    await expect(page.locator('#offline-status')).toHaveText('You are offline. Saved for offline reading: every chapter and demo works without a network.');
  }
  expect(chapterPages().length).toBeGreaterThanOrEqual(3);

  // A widget, offline: the lab loads the emulator chunk from the cache and computes the run
  // Node computes.
  await page.goto('/chapters/handling-syscalls/');
  const lab = page.locator('[data-widget-id="syscall-entry-lab"]');
  // The lab sits in the bp0 prediction's answer: reveal it as a reader would.
  await lab.locator('xpath=ancestor::details[1]/summary').click();
  await lab.scrollIntoViewIfNeeded();
  await expect(lab.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
  await lab.getByRole('button', { name: 'Set breakpoint at nt!KiSystemCall64+0x15' }).click();
  await lab.getByRole('button', { name: /^Go/ }).click();
  const expected = transcriptText(runScenario({ id: 'syscall-entry-lab', commands: ['bp nt!KiSystemCall64+0x15', 'g'] }));
  await expect(lab.locator('.lab-result .kd-transcript')).toHaveText(expected);
  await lab.screenshot({ path: `${SHOTS}/lab-offline-1280.png` });
  await page.locator('.site-footer').screenshot({ path: `${SHOTS}/footer-offline-1280.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await lab.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/lab-offline-390.png` });
  await page.locator('.site-footer').screenshot({ path: `${SHOTS}/footer-offline-390.png` });

  // Search, offline: the Pagefind index is precached too.
  await page.goto('/search/?q=SWAPGS');
  await expect(page.locator('#search-results li a').first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('the web app manifest is linked from every page and names the book', async ({ page, request }) => {
  await page.goto('/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const res = await request.get(href!);
  expect(res.status()).toBe(200);
  const m = await res.json();
  expect(m.name).toBe('Inside the Windows x64 System Call');
  expect(m.start_url).toBe('./');
  expect(m.scope).toBe('./');
});
