// The fidelity page is generated from the emulator's provenance records; each demo's badge names
// the assumed routines its runs passed through and links to their entries; a causal chain marks the
// step that ran assumed code. All of it in the HTML, readable without JavaScript and in print.
import { test, expect } from '@playwright/test';
import { ROUTINE_PROVENANCE, STRUCT_PROVENANCE, countByStatus } from '../../emulator/src/windows/provenance/index.ts';
import { provenanceAnchor } from '../../emulator/src/windows/provenance/anchor.ts';

const routines = Object.values(ROUTINE_PROVENANCE);

test.describe('fidelity page', () => {
  test.use({ javaScriptEnabled: false });

  test('lists every routine and structure with its status, and the counts per status', async ({ page }) => {
    await page.goto('/fidelity/');
    for (const r of routines) {
      const entry = page.locator(`[id="${provenanceAnchor(r.symbol)}"]`);
      await expect(entry, r.symbol).toHaveCount(1);
      await expect(entry.locator('.provenance-status')).toHaveText(r.status === 'assumption' ? 'Assumption' : r.status === 'exact' ? 'Exact' : 'Reconstructed');
    }
    for (const s of Object.values(STRUCT_PROVENANCE)) await expect(page.locator(`[id="${provenanceAnchor(s.name)}"]`), s.name).toHaveCount(1);
    const c = countByStatus(routines);
    await expect(page.locator('.counts')).toContainText(`${routines.length} routines`);
    await expect(page.locator('.counts')).toContainText(`${c.exact} exact, ${c.reconstructed} reconstructed, ${c.assumption} assumed`);
    await expect(page.locator('#assumptions')).toContainText(`(${c.assumption})`);
    // Each source with a public address is a link.
    await expect(page.locator('[id="nt-KiSystemCall64"] .provenance-sources a')).toHaveAttribute('href', /Crash-Dump-Analysis/);
  });

  for (const width of [1280, 390]) {
    test(`reads at ${width} px without horizontal scrolling`, async ({ page }) => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/fidelity/');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/fidelity/page-${width}.png`, fullPage: false });
    });
  }
});

test.describe('badges and causal chains', () => {
  test.use({ javaScriptEnabled: false });

  test('a badge names the assumed steps its outcome passed through, each linked to its entry', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/chapters/handling-syscalls/');
    const badge = page.locator('.fidelity-badge', { hasText: 'assumed step' }).first();
    await expect(badge).toContainText(/passes through \d+ assumed steps?:/);
    const anchors = await badge.locator('a[href^="/fidelity/#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!.split('#')[1]));
    expect(anchors.length).toBeGreaterThan(0);
    const assumed = new Set(routines.filter((r) => r.status === 'assumption').map((r) => provenanceAnchor(r.symbol)));
    for (const a of anchors) expect(assumed.has(a), a).toBe(true);
    await badge.scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/fidelity/badge-1280.png', clip: (await badge.boundingBox())! });
    // The causal chain marks the steps that ran assumed code, in words (print has no colour).
    const marked = page.locator('.event-chain li.event-assumed').first();
    await expect(marked).toContainText('Assumed code: nt!');
    await expect(marked.locator('.event-assumption a').first()).toHaveAttribute('href', /^\/fidelity\/#nt-/);
    await marked.scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/fidelity/chain-1280.png' });
  });

  test('at 390 px the badge wraps inside the page', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 900 });
    await page.goto('/chapters/handling-syscalls/');
    const badge = page.locator('.fidelity-badge', { hasText: 'assumed step' }).first();
    await badge.scrollIntoViewIfNeeded();
    const box = (await badge.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: 'test-results/fidelity/badge-390.png' });
  });

  test('print keeps the badges and the marks', async ({ page }) => {
    await page.emulateMedia({ media: 'print' });
    await page.goto('/chapters/handling-syscalls/');
    await expect(page.locator('.fidelity-badge', { hasText: 'assumed step' }).first()).toBeVisible();
    await expect(page.locator('.event-assumption').first()).toBeVisible();
  });
});
