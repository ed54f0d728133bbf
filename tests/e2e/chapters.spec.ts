// The chapters as a reader gets them: every computed demo is on the page, every caution and note
// has a live demo with a claim after it in its section, and what each demo shows is what the
// emulator computes here in Node for the same commands (never strings typed into this test).
// Also: the asides' markup, axe in both themes, and full-page screenshots of each chapter.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runScenario, stripPrompt, bootModeledWindows } from '../../emulator/src/scenario/index.ts';
import type { ScenarioOptions } from '../../emulator/src/scenario/trace.ts';
import { CpuStepper } from '../../emulator/src/scenario/cpu-stepper.ts';
import { parseMeta, listingRows, optionsFrom } from '../../src/plugins/live-blocks.ts';
import { choiceOf } from '../../components/lib/predict-choice.ts';
import { SAVE_SHOTS } from './site.ts';

const SHOTS = 'tests/e2e/screenshots';
mkdirSync(SHOTS, { recursive: true });

interface Block { kind: 'run' | 'lab' | 'stepper'; id: string; meta: Map<string, string>; commands: string[]; options: ScenarioOptions }
interface Chapter { slug: string; url: string; blocks: Block[]; runnable: string[]; predicts: number }

/** The block's machine options, read as the build reads them. */
const optionsOf = optionsFrom;

/** The block's `budget=N` (instructions one `g` may run), as the build used it. */
const budgetOf = (b: { meta: Map<string, string> }) => (b.meta.has('budget') ? { budget: Number(b.meta.get('budget')) } : {});

