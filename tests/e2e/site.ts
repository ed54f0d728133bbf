// What the browser tests need to know about the built site: its pages, read from dist/.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export const distDir = path.resolve('dist');

/** Every page of the built site as a URL path ('/', '/chapters/x/', ...), the 404 page excluded. */
export function builtPages(): string[] {
  if (!existsSync(distDir)) throw new Error('dist/ is missing: build the site first (npm run build).');
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'pagefind' && entry.name !== '_astro') walk(full);
      } else if (entry.name === 'index.html') {
        const rel = path.relative(distDir, dir).split(path.sep).join('/');
        pages.push(rel ? `/${rel}/` : '/');
      }
    }
  };
  walk(distDir);
  return pages.sort();
}

/** The chapter pages only. */
export function chapterPages(): string[] {
  return builtPages().filter((p) => p.startsWith('/chapters/'));
}

/** A file-system-safe name for a URL path, for screenshots. */
export function pageName(urlPath: string): string {
  return urlPath === '/' ? 'home' : urlPath.replace(/^\/|\/$/g, '').replace(/\//g, '-');
}

/** The built pages whose HTML contains `marker` (read from dist/, so a test can pick its subject). */
export function pagesContaining(marker: string): string[] {
  return builtPages().filter((p) => {
    const file = path.join(distDir, p, 'index.html');
    return existsSync(file) && readFileSync(file, 'utf8').includes(marker);
  });
}

/** Whether review screenshots are written: always on a developer's machine, in CI only with
 *  BOOK_SHOTS=1 (nobody looks at them there, and full-page captures of long chapters are slow). */
export const SAVE_SHOTS = !process.env.CI || process.env.BOOK_SHOTS === '1';
