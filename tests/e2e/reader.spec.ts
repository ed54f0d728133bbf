// The reading features of a chapter page: sidebar, table of contents, heading anchors, previous /
// next, copy buttons, skip link, and the theme switch (remembered, applied before the first paint).
import { test, expect, type Page } from '@playwright/test';
import { chapterPages, pagesContaining } from './site.ts';

const chapters = chapterPages();
const handling = '/chapters/handling-syscalls/';
// Copy buttons and Shiki colours belong to the book's static code listings; the first page that
// has one is the subject (chapters whose listings are all computed widgets have none).
const listingPage = pagesContaining('class="code-block"')[0];

// When no page has one (every listing is a computed widget), the landing page is served with one
// listing in the shape the build gives them (rehype wrapper around Shiki's dual-theme <pre>), so the
// page's own script and styles are still tested on it.
const sampleListing =
  '<div class="code-block"><pre class="astro-code astro-code-themes" tabindex="0" data-language="windbg" ' +
  'style="--shiki-light:#0e1116;--shiki-dark:#f0f3f6;--shiki-light-bg:#ffffff;--shiki-dark-bg:#0a0c10;overflow-x:auto">' +
  '<code><span class="line"><span style="--shiki-light:#023b95;--shiki-dark:#91cbff">0: kd&gt; </span>' +
  '<span style="--shiki-light:#702c00;--shiki-dark:#ffb757">rdmsr</span><span> c0000082</span></span>\n' +
  '<span class="line"><span>msr[c0000082] = fffff803`1b201000</span></span></code></pre></div>';

async function openListingPage(page: Page) {
  if (listingPage) return page.goto(listingPage);
  await page.route('**/', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace('<h1', `${sampleListing}<h1`);
    await route.fulfill({ response, body: html });
  });
  return page.goto('/');
}

test('the sidebar lists every chapter in order and marks the one being read', async ({ page }) => {
  for (const urlPath of chapters) {
    await page.goto(urlPath);
    const sidebar = page.getByRole('navigation', { name: 'Chapters' });
    await expect(sidebar.getByRole('link')).toHaveCount(chapters.length);
    const current = sidebar.locator('a[aria-current="page"]');
    await expect(current).toHaveCount(1);
    expect(new URL(await current.evaluate((a) => (a as HTMLAnchorElement).href)).pathname).toBe(urlPath);
    const title = (await page.locator('h1').textContent())!.trim();
    await expect(current).toContainText(title);
  }
  const numbers = await page
    .getByRole('navigation', { name: 'Chapters' })
    .locator('.chapter-number')
    .allTextContents();
  expect(numbers).toEqual(numbers.map((_, i) => `${i + 1}.`));
});

