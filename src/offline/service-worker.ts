// The book's service worker (bundled by esbuild into dist/sw.js after the build; Workbox's
// injectManifest puts the precache list in place of self.__WB_MANIFEST). See
// src/integrations/offline.ts for what it precaches and why it never skips waiting.
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST, {
  // /chapters/x/ is served from /chapters/x/index.html.
  directoryIndex: 'index.html',
  // ?q= (the search page) and Pagefind's cache-busting ?ts= do not change a static file.
  ignoreURLParametersMatching: [/.*/],
});
