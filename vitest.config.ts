import { defineConfig } from 'vitest/config';

// Unit and oracle tests for the emulator and the site's build-time code. The browser tests are
// Playwright's (tests/e2e) and run against the built site instead.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/oracle/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
