// A chapter whose frontmatter breaks the schema must stop the build, naming the file and the field.
// The fixtures are tiny books that use the book's own chapter schema (src/lib/chapter-schema.ts) and
// chapter list (src/lib/chapters.ts).
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function buildFixture(name: string) {
  const outDir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  try {
    const build = spawnSync(
      process.execPath,
      ['node_modules/astro/bin/astro.mjs', 'build', '--root', `tests/e2e/fixtures/${name}`, '--outDir', outDir],
      { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
    );
    return { status: build.status, output: build.stdout + build.stderr };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

test('a chapter with a broken "order" field fails the build with the file and the field named', () => {
  test.setTimeout(120_000);
  const { status, output } = buildFixture('broken-chapter');
  expect(status, output).not.toBe(0);
  expect(output).toContain('broken-order.mdx');
  expect(output).toMatch(/order: Expected type .{0,6}number.{0,6}, received .{0,6}string/);
  expect(output).toContain('does not match collection schema');
});

test('two chapters with the same "order" fail the build with both files named', () => {
  test.setTimeout(120_000);
  const { status, output } = buildFixture('duplicate-order');
  expect(status, output).not.toBe(0);
  expect(output).toContain(
    'content/chapters/first-chapter.mdx and content/chapters/second-chapter.mdx both have order 1',
  );
});
