// A chapter whose frontmatter breaks the schema must stop the build, naming the file and the field.
// The fixture is a one-chapter book that uses the book's own chapter schema (src/lib/chapter-schema.ts).
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

test('a chapter with a broken "order" field fails the build with the file and the field named', () => {
  test.setTimeout(120_000);
  const outDir = mkdtempSync(path.join(tmpdir(), 'broken-chapter-'));
  try {
    const build = spawnSync(
      process.execPath,
      ['node_modules/astro/bin/astro.mjs', 'build', '--root', 'tests/e2e/fixtures/broken-chapter', '--outDir', outDir],
      { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
    );
    const output = build.stdout + build.stderr;
    expect(build.status, output).not.toBe(0);
    expect(output).toContain('broken-order.mdx');
    expect(output).toMatch(/order: Expected type .{0,6}number.{0,6}, received .{0,6}string/);
    expect(output).toContain('does not match collection schema');
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
