// Where the book is published: the origin (`BOOK_SITE`) and the path it is served under
// (`BOOK_BASE`), read once by astro.config.mjs. Every link, asset, search index, permalink and the
// service worker's scope follows the base, so the same build works at `/` or at `/book/`.

export type SiteAddress = { site: string; base: string };

export const DEFAULT_SITE = 'http://localhost:4321';

/** `BOOK_BASE` as Astro wants it: starting and ending with `/` (`book` -> `/book/`). */
export function normalizeBase(raw: string | undefined): string {
  const value = (raw ?? '').trim();
  if (value === '' || value === '/') return '/';
  if (!/^\/?[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$/.test(value)) {
    throw new Error(
      `BOOK_BASE="${value}" is not a path: use letters, digits, "-", "_", "." and "~" between slashes, e.g. BOOK_BASE=/book/.`,
    );
  }
  return `/${value.replace(/^\/|\/$/g, '')}/`;
}

/** `BOOK_SITE` checked as an http(s) origin (a path there belongs in BOOK_BASE). */
export function normalizeSite(raw: string | undefined): string {
  const value = (raw ?? '').trim() || DEFAULT_SITE;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`BOOK_SITE="${value}" is not a URL: give the origin the book is served from, e.g. BOOK_SITE=https://example.org.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`BOOK_SITE="${value}" must start with http:// or https://.`);
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new Error(`BOOK_SITE="${value}" has a path; put the path in BOOK_BASE (e.g. BOOK_SITE=${url.origin} BOOK_BASE=${url.pathname}).`);
  }
  return url.origin;
}

export function siteAddress(env: Record<string, string | undefined>): SiteAddress {
  return { site: normalizeSite(env.BOOK_SITE), base: normalizeBase(env.BOOK_BASE) };
}

/** A site-absolute path (`/chapters/x/`) under the base (`/book/chapters/x/`). Fragments,
 *  protocol-relative and external addresses are returned unchanged. */
export function withBase(base: string, href: string): string {
  if (!href.startsWith('/') || href.startsWith('//')) return href;
  if (base === '/') return href;
  if (href === base.slice(0, -1) || href.startsWith(base)) return href;
  return base + href.slice(1);
}
