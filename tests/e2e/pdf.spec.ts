// The PDF edition (`npm run pdf`, scripts/pdf-book.mjs): printed from this build, read back with
// pdftotext (Debian's poppler-utils), it holds every chapter and everything the build computed
// for it — transcripts, causal chains, step lists, the predictions' answers — and no controls.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { printBook } from '../../scripts/pdf-book.mjs';
import { chapterPages } from './site.ts';

const OUT = 'test-results/pdf';
mkdirSync(OUT, { recursive: true });

/** Text compared without layout: the PDF wraps lines and pages where the page did not. */
const squash = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

function pdftotext(file: string): string {
  const r = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error('pdftotext is missing: install Debian\'s poppler-utils (apt-get install poppler-utils); .ci/run does.');
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr}`);
  return r.stdout;
}

test('the PDF holds every chapter and every computed outcome, and no controls', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const file = `${OUT}/book.pdf`;
  const { chapters } = await printBook(browser, `${baseURL}/`, file);
  expect(chapters.map((c) => `/chapters/${c.slug}/`).sort()).toEqual(chapterPages());
  expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
  const text = pdftotext(file);
  // The running footer (title and page number) is cut out, so a listing that crosses a page reads whole.
  // The print sheet writes a link's address after it ("(https://...)", "(/fidelity/#...)"); that is not page text.
  const flat = squash(text.replace(/^\s*Inside the Windows x64 System Call · \d+ \/ \d+\s*$/gm, '').replace(/\f/g, ''))
    .replace(/\((?:https?:\/\/|\/)[^)]*\)/g, '');
  const pages = text.split('\f').filter((p) => p.trim() !== '');
  expect(pages.length).toBeGreaterThan(chapters.length + 2);
  expect(pages[0]).toContain('Inside the Windows x64 System Call');
  expect(pages[1]).toContain('Contents');

  // What the build computed, read from the built pages themselves.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  let outcomes = 0;
  for (const c of chapters) {
    await page.goto(`/chapters/${c.slug}/`);
    const title = (await page.locator('article h1').textContent())!.trim();
    for (const p of pages.slice(1, 2)) expect(p).toContain(title);
    const computed = await page.locator(
      'article .kd-transcript, article .event-chain li, article .predict-sentence, article .stepper-precomputed li, article .lab-run figcaption, article .exercise-title, article .exercise-hints li, article .exercise-solution-lines li',
    ).allTextContents();
    expect(computed.length, c.slug).toBeGreaterThan(0);
    for (const item of computed) {
      expect(flat.includes(squash(item)), `${c.slug}: not in the PDF: ${item.slice(0, 200)}`).toBe(true);
      outcomes++;
    }
    expect(flat).toContain(squash(title));
  }
  await context.close();
  expect(outcomes).toBeGreaterThan(20);

  // Controls stay out; the answers are in.
  for (const control of ['Go (F5)', 'Step over (F10)', 'Interactive when JavaScript runs', 'Reveal what the emulator computed']) {
    expect(text, control).not.toContain(control);
  }
  expect(text).toContain('Answer:');
});
