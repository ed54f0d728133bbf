// `npm run bench:web`: what the chapters cost a reader, measured in a real browser on the built
// site. Builds nothing when dist/ exists (it runs `astro build` only if dist/ is missing), serves
// dist/ with `astro preview` on a free port and drives Chromium (found as scripts/find-browser.mjs
// finds it) with Playwright. For every chapter it prints:
//  - gzip bytes of HTML, CSS and JS the page transferred before any interaction, and after every
//    widget on the page was scrolled into view, hydrated and used once (a lab run, a step, a kd
//    command, a Run of the code block);
//  - per widget kind, the JS a fresh page loads with only that widget hydrated and used once;
//  - click -> outcome for every breakpoint-lab scenario (the rows the build checked claims on):
//    median and p95 over --runs clicks (default 20), from the lab's own performance marks
//    (`bp-lab-click` at the click, `bp-lab-click-to-outcome` once the result is in the DOM), and
//    the first Go on a freshly loaded page;
//  - Lighthouse performance and accessibility scores, when the `lighthouse` package resolves
//    (it is not a dependency: `npm install --no-save lighthouse` first to get them).
// Options: --runs N, --chapter <slug> (repeatable), --json <file> (the raw numbers).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { ensureBrowser } from './find-browser.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(opt('--runs') ?? 20);
const ONLY = args.flatMap((a, i) => (args[i - 1] === '--chapter' ? [a] : []));
const JSON_OUT = opt('--json');
const root = process.cwd();
const dist = path.join(root, 'dist');
const astroBin = path.join(root, 'node_modules', 'astro', 'bin', 'astro.mjs');

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n) => (n === undefined ? '-' : `${n.toFixed(1)} ms`);
const quantile = (xs, q) => {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForServer(url, child) {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error('astro preview exited before serving the site.');
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`astro preview did not answer at ${url} within 30 s.`);
}

/** Every response's gzip size by resource type; `total()` sums what arrived so far. */
function trackTransfers(page) {
  const seen = new Map();
  const pending = new Set();
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/pagefind/')) return;
    const type = r.request().resourceType();
    const kind = type === 'document' ? 'html' : type === 'stylesheet' ? 'css' : type === 'script' ? 'js' : null;
    if (!kind) return;
    const p = r.body().then((b) => seen.set(url.pathname, { kind, gzip: gz(b) }), () => undefined);
    pending.add(p);
    p.finally(() => pending.delete(p));
  });
  return {
    async total() {
      await Promise.all([...pending]);
      const sum = { html: 0, css: 0, js: 0 };
      for (const { kind, gzip } of seen.values()) sum[kind] += gzip;
      return sum;
    },
    files: () => Object.fromEntries([...seen].filter(([, v]) => v.kind === 'js').map(([k, v]) => [k, v.gzip]).sort()),
  };
}

async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => undefined);
}

/** Scrolls an island into view and waits until Astro has hydrated it (the `ssr` attribute goes). */
async function hydrate(island) {
  // A widget that is a prediction's demo sits in a closed <details>: the reader reveals it first.
  await island.evaluate((el) => {
    for (let d = el.closest('details'); d; d = d.parentElement?.closest('details') ?? null) d.open = true;
  });
  await island.scrollIntoViewIfNeeded();
  await island.evaluate((el) => new Promise((resolve) => {
    if (!el.hasAttribute('ssr')) return resolve();
    const obs = new MutationObserver(() => { if (!el.hasAttribute('ssr')) { obs.disconnect(); resolve(); } });
    obs.observe(el, { attributes: true });
  }));
}

/** Uses a hydrated widget once, the way a reader would. Returns what was done. */
async function useOnce(page, island) {
  const w = island.locator('[data-live-widget]').first();
  if (!(await w.count())) return 'no widget';
  // A prediction's island holds its demo's island: that one is used when its turn comes.
  if (!(await w.evaluate((el, isl) => el.closest('astro-island') === isl, await island.elementHandle()))) return 'hydrated only';
  const cls = (await w.getAttribute('class')) ?? '';
  if (cls.includes('bp-lab')) {
    await w.getByRole('button', { name: /^Set breakpoint at / }).first().click();
    await labGo(page, w);
    return 'lab: bp + Go';
  }
  if (cls.includes('stepper')) {
    await w.getByRole('button', { name: 'Step into (F11)' }).click();
    await w.locator('.widget-note', { hasText: 'Steps taken: 1' }).waitFor();
    return 'stepper: one step';
  }
  if (cls.includes('kd-session')) {
    const input = w.getByRole('textbox');
    await input.fill('r rip');
    await input.press('Enter');
    await w.locator('.kd-live', { hasText: 'rip=' }).waitFor();
    return 'kd: r rip';
  }
  if (cls.includes('run-block')) {
    await w.getByRole('button', { name: 'Run the assembly' }).click();
    await w.getByText(/Output of your run/).waitFor();
    return 'code block: Run';
  }
  return 'hydrated only';
}

