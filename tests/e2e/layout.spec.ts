// Every page at 1280 px, at 360 px and at 200 % zoom (a 1280 px window zoomed twice is 640 CSS px
// wide): nothing scrolls sideways except code listings inside their own box. Full-page screenshots
// of each page in both themes at 1280 and 360 px go to tests/e2e/screenshots/ (git-ignored).
import { test, expect, type Page } from '@playwright/test';
import { builtPages, pageName, SAVE_SHOTS } from './site.ts';

const widths = [
  { name: '1280', viewport: { width: 1280, height: 900 }, scale: 1 },
  { name: '360', viewport: { width: 360, height: 780 }, scale: 1 },
  { name: 'zoom200', viewport: { width: 640, height: 450 }, scale: 2 },
];

async function horizontalOverflow(page: Page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1 && !el.closest('pre'))
      .filter((el) => getComputedStyle(el).position !== 'absolute' || !el.classList.contains('skip-link'))
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide: wide.slice(0, 5) };
  });
}

for (const urlPath of [...builtPages(), '/no-such-page/']) {
  for (const w of widths) {
    for (const scheme of ['light', 'dark'] as const) {
      if (w.name === 'zoom200' && scheme === 'dark') continue;
      test(`${urlPath} at ${w.name} (${scheme})`, async ({ browser }) => {
        const context = await browser.newContext({
          viewport: w.viewport,
          deviceScaleFactor: w.scale,
          colorScheme: scheme,
        });
        const page = await context.newPage();
        await page.goto(urlPath.startsWith('/search/') ? `${urlPath}?q=SWAPGS` : urlPath);
        if (urlPath.startsWith('/search/')) await expect(page.locator('#search-results li').first()).toBeVisible();
        const overflow = await horizontalOverflow(page);
        expect(overflow.scrollWidth, JSON.stringify(overflow)).toBeLessThanOrEqual(overflow.clientWidth);
        // On narrow screens the chapter list comes first; the title must be reachable by scrolling.
        await page.locator('h1').scrollIntoViewIfNeeded();
        await expect(page.locator('h1')).toBeInViewport();
        if (w.name !== 'zoom200' && SAVE_SHOTS) {
          await page.screenshot({
            path: `tests/e2e/screenshots/${pageName(urlPath)}-${w.name}-${scheme}.png`,
            fullPage: true,
          });
        }
        await context.close();
      });
    }
  }
}
