// `npm run pdf`: builds the book, serves dist/ with `astro preview` on a free port, and prints it
// to book.pdf (or the path given as the first argument) with Chromium. See scripts/pdf-book.mjs.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { ensureBrowser } from './find-browser.mjs';
import { printBook } from './pdf-book.mjs';
import { normalizeBase, normalizeSite } from '../src/lib/site-address.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.resolve(process.argv[2] ?? 'book.pdf');

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

async function waitFor(url, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`astro preview did not answer at ${url} within ${seconds} s.`);
}

const port = await freePort();
const base = normalizeBase(process.env.BOOK_BASE);
const url = `http://127.0.0.1:${port}${base}`;
const server = spawn(process.execPath, ['node_modules/astro/bin/astro.mjs', 'preview', '--host', '127.0.0.1', '--port', String(port)], {
  cwd: root,
  stdio: 'ignore',
});
let browser;
try {
  await waitFor(url, 60);
  const found = ensureBrowser();
  browser = await chromium.launch({
    executablePath: found.kind === 'system' ? found.path : undefined,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  // Links to the site's other pages name where the book is published (BOOK_SITE + BOOK_BASE).
  const { chapters } = await printBook(browser, url, out, { publicURL: normalizeSite(process.env.BOOK_SITE) + base });
  console.log(`wrote ${path.relative(process.cwd(), out)}: title page, contents and ${chapters.length} chapters`);
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
} finally {
  await browser?.close();
  server.kill();
}
