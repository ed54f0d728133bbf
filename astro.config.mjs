// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import preact from '@astrojs/preact';
import rehypeHeadingAnchors from './src/rehype/heading-anchors.ts';
import rehypeCodeBlocks from './src/rehype/code-blocks.ts';
import pagefindSearch from './src/integrations/pagefind.ts';
import remarkLiveBlocks from './src/plugins/live-blocks.ts';
// The book's own TextMate grammars: kd transcripts and WinDbg-style x86-64 assembly.
import { bookLanguages } from './src/grammars/index.ts';

export default defineConfig({
  site: 'http://localhost:4321',
  trailingSlash: 'ignore',
  integrations: [mdx(), preact(), pagefindSearch()],
  markdown: {
    shikiConfig: {
      // Both palettes are emitted as CSS variables; src/styles/site.css picks one per theme.
      themes: { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' },
      defaultColor: false,
      langs: bookLanguages,
    },
    remarkPlugins: [remarkLiveBlocks],
    rehypePlugins: [rehypeHeadingAnchors, rehypeCodeBlocks],
  },
  build: { format: 'directory' },
  devToolbar: { enabled: false },
});
