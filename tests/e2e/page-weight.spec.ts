// The JavaScript budget: a page without widgets ships at most 5 KB of gzip JavaScript (the theme
// and copy-button scripts); reading never depends on more.
import { test, expect } from '@playwright/test';
import { measurePages, jsBudgetWithoutWidgets } from '../../scripts/page-weight.mjs';

test('every page without widgets ships at most 5 KB of gzip JavaScript', () => {
  const rows = measurePages();
  expect(rows.length).toBeGreaterThanOrEqual(5);
  const plain = rows.filter((r) => !r.hasWidgets);
  expect(plain.map((r) => r.page)).toContain('/');
  for (const row of plain) expect(row.js, `${row.page}: ${row.js} bytes of gzip JS`).toBeLessThanOrEqual(jsBudgetWithoutWidgets);
});

test('the search page counts the search client it loads on demand', () => {
  const search = measurePages().find((r) => r.page === '/search/');
  expect(search?.hasWidgets).toBe(true);
  expect(search!.js).toBeGreaterThan(jsBudgetWithoutWidgets / 5);
});
