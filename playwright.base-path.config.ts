// The base-path check: the book built with BOOK_BASE=/book/ into dist-base/ (scripts/test.mjs
// builds it after the main browser tests), served by `astro preview` under /book/.
import { defineConfig } from '@playwright/test';
import main from './playwright.config.ts';

export const BASE_PATH = '/book/';
export const BASE_OUT_DIR = 'dist-base';
const port = Number(process.env.BOOK_TEST_PORT ?? 4329);
const env = { BOOK_BASE: BASE_PATH, BOOK_OUT_DIR: BASE_OUT_DIR };

export default defineConfig({
  ...main,
  testDir: 'tests/base-path',
  outputDir: 'test-results/base-path',
  use: { ...main.use, baseURL: `http://127.0.0.1:${port}` },
  webServer: {
    command: `"${process.execPath}" node_modules/astro/bin/astro.mjs preview --host 127.0.0.1 --port ${port}`,
    env,
    url: `http://127.0.0.1:${port}${BASE_PATH}`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
