// Pagefind search on the built site: the header box leads to results, and a result to its chapter.
import { test, expect } from '@playwright/test';

test('searching for KiSystemCall64 from the header finds the handler chapter and leads to it', async ({ page }) => {
  await page.goto('/');
  const box = page.getByRole('searchbox', { name: 'Search the book' });
  await box.fill('KiSystemCall64');
  await box.press('Enter');
  await expect(page).toHaveURL(/\/search\/\?q=KiSystemCall64$/);
  const results = page.locator('#search-results li');
  await expect(results.first()).toBeVisible();
  const titles = await results.locator('a').allTextContents();
  expect(titles).toContain('Handling syscalls');
  await expect(page.getByRole('status')).toContainText(/\d+ chapters? match/);
  await results.getByRole('link', { name: 'Handling syscalls' }).click();
  await expect(page).toHaveURL(/\/chapters\/handling-syscalls\/$/);
  await expect(page.locator('h1')).toHaveText('Handling syscalls');
});

test('searching for SWAPGS finds the chapters that discuss it, and only chapters', async ({ page }) => {
  await page.goto('/search/?q=SWAPGS');
  const links = page.locator('#search-results li a');
  await expect(links.first()).toBeVisible();
  const titles = await links.allTextContents();
  expect(titles).toEqual(expect.arrayContaining(['Handling syscalls', 'SWAPGS and the per-CPU data behind GS']));
  const hrefs = await links.evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  for (const href of hrefs) expect(href).toMatch(/^\/chapters\/[a-z0-9-]+\/$/);
  await expect(page.locator('#search-results mark').first()).toBeVisible();
});

test('a word that appears nowhere gets a clear answer', async ({ page }) => {
  await page.goto('/search/?q=zzyzxqqq');
  await expect(page.getByRole('status')).toHaveText('No chapter matches “zzyzxqqq”.');
  await expect(page.locator('#search-results li')).toHaveCount(0);
});