/** Clicks Go and returns the lab's click -> outcome measure for that click. */
async function labGo(page, lab) {
  await page.evaluate(() => performance.clearMeasures('bp-lab-click-to-outcome'));
  await lab.getByRole('button', { name: /^Go/ }).click();
  const handle = await page.waitForFunction(() => {
    const m = performance.getEntriesByName('bp-lab-click-to-outcome');
    return m.length ? m[m.length - 1].duration : null;
  });
  const d = await handle.jsonValue();
  await lab.getByRole('button', { name: /^Go/ }).and(page.locator(':enabled')).waitFor();
  return d;
}

/** The lab scenarios the build checked: each run's breakpoint rows, from the island's props. */
async function labScenarios(island) {
  const props = JSON.parse((await island.getAttribute('props')) ?? '{}');
  const lab = props.lab ? JSON.parse(props.lab[1]) : null;
  return lab ? { id: lab.id, runs: lab.runs.map((r) => r.breakpoints) } : null;
}

async function setRows(lab, labels, on) {
  for (const label of labels) {
    const b = lab.getByRole('button', { name: `Set breakpoint at ${label}`, exact: true });
    if ((await b.getAttribute('aria-pressed')) !== String(on)) await b.click();
  }
}

async function benchChapter(browser, base, slug) {
  const url = `${base}/chapters/${slug}/`;
  const result = { chapter: slug };

  // 1. Weight before interaction, then with every widget hydrated and used once.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    const t = trackTransfers(page);
    await page.goto(url);
    await settle(page);
    result.before = await t.total();
    const islands = page.locator('astro-island');
    const used = [];
    for (let i = 0; i < (await islands.count()); i++) {
      const island = islands.nth(i);
      await hydrate(island);
      used.push(await useOnce(page, island));
    }
    await settle(page);
    result.after = await t.total();
    result.widgets = used;
    result.jsFiles = t.files();
    await context.close();
  }

  // 2. Lab scenarios: first Go on a fresh page, then --runs clicks per scenario.
  result.labs = [];
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    const islands = page.locator('astro-island[component-url*="BreakpointLab"]');
    for (let i = 0; i < (await islands.count()); i++) {
      const island = islands.nth(i);
      const sc = await labScenarios(island);
      if (!sc) continue;
      await hydrate(island);
      await settle(page); // the lab pre-boots its machine in idle time after hydration
      const lab = island.locator('[data-live-widget]').first();
      for (const bps of sc.runs) {
        await setRows(lab, bps, true);
        const times = [];
        for (let k = 0; k < RUNS; k++) times.push(await labGo(page, lab));
        result.labs.push({ lab: sc.id, breakpoints: bps.join(' '), first: times[0], median: quantile(times, 0.5), p95: quantile(times, 0.95), runs: times.length });
        await setRows(lab, bps, false);
      }
    }
    await context.close();
  }
  // The first Go on a page where nothing ran before (emulator pre-booted while idle, or not).
  for (const l of result.labs) l.firstOnFreshPage = undefined;
  if (result.labs.length) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    const island = page.locator('astro-island[component-url*="BreakpointLab"]').first();
    const sc = await labScenarios(island);
    await hydrate(island);
    await settle(page);
    const lab = island.locator('[data-live-widget]').first();
    await setRows(lab, sc.runs[0], true);
    result.labs[0].firstOnFreshPage = await labGo(page, lab);
    await context.close();
  }
  return result;
}

/** Per widget kind: a fresh page of the first chapter that has one, that one widget (the first of
 *  its kind) hydrated and used once, and the JS that brought in (a prediction's demo counts as the
 *  demo's kind). */
