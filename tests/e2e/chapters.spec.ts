// The chapters' own conventions and the facts the handler chapter must keep.
import { test, expect } from '@playwright/test';
import { chapterPages } from './site.ts';

test('every caution and note is an <aside role="note"> with a matching label and title', async ({ page }) => {
  let seen = 0;
  for (const urlPath of chapterPages()) {
    await page.goto(urlPath);
    for (const aside of await page.locator('.chapter-body aside').all()) {
      seen++;
      const kind = await aside.getAttribute('class');
      expect(['caution', 'note'], `aside on ${urlPath}`).toContain(kind);
      const label = kind === 'caution' ? 'Caution' : 'Note';
      await expect(aside).toHaveAttribute('role', 'note');
      await expect(aside).toHaveAttribute('aria-label', label);
      await expect(aside.locator('> p.aside-title')).toHaveText(label);
    }
  }
  expect(seen).toBeGreaterThanOrEqual(3);
});

test('the handler chapter keeps every fact of its source', async ({ page }) => {
  await page.goto('/chapters/handling-syscalls/');
  const text = (await page.locator('.chapter-body').textContent())!.replace(/\s+/g, ' ');
  for (const fact of [
    'LSTAR',
    'C0000082',
    'rdmsr c0000082',
    'u nt!KiSystemCall64',
    'bp nt!KiSystemCall64+15h',
    '+00h 0f01f8 swapgs',
    '+03h 654889242510000000 mov qword ptr gs:[10h],rsp',
    '+0Ch 65488b2425a8010000 mov rsp,qword ptr gs:[1A8h]',
    '+15h 6a2b push 2Bh',
    'CPL 0',
  ]) {
    expect(text, fact).toContain(fact);
  }
  const caution = page.locator('aside.caution');
  await expect(caution).toContainText('Never put a breakpoint on nt!KiSystemCall64 itself');
  await expect(page.locator('aside.note')).toContainText('user-mode rsp is not safe');
  await expect(page.locator('aside.note a[href="/chapters/swapgs-and-the-per-cpu-data/"]')).toHaveCount(1);
});
