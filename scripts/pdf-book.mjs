// The PDF edition: prints the built book through Chromium (Playwright's page.pdf) as one document:
// a title page, contents linked to each chapter, then every chapter as the build rendered it
// (computed transcripts, causal chains, build-time step lists), the predictions' answers opened,
// and no controls. Used by `npm run pdf` (scripts/pdf.mjs) and by tests/e2e/pdf.spec.ts.

export const BOOK_TITLE = 'Inside the Windows x64 System Call';

/** Print-only rules on top of the site's own print stylesheet: controls out, answers shown. */
const PDF_CSS = `
  @page { size: A4; margin: 16mm 14mm 18mm; }
  body { font-size: 10.5pt; }
  button, input, select, textarea, .widget-controls, .kd-prompt-form, .widget-hint, .widget-note,
  .widget-status, .lab-machine, .copy-button, .heading-anchor, .predict-choice input,
  .predict-reveal > summary, .predict-verdict, .run-editor textarea, .skip-link, .exercise-status,
  .exercise-reset, .exercise-hints > summary, .exercise-solution > summary { display: none !important; }
  .exercise .kd-session { display: none !important; }
  .exercise { border-left: 3px solid #999; padding-left: 0.8rem; margin: 1rem 0; }
  .exercise-number { display: block; font-size: 0.8em; color: #555; }
  .exercise-hints::before { content: 'Hints'; font-weight: 700; }
  .exercise-solution::before { content: 'Solution'; font-weight: 700; }
  .predict-reveal .predict-result::before { content: 'Answer: '; font-weight: 700; }
  .pdf-title-page { break-after: page; text-align: center; padding-top: 30vh; }
  .pdf-title-page h1 { font-size: 26pt; margin-bottom: 1rem; }
  .pdf-contents { break-after: page; }
  .pdf-contents ol { font-size: 12pt; line-height: 1.8; }
  .pdf-chapter { break-before: page; }
  .pdf-chapter .toc { display: none; }
  tr, .event-chain li, .lab-row { break-inside: avoid; }
  h2, h3, h4, figcaption, .widget-subtitle { break-after: avoid; }
`;

/** The chapters in reading order, as the landing page lists them: [{ url, title }]. */
async function chapterList(page, baseURL) {
  await page.goto(baseURL);
  return page.locator('.chapter-list a').evaluateAll((as) =>
    as.map((a) => ({ url: a.href, title: a.textContent.trim() })));
}

/** One chapter's article as the build rendered it, with ids and same-page links prefixed by the
 *  chapter's slug (so two chapters' anchors never collide) and links to other chapters turned
 *  into links inside the PDF. */
async function chapterHtml(page, url, slugs, servedBase, publicBase) {
  await page.goto(url);
  return page.evaluate(({ slugs, servedBase, publicBase }) => {
    const slugOf = (u) => new URL(u, location.href).pathname.match(/\/chapters\/([^/]+)\/$/)?.[1];
    const own = slugOf(location.href);
    const article = document.querySelector('article.chapter').cloneNode(true);
    for (const d of article.querySelectorAll('details')) d.open = true;
    for (const el of article.querySelectorAll('[id]')) el.id = `${own}--${el.id}`;
    for (const el of article.querySelectorAll('[for]')) el.setAttribute('for', `${own}--${el.getAttribute('for')}`);
    for (const a of article.querySelectorAll('a[href]')) {
      const raw = a.getAttribute('href');
      if (raw.startsWith('#')) { a.setAttribute('href', `#${own}--${raw.slice(1)}`); continue; }
      const target = new URL(raw, location.href);
      const slug = target.origin === location.origin ? slugOf(target.href) : undefined;
      if (slug && slugs.includes(slug)) a.setAttribute('href', target.hash ? `#${slug}--${target.hash.slice(1)}` : `#${slug}`);
      else if (target.href.startsWith(servedBase)) a.setAttribute('href', publicBase + target.href.slice(servedBase.length));
      else a.setAttribute('href', target.href);
    }
    const styles = [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => l.href);
    return { html: article.outerHTML, styles };
  }, { slugs, servedBase, publicBase });
}

const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/**
 * Prints the book served at `baseURL` (e.g. http://127.0.0.1:4321/book/) to `outPath`.
 * Scripts are disabled in the pages it reads, so every widget is exactly its build-time render.
 * Links to the book's other pages (not chapters) point at `publicURL`, where the book is published
 * (default: `baseURL`). Returns { chapters: [{ slug, title }] }.
 */
export async function printBook(browser, baseURL, outPath, { edition = '', publicURL = baseURL } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: false, serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const chapters = await chapterList(page, baseURL);
    if (chapters.length === 0) throw new Error(`No chapters listed at ${baseURL}: is the book built?`);
    const slugs = chapters.map((c) => new URL(c.url).pathname.match(/\/chapters\/([^/]+)\/$/)[1]);
    const parts = [];
    const styles = new Set();
    for (const [i, c] of chapters.entries()) {
      const { html, styles: s } = await chapterHtml(page, c.url, slugs, new URL(baseURL).href, new URL(publicURL).href);
      s.forEach((x) => styles.add(x));
      parts.push(`<section class="pdf-chapter" id="${slugs[i]}">${html}</section>`);
    }
    const contents = chapters.map((c, i) => `<li><a href="#${slugs[i]}">${esc(c.title)}</a></li>`).join('');
    const doc = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(BOOK_TITLE)}</title>
${[...styles].map((h) => `<link rel="stylesheet" href="${esc(h)}">`).join('\n')}
<style>${PDF_CSS}</style></head><body><main>
<section class="pdf-title-page"><h1>${esc(BOOK_TITLE)}</h1>
<p>An interactive book on Windows x64 system-call internals: the PDF edition.</p>
<p>Every transcript, causal chain and answer in it was computed by the book's emulator when the book was built.</p>
${edition ? `<p>${esc(edition)}</p>` : ''}</section>
<nav class="pdf-contents" aria-label="Contents"><h2>Contents</h2><ol>${contents}</ol></nav>
${parts.join('\n')}
</main></body></html>`;
    // Loaded from the site's origin so its stylesheets resolve; scripts stay off.
    await page.goto(baseURL);
    await page.setContent(doc, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({
      path: outPath,
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: `<div style="font-size:8pt;width:100%;text-align:center;color:#555">${esc(BOOK_TITLE)} · <span class="pageNumber"></span> / <span class="totalPages"></span></div>`,
      margin: { top: '16mm', bottom: '18mm', left: '14mm', right: '14mm' },
      outline: true,
      tagged: true,
    });
    return { chapters: chapters.map((c, i) => ({ slug: slugs[i], title: c.title })) };
  } finally {
    await context.close();
  }
}
