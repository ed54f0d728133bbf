// Browser tests against the built site (dist/), served by `astro preview`. Build first:
// `npm test` does (scripts/test.mjs); `npx playwright test` alone expects a fresh dist/.
import { defineConfig, devices } from '@playwright/test';
import { locateBrowser } from './scripts/find-browser.mjs';

const port = Number(process.env.BOOK_TEST_PORT ?? 4329);
const browser = locateBrowser();

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  reporter: process.env.BOOK_PW_JSON
    ? [['list'], ['json', { outputFile: process.env.BOOK_PW_JSON }]]
    : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'off',
    // The offline book's service worker is tested on its own (offline.spec.ts allows it); every
    // other test sees the network as a first visit does.
    serviceWorkers: 'block',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: browser?.kind === 'system' ? browser.path : undefined,
          // The machine has no network and no GPU; keep Chromium from reaching for either.
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
  webServer: {
    command: `"${process.execPath}" node_modules/astro/bin/astro.mjs preview --host 127.0.0.1 --port ${port}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
