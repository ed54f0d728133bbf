// The offline book: after `astro build` (and after Pagefind has written its index), esbuild bundles
// src/offline/service-worker.ts (Workbox's precaching) into dist/sw.js and Workbox's
// injectManifest writes into it the list of every page, style, script chunk (the emulator's
// included), the search index and the web app manifest, each with its revision. After one visit the whole
// book, widgets and search included, works with the network off.
//
// Updates (see ARCHITECTURE.md, "Offline"): the worker neither skips waiting nor claims clients.
// A page is served by the worker that controls it, from that worker's one precache, and every
// chunk the page imports later comes from the same precache; a new build's worker installs its
// own entries beside the old ones and takes over only when no tab of the book is open, then
// deletes what the old build had. So a page never meets a chunk of another build.
import type { AstroIntegration } from 'astro';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** What the worker precaches: everything a reader can reach, and not Pagefind's unused UIs. */
export const PRECACHE_PATTERNS = ['**/*.{html,css,js,svg,webmanifest}', 'pagefind/**/*'];
export const PRECACHE_IGNORES = ['sw.js', 'pagefind/*-ui.*', 'pagefind/pagefind-highlight.js', 'offline-cache.json'];

export default function offlineBook(): AstroIntegration {
  let base = '/';
  return {
    name: 'book:offline',
    hooks: {
      'astro:config:done': ({ config }) => {
        base = config.base.endsWith('/') ? config.base : `${config.base}/`;
      },
      'astro:build:done': async ({ dir, logger }) => {
        const { injectManifest } = await import('workbox-build');
        const out = fileURLToPath(dir);
        const swDest = path.join(out, 'sw.js');
        await build({
          entryPoints: [fileURLToPath(new URL('../offline/service-worker.ts', import.meta.url))],
          bundle: true,
          format: 'iife',
          minify: true,
          target: 'es2020',
          define: { 'process.env.NODE_ENV': '"production"' },
          outfile: swDest,
          logLevel: 'silent',
        });
        const { count, size, warnings } = await injectManifest({
          swSrc: swDest,
          swDest,
          globDirectory: out,
          globPatterns: PRECACHE_PATTERNS,
          globIgnores: PRECACHE_IGNORES,
          // Entries are URLs under the base the book is published at; the worker's scope is the
          // base too, since sw.js sits at its root.
          modifyURLPrefix: { '': base },
          // Astro's chunk names carry a content hash: no revision needed for them.
          dontCacheBustURLsMatching: /\/_astro\//,
          maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        });
        for (const w of warnings) logger.warn(w);
        if (count === 0) throw new Error('The service worker would precache nothing: is dist/ empty?');
        writeFileSync(path.join(out, 'offline-cache.json'), JSON.stringify({ files: count, bytes: size }) + '\n');
        logger.info(`offline: ${count} files (${(size / 1024).toFixed(0)} KiB) precached by sw.js`);
      },
    },
  };
}
