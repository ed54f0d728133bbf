// Finds a Chromium for the browser tests: Playwright's own build if it was downloaded, otherwise
// Debian's /usr/bin/chromium. With neither, installs Debian's package when that is possible (root
// and apt-get present); otherwise says in one sentence what to install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { chromium } from '@playwright/test';

const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Where a usable Chromium is, or null. `kind` says whose build it is. */
export function locateBrowser() {
  const bundled = chromium.executablePath();
  if (bundled && existsSync(bundled)) return { kind: 'playwright', path: bundled };
  for (const path of systemChromium) if (existsSync(path)) return { kind: 'system', path };
  return null;
}

function canInstallWithApt() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return isRoot && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
}

/** Returns a browser, installing Debian's chromium first if needed and possible; else throws. */
export function ensureBrowser({ log = console.log } = {}) {
  const found = locateBrowser();
  if (found) return found;
  if (canInstallWithApt()) {
    log('No Chromium found: installing Debian\'s chromium package with apt-get.');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', 'chromium']]) {
      const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status}).`);
    }
    const installed = locateBrowser();
    if (installed) return installed;
  }
  throw new Error(
    'The browser tests need Chromium: install it (Debian/Ubuntu: `sudo apt-get install chromium`) ' +
      'or run `npx playwright install chromium`, then run `npm test` again.',
  );
}

/** The PDF check reads the printed book back with pdftotext (Debian's poppler-utils): found, or
 *  installed with apt-get when possible (as root), else one sentence saying what to install. */
export function ensurePdftotext({ log = console.log } = {}) {
  const has = () => spawnSync('pdftotext', ['-v'], { stdio: 'ignore' }).error === undefined;
  if (has()) return;
  if (canInstallWithApt()) {
    log("No pdftotext found: installing Debian's poppler-utils package with apt-get.");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', 'poppler-utils']]) {
      const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status}).`);
    }
    if (has()) return;
  }
  throw new Error("The PDF test needs pdftotext: install it (Debian/Ubuntu: `sudo apt-get install poppler-utils`), then run `npm test` again.");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(ensureBrowser().path);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
