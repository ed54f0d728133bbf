// Exercises in the built site: every exercise is solved by running its stored solution in its kd
// session, a plausible wrong attempt typed at the prompt is not accepted, and progress survives a
// reload, shows in the sidebar and on the landing page, and resets.
import { test, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Exercise } from '../../emulator/src/scenario/exercise.ts';
import { chapterPages, SAVE_SHOTS } from './site.ts';

const SHOTS = 'test-results/exercises';
mkdirSync(SHOTS, { recursive: true });

const chapters = chapterPages().map((p) => p.replace(/^\/chapters\/|\/$/g, ''));
const data: Record<string, Exercise[]> = {};
for (const c of chapters) data[c] = (await import(path.resolve(`content/exercises/${c}.ts`))).default;

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

async function liveExercise(page: Page, key: string) {
  const ex = page.locator(`[data-exercise="${key}"]`);
  await ex.scrollIntoViewIfNeeded();
  await expect(ex.locator('xpath=ancestor::astro-island[1]')).not.toHaveAttribute('ssr', /.*/);
  await expect(ex.locator('.kd-input')).toBeEnabled();
  return ex;
}

async function typeLines(ex: ReturnType<Page['locator']>, lines: string[]) {
  const input = ex.locator('.kd-input');
  for (const line of lines) {
    await expect(input).toBeEnabled();
    await input.fill(line);
    await input.press('Enter');
    // The first command loads the emulator and boots the machine.
    await expect(ex.locator('.kd-live .kd-command').last()).toHaveText(line, { timeout: 20_000 });
  }
  await expect(input).toBeEnabled();
}

for (const chapter of chapters) {
  test(`${chapter}: wrong attempts are refused, stored solutions solve every exercise, and progress survives a reload`, async ({ page }) => {
    test.setTimeout(90_000);
    const errors = watchErrors(page);
    const url = `/chapters/${chapter}/`;
    await page.goto(url);
    const exercises = data[chapter];
    await expect(page.locator('[data-exercise]')).toHaveCount(exercises.length);

    // A plausible wrong attempt, typed at the prompt: checked after each command, never accepted.
    for (const e of exercises) {
      const ex = await liveExercise(page, `${chapter}.${e.id}`);
      await typeLines(ex, e.wrong.commands);
      await expect(ex.locator('.exercise-status'), e.wrong.why).toContainText('Not yet:');
      await expect(ex).not.toHaveClass(/solved/);
    }
    // Fresh sessions (the address without the typed commands' permalink): the stored solution,
    // run from the Solution panel.
    await page.goto(url);
    for (const e of exercises) {
      const ex = await liveExercise(page, `${chapter}.${e.id}`);
      await ex.locator('.exercise-solution summary').click();
      await ex.getByRole('button', { name: 'Run the solution in the session above' }).click();
      await expect(ex.locator('.exercise-status')).toContainText('Solved.', { timeout: 20_000 });
      await expect(ex.locator('.kd-live .kd-command')).toHaveText(e.solution);
    }
    const progress = page.locator(`#chapters a[href$="${url}"] + .exercise-progress`);
    await expect(progress).toHaveText(`${exercises.length} of ${exercises.length} exercises solved`);

    // Kept across a reload (localStorage), before any command runs.
    await page.goto(url);
    for (const e of exercises) {
      const ex = await liveExercise(page, `${chapter}.${e.id}`);
      await expect(ex.locator('.exercise-status')).toContainText('Solved.');
    }
    await expect(progress).toHaveText(`${exercises.length} of ${exercises.length} exercises solved`);
    expect(errors).toEqual([]);
  });
}

test('the landing page counts solved exercises and resets them; the chapter sees the reset', async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  const total = Object.values(data).reduce((n, l) => n + l.length, 0);
  const [chapter] = chapters;
  await page.goto(`/chapters/${chapter}/`);
  const first = data[chapter][0];
  const ex = await liveExercise(page, `${chapter}.${first.id}`);
  await typeLines(ex, first.solution);
  await expect(ex.locator('.exercise-status')).toContainText('Solved.');
  // Review screenshots, outside CI only (a resize right before the capture can keep the element
  // from settling on a loaded machine).
  for (const w of SAVE_SHOTS ? [1280, 390] : []) {
    await page.setViewportSize({ width: w, height: 900 });
    await ex.scrollIntoViewIfNeeded();
    await ex.screenshot({ path: `${SHOTS}/exercise-solved-${w}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.goto('/');
  const book = page.locator('.book-progress .exercise-progress');
  await expect(book).toHaveText(`1 of ${total} exercises solved`);
  await page.locator('.book-progress').screenshot({ path: `${SHOTS}/landing-progress-1280.png` });
  await page.getByRole('button', { name: 'Reset all exercises' }).click();
  await expect(book).toHaveText(`0 of ${total} exercises solved`);
  await page.goto(`/chapters/${chapter}/`);
  const again = await liveExercise(page, `${chapter}.${first.id}`);
  await expect(again.locator('.exercise-status')).toContainText('Not solved yet');
  await expect(page.locator('#chapters .exercise-progress').first()).toContainText('0 of');
  expect(errors).toEqual([]);
});

test('an unsolved exercise at 1280 and 390 px', async ({ page }) => {
  test.setTimeout(90_000);
  const [chapter] = chapters;
  await page.goto(`/chapters/${chapter}/`);
  const ex = await liveExercise(page, `${chapter}.${data[chapter][1].id}`);
  await ex.locator('.exercise-hints summary').click();
  await typeLines(ex, data[chapter][1].wrong.commands);
  for (const w of [1280, 390]) {
    await page.setViewportSize({ width: w, height: 900 });
    await ex.scrollIntoViewIfNeeded();
    await ex.screenshot({ path: `${SHOTS}/exercise-not-yet-${w}.png` });
  }
});
