// Page weights of the built site: for every page in dist/, the gzip size of its HTML, of the CSS it
// links, and of its JavaScript (inline scripts plus the module scripts it loads, followed through
// their static imports). `npm run size` prints the table and the time of the last `npm test` build;
// `npm run size -- --build` builds first and times that build. The browser tests use measurePages()
// to hold pages without widgets to the JavaScript budget.
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

/** Pages without widgets may ship at most this much JavaScript, gzip (issue: reading needs no JS). */
export const jsBudgetWithoutWidgets = 5 * 1024;

const gz = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;

function htmlPages(distDir) {
  const pages = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'pagefind' && entry.name !== '_astro') walk(full);
      } else if (entry.name.endsWith('.html')) pages.push(full);
    }
  };
  walk(distDir);
  return pages.sort();
}

function urlOf(distDir, file) {
  const rel = path.relative(distDir, file).split(path.sep).join('/');
  if (rel === 'index.html') return '/';
  return rel.endsWith('/index.html') ? `/${rel.slice(0, -'index.html'.length)}` : `/${rel}`;
}

/**
 * A module script and everything it imports statically, each file counted once, into `seen`; the
 * targets of its dynamic import() calls (code a widget fetches only when it runs) go into `later`.
 */
function moduleClosure(distDir, src, seen, later = new Set()) {
  if (!src.startsWith('/') || seen.has(src)) return;
  const file = path.join(distDir, src);
  if (!existsSync(file)) return;
  seen.add(src);
  const code = readFileSync(file, 'utf8');
  const resolve = (spec) => path.posix.resolve(path.posix.dirname(src), spec);
  for (const m of code.matchAll(/(?:import|export)\s*(?:[^'"(]*?\bfrom\s*)?["']([^"']+)["']/g)) {
    moduleClosure(distDir, resolve(m[1]), seen, later);
  }
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) later.add(resolve(m[1]));
}

/** One row per page: { page, html, css, js, hasWidgets } with sizes in gzip bytes. */
export function measurePages(distDir = path.resolve('dist')) {
  if (!existsSync(distDir)) throw new Error(`${distDir} does not exist: build the site first (npm run build).`);
  return htmlPages(distDir).map((file) => {
    const html = readFileSync(file, 'utf8');
    const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"/g)]
      .map((m) => path.join(distDir, m[1]))
      .filter(existsSync)
      .reduce((sum, f) => sum + gz(readFileSync(f)), 0);
    const inlineStyles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].reduce((s, m) => s + gz(m[1]), 0);
    const inlineJs = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
      .filter((m) => !/type="application\/(ld\+)?json"/.test(m[0]))
      .reduce((s, m) => s + gz(m[1]), 0);
    const modules = new Set();
    for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) moduleClosure(distDir, m[1], modules);
    // Astro islands load their component and renderer through these attributes.
    for (const m of html.matchAll(/<astro-island[^>]*?\b(?:component-url|renderer-url)="([^"]+)"/g)) {
      moduleClosure(distDir, m[1], modules);
    }
    // Scripts an inline script loads on demand (the search page's Pagefind client) count too.
    for (const m of html.matchAll(/\bimport\(["'](\/[^"']+\.m?js)["']\)/g)) moduleClosure(distDir, m[1], modules);
    const size = (srcs) => [...srcs].reduce((sum, src) => sum + gz(readFileSync(path.join(distDir, src))), 0);
    const externalJs = size(modules);
    // Code fetched only when a widget runs (the emulator, for example): its closure minus what is
    // already loaded.
    const laterRoots = new Set();
    for (const m of modules) moduleClosure(distDir, m, new Set(), laterRoots);
    const later = new Set();
    for (const root of laterRoots) moduleClosure(distDir, root, later, laterRoots);
    for (const m of modules) later.delete(m);
    return {
      page: urlOf(distDir, file),
      html: gz(html),
      css: css + inlineStyles,
      js: inlineJs + externalJs,
      jsOnDemand: size(later),
      hasWidgets: html.includes('<astro-island') || html.includes('data-book-widget'),
    };
  });
}

function formatTable(rows) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const head = ['page', 'HTML', 'CSS', 'JS', 'JS on demand', 'widgets'];
  const body = rows.map((r) => [r.page, kb(r.html), kb(r.css), kb(r.js), kb(r.jsOnDemand), r.hasWidgets ? 'yes' : 'no']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const distDir = path.resolve('dist');
  if (process.argv.includes('--build')) {
    // `npm run size -- --build`: build first and time it (the same build `npm test` does).
    const { spawnSync } = await import('node:child_process');
    const started = performance.now();
    const r = spawnSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], { stdio: 'ignore' });
    if (r.status !== 0) {
      console.error('astro build failed; run `npm run build` to see why.');
      process.exit(1);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    mkdirSync(path.join(distDir, '..', 'test-results'), { recursive: true });
    writeFileSync(path.join(distDir, '..', 'test-results', 'build-time.txt'), `${seconds} s (${new Date().toISOString()})\n`);
  }
  const rows = measurePages(distDir);
  console.log('gzip sizes per page (CSS and JS counted in full for every page that loads them;');
  console.log('"JS on demand" is fetched only when a widget runs)\n');
  console.log(formatTable(rows));
  const over = rows.filter((r) => !r.hasWidgets && r.js > jsBudgetWithoutWidgets);
  const buildInfo = path.join(distDir, '..', 'test-results', 'build-time.txt');
  if (existsSync(buildInfo)) console.log(`\nlast build: ${readFileSync(buildInfo, 'utf8').trim()}`);
  console.log(`\n${over.length ? `over the ${jsBudgetWithoutWidgets}-byte JS budget: ${over.map((r) => r.page).join(', ')}` : `every page without widgets is under the ${jsBudgetWithoutWidgets / 1024} KB JS budget`}`);
  if (over.length) process.exitCode = 1;
}