/** The chapters and their computed blocks, read from the MDX sources the build used. */
function chapters(): Chapter[] {
  const dir = path.resolve('content/chapters');
  return readdirSync(dir).filter((f) => f.endsWith('.mdx')).sort().flatMap((f) => {
    const src = readFileSync(path.join(dir, f), 'utf8');
    if (/^draft:\s*true/m.test(src)) return [];
    const slug = f.replace(/\.mdx$/, '');
    const blocks: Block[] = [];
    for (const m of src.matchAll(/^```windbg (run|lab|stepper)\b([^\n]*)\n([\s\S]*?)^```/gm)) {
      const meta = parseMeta(m[2]);
      const commands = m[3].split('\n').map((l) => stripPrompt(l).trimEnd()).filter((l) => l.trim() !== '');
      blocks.push({ kind: m[1] as Block['kind'], id: meta.get('id') ?? '', meta, commands, options: optionsOf(meta) });
    }
    const runnable = [...src.matchAll(/^```asm run\b([^\n]*)$/gm)].map((m) => parseMeta(m[1]).get('id') ?? '');
    return [{ slug, url: `/chapters/${slug}/`, blocks, runnable, predicts: (src.match(/^<Predict /gm) ?? []).length }];
  });
}

const CHAPTERS = chapters();
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const hasClaim = (b: Block) => [...b.meta.keys()].some((k) => k.startsWith('claim'));

/** Scrolls through the page so that every client:visible widget hydrates. */
async function hydrateAll(page: Page) {
  // Demos behind a prediction sit in its closed <details> until the reader reveals the answer.
  const closed = page.locator('details.predict-reveal:not([open]) > summary');
  while ((await closed.count()) > 0) await closed.first().click();
  for (const island of await page.locator('astro-island').all()) await island.scrollIntoViewIfNeeded();
  await expect(page.locator('astro-island[ssr]')).toHaveCount(0);
}

test('the chapter list is what this test reads', () => {
  expect(CHAPTERS.map((c) => c.slug)).toEqual(expect.arrayContaining(['the-syscall-instruction', 'handling-syscalls', 'swapgs-and-the-per-cpu-data', 'the-way-back-sysret']));
});

for (const ch of CHAPTERS) {
  test.describe(ch.slug, () => {
    test('loads, and every computed block is on the page as a widget with a fidelity badge', async ({ page }) => {
      const res = await page.goto(ch.url);
      expect(res?.status()).toBe(200);
      await expect(page.locator('h1')).toHaveCount(1);
      for (const b of ch.blocks) {
        expect(b.id, `a ${b.kind} block in ${ch.slug} has no id`).not.toBe('');
        const w = page.locator(`[data-widget-id="${b.id}"]`);
        await expect(w, `widget ${b.id}`).toHaveCount(1);
        const badge = await w.evaluate((el) => {
          const island = el.closest('astro-island') ?? el;
          return island.nextElementSibling?.classList.contains('fidelity-badge') ?? false;
        });
        expect(badge, `fidelity badge after ${b.id}`).toBe(true);
      }
      for (const id of ch.runnable) {
        expect(id, `an asm run block in ${ch.slug} has no id`).not.toBe('');
        const w = page.locator(`[data-widget-id="${id}"]`);
        await expect(w, `runnable block ${id}`).toHaveCount(1);
        const badge = await w.evaluate((el) => (el.closest('astro-island') ?? el).nextElementSibling?.classList.contains('fidelity-badge') ?? false);
        expect(badge, `fidelity badge after ${id}`).toBe(true);
      }
      await expect(page.locator('[data-predict]')).toHaveCount(ch.predicts);
    });

    test('every caution and note is followed in its section by a live demo with a claim', async ({ page }) => {
      await page.goto(ch.url);
      const asides = page.locator('.chapter-body aside.caution, .chapter-body aside.note');
      const found = await asides.evaluateAll((els) => els.map((el) => {
        let ids: string[] = [];
        for (let n = el.nextElementSibling; n && !/^H[23]$/.test(n.tagName); n = n.nextElementSibling) {
          ids = ids.concat([...n.querySelectorAll('[data-widget-id]')].map((w) => w.getAttribute('data-widget-id')!));
          if (n.matches('[data-widget-id]')) ids.push(n.getAttribute('data-widget-id')!);
        }
        return { kind: el.className, text: (el.textContent ?? '').slice(0, 60), ids };
      }));
      for (const a of found) {
        const withClaim = a.ids.filter((id) => { const b = ch.blocks.find((x) => x.id === id); return b && hasClaim(b); });
        expect(withClaim.length, `${a.kind} "${a.text}…" has no live demo with a claim after it in its section`).toBeGreaterThan(0);
      }
    });

    test('each demo shows what the emulator computes in Node', async ({ page }) => {
      test.setTimeout(120_000);
      await page.goto(ch.url);
      for (const b of ch.blocks) {
        const text = norm((await page.locator(`[data-widget-id="${b.id}"]`).textContent()) ?? '');
        if (b.kind === 'run') {
          const trace = runScenario({ id: b.id, options: b.options, commands: b.commands, ...budgetOf(b) });
          for (const e of trace.transcript) {
            expect(text, `${b.id}: ${e.command}`).toContain(norm(e.command));
            if (e.output.trim()) expect(text, `${b.id}: output of ${e.command}`).toContain(norm(e.output));
          }
        } else if (b.kind === 'lab') {
          const listing = runScenario({ id: b.id, options: b.options, commands: b.commands });
          const { rows } = listingRows(listing.transcript[0].output);
          for (const r of rows) expect(text, `${b.id}: row ${r.label}`).toContain(norm(r.text));
          for (const key of b.meta.keys()) {
            if (!key.startsWith('claim+')) continue;
            const offset = parseInt(key.slice('claim+'.length).replace(/^0x/, '').replace(/h$/, ''), 16);
            const row = rows.find((r) => r.offset === offset)!;
            const trace = runScenario({ id: b.id, options: b.options, commands: [`bp ${row.label}`, 'g'], ...budgetOf(b) });
            const shown = norm(trace.transcript[1].output).split(' ').slice(0, 12).join(' ');
            expect(text, `${b.id}: run with bp ${row.label}`).toContain(shown);
          }
        } else {
          const steps = Number(b.meta.get('steps') ?? '4');
          const s = CpuStepper.start(bootModeledWindows, b.options, b.meta.get('from')!, Number(b.meta.get('passes') ?? '1'));
          const ats = [s.view().at];
          for (let i = 0; i < steps; i++) { s.step(); ats.push(s.view().at); }
          for (const at of ats) expect(text, `${b.id}: step at ${at}`).toContain(at);
        }
      }
    });

    test('predict, then run: the revealed answer is the emulator\'s', async ({ page }) => {
      await page.goto(ch.url);
      for (const p of await page.locator('[data-predict]').all()) {
        const commands = JSON.parse((await p.getAttribute('data-commands'))!);
        const options = JSON.parse((await p.getAttribute('data-options'))!);
        const budget = Number((await p.getAttribute('data-budget')) ?? 0);
        const trace = runScenario({ id: 'predict', options, commands, ...(budget ? { budget } : {}) });
        const answer = choiceOf(trace.outcome.kind);
        await expect(p).toHaveAttribute('data-answer', answer);
        await p.scrollIntoViewIfNeeded();
        await expect(p.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
        const radios = p.getByRole('radio');
        await expect(radios).toHaveCount(3);
        await expect(p.locator('.predict-result')).toBeHidden();
        // Keyboard only: choose the first answer with Space, open the answer with Enter.
        await radios.first().focus();
        await page.keyboard.press('Space');
        await expect(radios.first()).toBeChecked();
        await p.locator('.predict-reveal > summary').focus();
        await page.keyboard.press('Enter');
        const result = p.locator('.predict-result');
        await expect(result).toBeVisible();
        if (trace.outcome.kind === 'bugcheck') await expect(result).toContainText(`0x${trace.outcome.code!.toString(16).toUpperCase()}`);
        if (trace.outcome.kind === 'break') await expect(result).toContainText(trace.outcome.at!);
        await expect(p.locator('.predict-verdict')).toHaveText(answer === 'break' ? 'As you predicted.' : /^Not quite/);
      }
    });

    test('without JavaScript the predict boxes still ask and answer', async ({ browser }) => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(ch.url);
      for (const p of await page.locator('[data-predict]').all()) {
        await expect(p.getByRole('radio')).toHaveCount(3);
        await expect(p.locator('.predict-result')).toBeHidden();
        await p.locator('.predict-reveal > summary').click();
        await expect(p.locator('.predict-sentence')).toBeVisible();
      }
      await context.close();
    });

    for (const theme of ['light', 'dark'] as const) {
      test(`axe reports no violations with every widget hydrated, and a screenshot is saved outside CI (${theme})`, async ({ page }) => {
        test.setTimeout(90_000);
        await page.addInitScript((t) => { try { localStorage.setItem('theme', t); } catch { /* no storage */ } }, theme);
        await page.emulateMedia({ colorScheme: theme });
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(ch.url);
        await hydrateAll(page);
        const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
        expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
        if (SAVE_SHOTS) {
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({ path: `${SHOTS}/chapter-${ch.slug}-${theme}.png`, fullPage: true });
        }
      });
    }
  });
}

test('every caution and note is an <aside role="note"> with a matching label and title', async ({ page }) => {
  let seen = 0;
  for (const ch of CHAPTERS) {
    await page.goto(ch.url);
    for (const aside of await page.locator('.chapter-body aside').all()) {
      seen++;
      const kind = await aside.getAttribute('class');
      expect(['caution', 'note'], `aside on ${ch.url}`).toContain(kind);
      const label = kind === 'caution' ? 'Caution' : 'Note';
      await expect(aside).toHaveAttribute('role', 'note');
      await expect(aside).toHaveAttribute('aria-label', label);
      await expect(aside.locator('> p.aside-title')).toHaveText(label);
    }
  }
  expect(seen).toBeGreaterThanOrEqual(5);
});

test('the handler chapter keeps every fact of its source', async ({ page }) => {
  await page.goto('/chapters/handling-syscalls/');
  const text = norm((await page.locator('.chapter-body').textContent())!);
  for (const fact of ['LSTAR', 'C0000082', 'rdmsr c0000082', 'u nt!KiSystemCall64', 'bp nt!KiSystemCall64+15h', 'CPL 0']) {
    expect(text, fact).toContain(fact);
  }
  const rows = await page.locator('.chapter-body table tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim()).slice(0, 3).join(' | ')));
  for (const row of [
    '+0 | 0f01f8 | swapgs',
    '+3 | 654889242510000000 | mov qword ptr gs:[10h],rsp',
    '+0Ch | 65488b2425a8010000 | mov rsp,qword ptr gs:[1A8h]',
    '+15h | 6a2b | push 2Bh',
  ]) {
    expect(rows, row).toContain(row);
  }
  // The same bytes as the computed `u` listing prints them.
  const u = runScenario({ id: 'u', commands: ['u nt!KiSystemCall64 L4'] }).transcript[0].output;
  for (const bytes of ['0f01f8', '654889242510000000', '65488b2425a8010000', '6a2b']) expect(u).toContain(bytes);
  const caution = page.locator('aside.caution');
  await expect(caution).toContainText('first byte of nt!KiSystemCall64 takes the whole machine down');
  await expect(caution).toContainText('bp nt!KiSystemCall64+15h');
  const note = page.locator('aside.note');
  await expect(note).toContainText('on a stack pointer that user mode chose');
  await expect(note.locator('a[href="/chapters/swapgs-and-the-per-cpu-data/"]')).toHaveCount(1);
});

test('the fidelity page names the modeled build and every badge leads to it', async ({ page }) => {
  const res = await page.goto('/fidelity/');
  expect(res?.status()).toBe(200);
  await expect(page.locator('h1')).toHaveText('What is modeled');
  await expect(page.locator('main, body').first()).toContainText('build 17134');
  for (const ch of CHAPTERS) {
    await page.goto(ch.url);
    const hrefs = await page.locator('.fidelity-badge a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs.length).toBeGreaterThan(0);
    // The page itself, or an assumed routine's entry on it.
    for (const h of hrefs) expect(h).toMatch(/^\/fidelity\/(#[\w-]+)?$/);
  }
});
