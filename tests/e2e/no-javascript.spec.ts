// With JavaScript disabled a chapter is complete: the same prose, tables and listings as with it,
// every widget showing its build-time content, the navigation, and no control that needs a script.
import { test, expect } from '@playwright/test';
import { chapterPages } from './site.ts';

// The chapter's own text blocks (outside widgets, whose live view may differ from their static one).
function proseBlocks() {
  return [...document.querySelectorAll('.chapter :is(h1, h2, h3, h4, p, li, th, td, pre, figcaption)')]
    .filter((el) => !el.closest('astro-island'))
    .map((el) => (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim());
}

for (const urlPath of chapterPages()) {
  test(`${urlPath} reads in full without JavaScript`, async ({ browser }) => {
    const withJs = await browser.newPage();
    await withJs.goto(urlPath);
    const prose = await withJs.evaluate(proseBlocks);
    const widgets = await withJs.locator('.chapter-body astro-island').count();
    await withJs.close();

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(urlPath);
    expect(prose.length).toBeGreaterThan(5);
    expect(await page.evaluate(proseBlocks)).toEqual(prose);
    // Every widget shows its build-time content: the reader sees the computed session or listing.
    const islands = page.locator('.chapter-body astro-island');
    await expect(islands).toHaveCount(widgets);
    for (const island of await islands.all()) {
      // textContent, not innerText: a demo behind a prediction is in a closed <details> until revealed.
      expect(((await island.textContent()) ?? '').trim().length, 'a widget with no static content').toBeGreaterThan(20);
    }
    // Listings are visible, except those behind a prediction, in its <details> until revealed.
    for (const listing of await page.locator('.chapter-body pre').all()) {
      if (await listing.evaluate((el) => el.closest('details:not([open])') === null)) await expect(listing).toBeVisible();
    }
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
