// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import preact from '@astrojs/preact';
import rehypeHeadingAnchors from './src/rehype/heading-anchors.ts';
import rehypeCodeBlocks from './src/rehype/code-blocks.ts';
import pagefindSearch from './src/integrations/pagefind.ts';
import offlineBook from './src/integrations/offline.ts';
import rehypeBaseLinks from './src/rehype/base-links.ts';
import { siteAddress } from './src/lib/site-address.ts';
import remarkLiveBlocks from './src/plugins/live-blocks.ts';
// The book's own TextMate grammars: kd transcripts and WinDbg-style x86-64 assembly.
import { bookLanguages } from './src/grammars/index.ts';

// Origin and base path from BOOK_SITE / BOOK_BASE (defaults: http://localhost:4321 at /);
// BOOK_OUT_DIR lets a second build (the base-path test) sit beside dist/.
const { site, base } = siteAddress(process.env);

export default defineConfig({
  site,
  base,
  outDir: process.env.BOOK_OUT_DIR || './dist',
  trailingSlash: 'ignore',
  // offlineBook after pagefindSearch: the service worker precaches the search index too.
  integrations: [mdx(), preact(), pagefindSearch(), offlineBook()],
  markdown: {
    shikiConfig: {
      // Both palettes are emitted as CSS variables; src/styles/site.css picks one per theme.
      themes: { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' },
      defaultColor: false,
      langs: bookLanguages,
    },
    remarkPlugins: [remarkLiveBlocks],
    rehypePlugins: [rehypeHeadingAnchors, rehypeCodeBlocks, [rehypeBaseLinks, { base }]],
  },
  build: { format: 'directory' },
  vite: { plugins: [browserChunks()] },
  devToolbar: { enabled: false },
});

/**
 * The widgets' JavaScript: minified by terser, two passes (about 3% less gzip than the default
 * minifier, esbuild; Astro sets `minify: true` for the client environment, the server build is
 * not minified), and chunks below 1.5 KB without side effects merged into one loaded under similar
 * conditions (Rollup's `experimentalMinChunkSize`): fewer, larger files compress better.
 */
function browserChunks() {
  return {
    name: 'book-browser-chunks',
    configEnvironment(name) {
      if (name !== 'client') return undefined;
      return {
        build: {
          minify: 'terser',
          terserOptions: { module: true, compress: { passes: 2 } },
          rollupOptions: { output: { experimentalMinChunkSize: 1536 } },
        },
      };
    },
  };
}