async function benchWidgets(browser, base, slugs) {
  const seen = new Map();
  for (const slug of slugs) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/chapters/${slug}/`);
    const kinds = await page.locator('astro-island').evaluateAll((els) => els.map((el) => (el.getAttribute('component-url') ?? '').replace(/^.*\//, '').replace(/\..*$/, '')));
    await context.close();
    kinds.forEach((k, i) => { if (k && k !== 'Predict' && !seen.has(k)) seen.set(k, { slug, index: i }); });
  }
  const rows = [];
  for (const [kind, { slug, index }] of seen) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const t = trackTransfers(page);
    await page.goto(`${base}/chapters/${slug}/`);
    await settle(page);
    const before = (await t.total()).js;
    const island = page.locator('astro-island').nth(index);
    await hydrate(island);
    const used = await useOnce(page, island);
    await settle(page);
    rows.push({ widget: kind, chapter: slug, used, before, after: (await t.total()).js, files: t.files() });
    await context.close();
  }
  return rows;
}

async function lighthouseScores(browserPath, base, slugs) {
  let lighthouse;
  try {
    lighthouse = (await import('lighthouse')).default;
  } catch {
    return null;
  }
  const port = await freePort();
  const browser = await chromium.launch({ executablePath: browserPath, args: [`--remote-debugging-port=${port}`] });
  const scores = {};
  try {
    for (const slug of slugs) {
      const r = await lighthouse(`${base}/chapters/${slug}/`, { port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'] });
      const c = r.lhr.categories;
      scores[slug] = { performance: Math.round(c.performance.score * 100), accessibility: Math.round(c.accessibility.score * 100) };
    }
  } finally {
    await browser.close();
  }
  return scores;
}

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main() {
  if (!existsSync(dist)) {
    console.log('dist/ is missing: running astro build first.');
    const r = spawnSync(process.execPath, [astroBin, 'build'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('astro build failed.');
  }
  const chaptersDir = path.join(dist, 'chapters');
  const slugs = readdirSync(chaptersDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(chaptersDir, d.name, 'index.html')))
    .map((d) => d.name)
    .filter((s) => !ONLY.length || ONLY.includes(s))
    .sort();
  const browserInfo = ensureBrowser();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [astroBin, 'preview', '--port', String(port), '--host', '127.0.0.1'], { cwd: root, stdio: 'ignore' });
  try {
    await waitForServer(`${base}/`, server);
    const browser = await chromium.launch({ executablePath: browserInfo.path });
    const results = [];
    try {
      for (const slug of slugs) results.push(await benchChapter(browser, base, slug));
    } finally {
      await browser.close();
    }
    let widgets = [];
    const browser2 = await chromium.launch({ executablePath: browserInfo.path });
    try {
      widgets = await benchWidgets(browser2, base, slugs);
    } finally {
      await browser2.close();
    }
    const scores = await lighthouseScores(browserInfo.path, base, slugs);

    console.log(`gzip bytes transferred per chapter (${browserInfo.kind} Chromium; "after" = every widget hydrated and used once)\n`);
    console.log(table(
      ['chapter', 'HTML', 'CSS', 'JS before', 'JS after', 'total after', 'widgets used'],
      results.map((r) => [r.chapter, kb(r.after.html), kb(r.after.css), kb(r.before.js), kb(r.after.js), kb(r.after.html + r.after.css + r.after.js), r.widgets.length]),
    ));
    const heaviest = results.reduce((a, b) => (b.after.js > a.after.js ? b : a), results[0]);
    if (heaviest) {
      console.log(`\nJS files of the heaviest chapter (${heaviest.chapter}), gzip:`);
      for (const [f, n] of Object.entries(heaviest.jsFiles)) console.log(`  ${kb(n).padStart(8)}  ${f}`);
    }
    if (widgets.length) {
      console.log('\nJS per widget: a fresh page, only that widget hydrated and used once (gzip)\n');
      console.log(table(
        ['widget', 'chapter', 'JS before', 'JS after', 'used'],
        widgets.map((w) => [w.widget, w.chapter, kb(w.before), kb(w.after), w.used]),
      ));
    }
    const labs = results.flatMap((r) => r.labs.map((l) => ({ chapter: r.chapter, ...l })));
    if (labs.length) {
      console.log(`\nbreakpoint lab, click -> outcome in the DOM (${RUNS} runs per scenario)\n`);
      console.log(table(
        ['chapter', 'lab', 'breakpoints', 'median', 'p95', 'first of series', 'first Go on a fresh page'],
        labs.map((l) => [l.chapter, l.lab, l.breakpoints, ms(l.median), ms(l.p95), ms(l.first), ms(l.firstOnFreshPage)]),
      ));
    }
    if (scores) {
      console.log('\nLighthouse\n');
      console.log(table(['chapter', 'performance', 'accessibility'], Object.entries(scores).map(([s, v]) => [s, v.performance, v.accessibility])));
    } else {
      console.log('\nLighthouse: the `lighthouse` package is not installed (it is large, so it is not a dependency).');
      console.log('To add its scores: `npm install --no-save lighthouse && npm run bench:web`.');
    }
    if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ results, widgets, lighthouse: scores }, null, 2));
  } finally {
    server.kill();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
