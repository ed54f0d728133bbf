// axe-core (WCAG 2.0-2.2, levels A and AA) on every page but the chapters, in the light and in the
// dark theme. The chapters get the same check in chapters.spec.ts with every widget hydrated.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { builtPages } from './site.ts';

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} theme`, () => {
    test.use({ colorScheme: scheme });
    for (const urlPath of [...builtPages().filter((p) => !p.startsWith('/chapters/')), '/no-such-page/', '/search/?q=SWAPGS']) {
      test(`axe finds no violation on ${urlPath}`, async ({ page }) => {
        test.setTimeout(120_000);
        await page.goto(urlPath);
        if (urlPath.startsWith('/search/?')) await expect(page.locator('#search-results li').first()).toBeVisible();
        const theme = await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme);
        expect(theme).toContain(scheme);
        const results = await new AxeBuilder({ page }).withTags(wcagTags).analyze();
        const summary = results.violations.map(
          (v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`,
        );
        expect(summary).toEqual([]);
      });
    }
  });
}
