// Every page of the built book: answers 200, shows its h1, logs no console error, has no failed
// request, and every internal link on it leads to a page (and a fragment to an element) that exists.
import { test, expect, type Page } from '@playwright/test';
import { builtPages } from './site.ts';

const pages = builtPages();

function watchForTrouble(page: Page) {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  return problems;
}

test('the built site has the landing page, the search page and at least three chapters', () => {
  expect(pages).toContain('/');
  expect(pages).toContain('/search/');
  expect(pages.filter((p) => p.startsWith('/chapters/')).length).toBeGreaterThanOrEqual(3);
});

for (const urlPath of pages) {
  test(`${urlPath} loads cleanly and its internal links resolve`, async ({ page, request }) => {
    const problems = watchForTrouble(page);
    const response = await page.goto(urlPath);
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1')).toHaveCount(1);
    await expect(page.locator('h1')).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);

    const hrefs = await page.locator('a[href]').evaluateAll((links) =>
      links.map((a) => (a as HTMLAnchorElement).href),
    );
    const origin = new URL(page.url()).origin;
    const checked = new Map<string, number>();
    for (const href of hrefs) {
      const url = new URL(href);
      if (url.origin !== origin) continue;
      const target = url.pathname;
      if (!checked.has(target)) checked.set(target, (await request.get(target)).status());
      expect(checked.get(target), `link to ${href} on ${urlPath}`).toBe(200);
      // `#w=<widget>&...` is a widget permalink, not an element id (widgets-promises.spec.ts follows them).
      if (url.hash && !url.hash.startsWith('#w=')) {
        const id = decodeURIComponent(url.hash.slice(1));
        if (target === new URL(page.url()).pathname) {
          await expect(page.locator(`[id="${id}"]`), `fragment ${url.hash} on ${urlPath}`).toHaveCount(1);
        } else {
          const body = await (await request.get(target)).text();
          expect(body, `fragment ${href}`).toContain(`id="${id}"`);
        }
      }
    }
  });
}

test('an unknown address gets the 404 page with a way back to the book', async ({ page }) => {
  const response = await page.goto('/chapters/no-such-chapter/');
  expect(response?.status()).toBe(404);
  await expect(page.locator('h1')).toHaveText('Page not found');
  const back = page.getByRole('link', { name: 'Back to the start of the book' });
  await back.click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('h1')).toHaveText('Inside the Windows x64 System Call');
});
