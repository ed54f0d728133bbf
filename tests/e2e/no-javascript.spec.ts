// With JavaScript disabled a chapter is complete: the same text, listings, asides and navigation as
// with it, and no control that would need a script to work.
import { test, expect } from '@playwright/test';
import { chapterPages } from './site.ts';

for (const urlPath of chapterPages()) {
  test(`${urlPath} reads in full without JavaScript`, async ({ browser }) => {
    const withJs = await browser.newPage();
    await withJs.goto(urlPath);
    const fullText = await withJs.locator('.chapter').evaluate((el) => {
      const copy = el.cloneNode(true) as HTMLElement;
      copy.querySelectorAll('.copy-button').forEach((b) => b.remove());
      return copy.textContent!.replace(/\s+/g, ' ').trim();
    });
    const counts = await withJs.evaluate(() => ({
      headings: document.querySelectorAll('.chapter-body :is(h2,h3,h4)').length,
      listings: document.querySelectorAll('.chapter-body pre').length,
      asides: document.querySelectorAll('.chapter-body aside').length,
    }));
    await withJs.close();

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(urlPath);
    const text = await page.locator('.chapter').evaluate((el) => el.textContent!.replace(/\s+/g, ' ').trim());
    expect(text).toBe(fullText);
    expect(
      await page.evaluate(() => ({
        headings: document.querySelectorAll('.chapter-body :is(h2,h3,h4)').length,
        listings: document.querySelectorAll('.chapter-body pre').length,
        asides: document.querySelectorAll('.chapter-body aside').length,
      })),
    ).toEqual(counts);
    await expect(page.locator('.chapter-body')).toBeVisible();
    for (const listing of await page.locator('.chapter-body pre').all()) await expect(listing).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Chapters' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'On this page' })).toBeVisible();
    // Controls that only a script can run stay out of sight.
    await expect(page.locator('#theme-toggle')).toBeHidden();
    await expect(page.locator('.copy-button')).toHaveCount(0);
    await context.close();
  });
}

test('the search page says that search needs JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/search/?q=SWAPGS');
  await expect(page.getByText('Search runs in your browser and needs JavaScript.')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Chapters' }).getByRole('link')).not.toHaveCount(0);
  await context.close();
});
