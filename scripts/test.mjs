// `npm test`: every test of the project, in order.
//   1. unit and oracle tests (vitest)
//   2. the site build (astro build, which also writes the Pagefind index), timed
//   3. a Chromium for the browser tests (found, or installed with apt-get when possible)
//   4. the browser tests (Playwright) against the built site
//   5. the base-path check: the site built again with BOOK_BASE=/book/ into dist-base/, and a few
//      browser tests (playwright.base-path.config.ts) that every page, link, widget and search
//      result works under /book/
// Ends with one line "N passed, M failed" (", K skipped" when some were) summed over vitest and
// Playwright, and a non-zero exit
// status when any step failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { ensureBrowser, ensurePdftotext } from './find-browser.mjs';

/** A TCP port nothing listens on right now, so the preview server never meets a leftover one. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const results = path.join(root, 'test-results');
const vitestJson = path.join(results, 'vitest.json');
const playwrightJson = path.join(results, 'playwright.json');
const basePathJson = path.join(results, 'playwright-base-path.json');

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(
    `npm test needs Node 22 or newer and is running on ${process.version}. ` +
      'Run it as `npm test` after `npm install`: npm puts the Node 22 from node_modules/.bin first on PATH.',
  );
  process.exit(1);
}

mkdirSync(results, { recursive: true });
for (const f of [vitestJson, playwrightJson, basePathJson]) rmSync(f, { force: true });

const failedSteps = [];
function run(title, args, env = {}) {
  console.log(`\n=== ${title} ===`);
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) failedSteps.push(title);
  return { ok: r.status === 0, seconds };
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;

// 1. Unit and oracle tests.
run('unit and oracle tests (vitest)', [
  'node_modules/vitest/vitest.mjs', 'run', '--passWithNoTests',
  '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`,
]);
const vitest = readJson(vitestJson);
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
  if (vitest.numFailedTestSuites && !vitest.numFailedTests) failed += vitest.numFailedTestSuites;
} else if (failedSteps.length) {
  failed += 1;
}

// 2. Build the site once; the browser tests all run against this build.
const build = run('site build (astro build + Pagefind index)', ['node_modules/astro/bin/astro.mjs', 'build']);
writeFileSync(path.join(results, 'build-time.txt'), `${build.seconds.toFixed(1)} s (${new Date().toISOString()})\n`);
console.log(`site build took ${build.seconds.toFixed(1)} s`);

// 3 and 4. Browser tests.
if (!build.ok) {
  failed += 1;
  console.error('The site did not build, so the browser tests were not run.');
} else {
  let browser = null;
  try {
    browser = ensureBrowser();
    console.log(`\nbrowser: ${browser.path} (${browser.kind === 'playwright' ? "Playwright's own Chromium" : 'system Chromium'})`);
  } catch (err) {
    console.error(err.message);
    failedSteps.push('finding a browser');
    failed += 1;
  }
  try {
    ensurePdftotext();
  } catch (err) {
    console.error(err.message);
    failedSteps.push('finding pdftotext');
    failed += 1;
  }
  if (browser) {
    const port = String(await freePort());
    const countPlaywright = (file) => {
      const pw = readJson(file);
      if (pw?.stats) {
        passed += pw.stats.expected + pw.stats.flaky;
        failed += pw.stats.unexpected;
        skipped += pw.stats.skipped ?? 0;
        if (pw.errors?.length && !pw.stats.unexpected) failed += pw.errors.length;
      } else {
        failed += 1;
      }
    };
    run('browser tests (Playwright)', ['node_modules/@playwright/test/cli.js', 'test'], {
      BOOK_PW_JSON: playwrightJson,
      BOOK_TEST_PORT: port,
    });
    countPlaywright(playwrightJson);

    // 5. The same book published under a sub-path.
    const baseEnv = { BOOK_BASE: '/book/', BOOK_OUT_DIR: 'dist-base' };
    const baseBuild = run('site build under /book/ (BOOK_BASE=/book/)', ['node_modules/astro/bin/astro.mjs', 'build'], baseEnv);
    if (!baseBuild.ok) {
      failed += 1;
    } else {
      run('base-path browser tests (Playwright)', ['node_modules/@playwright/test/cli.js', 'test', '-c', 'playwright.base-path.config.ts'], {
        BOOK_PW_JSON: basePathJson,
        BOOK_TEST_PORT: port,
      });
      countPlaywright(basePathJson);
    }
  }
}

if (failedSteps.length) console.error(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failedSteps.length || failed ? 1 : 0);