test('every table-of-contents entry leads to the heading it names, and every heading has an anchor', async ({ page }) => {
  await page.goto(handling);
  const toc = page.getByRole('navigation', { name: 'On this page' });
  const entries = toc.getByRole('link');
  expect(await entries.count()).toBeGreaterThanOrEqual(3);
  for (const entry of await entries.all()) {
    const text = (await entry.textContent())!.trim();
    const href = (await entry.getAttribute('href'))!;
    await entry.click();
    await page.waitForURL((url) => url.hash === href);
    const heading = page.locator(`[id="${decodeURIComponent(href.slice(1))}"]`);
    await expect(heading).toContainText(text);
    await expect(heading).toBeInViewport();
  }
  // Every heading the table of contents lists carries a self-link (widgets' own headings are not
  // sections and are not listed).
  for (const entry of await entries.all()) {
    const id = decodeURIComponent((await entry.getAttribute('href'))!.slice(1));
    await expect(page.locator(`[id="${id}"] > a.heading-anchor`)).toHaveAttribute('href', `#${id}`);
  }
  const anchor = page.locator('#setting-up-rsp a.heading-anchor');
  await anchor.click();
  await expect(page).toHaveURL(/#setting-up-rsp$/);
});

test('previous and next lead through the chapters in order', async ({ page }) => {
  await page.goto('/');
  const first = page.getByRole('navigation', { name: 'Chapters' }).getByRole('link').first();
  await first.click();
  await page.waitForURL(/\/chapters\//);
  const visited = [new URL(page.url()).pathname];
  const pager = page.getByRole('navigation', { name: 'Previous and next chapter' });
  await expect(pager).toBeVisible();
  await expect(pager.locator('a[rel="prev"]')).toHaveCount(0);
  // One step per chapter, each waiting for its link (a bare count() right after a navigation can
  // read the page before the pager is there).
  for (let i = 1; i < chapters.length; i++) {
    const next = pager.locator('a[rel="next"]');
    await expect(next).toHaveCount(1);
    const target = (await next.locator('.target').textContent())!.trim();
    await next.click();
    await expect(page.locator('h1')).toHaveText(target);
    visited.push(new URL(page.url()).pathname);
  }
  await expect(pager.locator('a[rel="next"]')).toHaveCount(0);
  expect([...visited].sort()).toEqual([...chapters].sort());
  await pager.locator('a[rel="prev"]').click();
  await page.waitForURL((url) => url.pathname === visited.at(-2));
});

test('a copy button copies its listing', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openListingPage(page);
  const block = page.locator('.code-block').first();
  const button = block.locator('button.copy-button');
  await expect(button).toHaveText('Copy');
  await button.click();
  await expect(button).toHaveText('Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(await block.locator('pre').textContent());
  expect(copied.length).toBeGreaterThan(0);
  expect(copied).not.toContain('Copied');
});

test('the skip link is the first stop for the keyboard and moves focus to the content', async ({ page }) => {
  await page.goto(handling);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#content')).toBeFocused();
  await page.keyboard.press('Tab');
  const focusedInMain = await page.evaluate(() => !!document.activeElement?.closest('main'));
  expect(focusedInMain).toBe(true);
});

test.describe('theme', () => {
  test.use({ colorScheme: 'light' });

  test('follows the system preference when nothing was chosen', async ({ page }) => {
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(handling);
    expect(await background()).toBe('rgb(13, 17, 23)');
    await expect(page.locator('#theme-toggle')).toHaveText('Use light theme');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBe('rgb(255, 255, 255)');
    await expect(page.locator('#theme-toggle')).toHaveText('Use dark theme');
  });

  test('the toggle is remembered across pages and applied before the first paint', async ({ page }) => {
    // Records the theme attribute at the moment <body> is created, i.e. before anything is painted.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.body) {
          (window as unknown as { themeAtBody: string }).themeAtBody =
            document.documentElement.dataset.theme ?? 'none';
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto('/');
    const lightBackground = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.getByRole('button', { name: 'Use dark theme' }).click();
    await expect(page.getByRole('button', { name: 'Use light theme' })).toBeVisible();
    const darkBackground = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(darkBackground).not.toBe(lightBackground);

    await page.goto(handling);
    expect(await page.evaluate(() => (window as unknown as { themeAtBody: string }).themeAtBody)).toBe('dark');
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe(darkBackground);
    await expect(page.getByRole('button', { name: 'Use light theme' })).toBeVisible();

    await page.getByRole('button', { name: 'Use light theme' }).click();
    await page.reload();
    expect(await page.evaluate(() => (window as unknown as { themeAtBody: string }).themeAtBody)).toBe('light');
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe(lightBackground);
  });

  test('code tokens take their colour from the active theme', async ({ page }) => {
    await openListingPage(page);
    const token = page.locator('.astro-code').first();
    const light = await token.evaluate((el) => getComputedStyle(el).color);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    const dark = await token.evaluate((el) => getComputedStyle(el).color);
    expect(light).not.toBe(dark);
  });
});

test('the print stylesheet drops navigation, wraps code and shows where links go', async ({ page }) => {
  await page.goto(handling);
  await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
  for (const selector of ['.site-header', '.sidebar', '.toc', '.prev-next', '.site-footer']) {
    await expect(page.locator(selector).first()).toBeHidden();
  }
  for (const pre of await page.locator('.chapter-body pre').all()) {
    expect(await pre.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap');
  }
  const link = page.locator('.chapter-body a[href^="/chapters/"]').first();
  const after = await link.evaluate((el) => getComputedStyle(el, '::after').content);
  expect(after).toContain('/chapters/');
  // Printing is always light, whatever theme is on screen.
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(255, 255, 255)');
});

test('without clipboard access the copy button selects the listing instead', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(navigator, 'clipboard', {
      value: { writeText: () => Promise.reject(new Error('denied')) },
    });
  });
  await openListingPage(page);
  const block = page.locator('.code-block').first();
  await block.locator('button.copy-button').click();
  await expect(block.locator('button.copy-button')).toHaveText('Selected: press Ctrl+C');
  expect(await page.evaluate(() => getSelection()!.toString())).toBe(await block.locator('pre').textContent());
});
