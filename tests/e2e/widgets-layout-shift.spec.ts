// Hydration must not move the page: a reader who followed a contents link keeps their place. Each
// widget's box is measured as the build renders it (JavaScript off) and once its island has
// hydrated (JavaScript on, scrolled into view, the island's `ssr` attribute gone).
import { test, expect, type Page } from '@playwright/test';
import { chapterPages } from './site.ts';

const WIDGETS = '.bp-lab, .run-block, .stepper';

/** Widgets inside a prediction's answer are measured revealed (the reader opens it first). */
async function revealAll(page: Page) {
  const closed = page.locator('details.predict-reveal:not([open]) > summary');
  while ((await closed.count()) > 0) await closed.first().click();
}

async function heights(page: Page): Promise<Array<{ id: string; height: number }>> {
  return page.locator(WIDGETS).evaluateAll((els) =>
    els.map((el) => ({ id: `${el.className} ${el.getAttribute('data-widget-id')}`, height: el.getBoundingClientRect().height })));
}

for (const urlPath of chapterPages()) {
  test(`${urlPath}: lab, code block and stepper keep their height when they hydrate`, async ({ browser }) => {
    test.setTimeout(120_000);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const noJs = await context.newPage();
    await noJs.goto(urlPath);
    await revealAll(noJs);
    const before = await heights(noJs);
    await context.close();

    const page = await browser.newPage();
    await page.goto(urlPath);
    await revealAll(page);
    const widgets = page.locator(WIDGETS);
    const count = await widgets.count();
    expect(count).toBe(before.length);
    for (let i = 0; i < count; i++) {
      const w = widgets.nth(i);
      await w.scrollIntoViewIfNeeded();
      await expect(w.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
      // Going live (enabling the controls) happens in an effect just after hydration.
      await expect(w.locator('.widget-controls button.primary')).toBeEnabled();
    }
    const after = await heights(page);
    await page.close();
    expect(after.map((a) => a.id)).toEqual(before.map((b) => b.id));
    for (let i = 0; i < count; i++) {
      expect(Math.abs(after[i].height - before[i].height), `${before[i].id}: ${before[i].height}px before hydration, ${after[i].height}px after`).toBeLessThanOrEqual(2);
    }
  });
}
