// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import preact from '@astrojs/preact';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import rehypeHeadingAnchors from './src/rehype/heading-anchors.ts';
import rehypeCodeBlocks from './src/rehype/code-blocks.ts';
import pagefindSearch from './src/integrations/pagefind.ts';
import remarkLiveBlocks from './src/plugins/live-blocks.ts';

// The book's own TextMate grammars (kd transcripts, WinDbg-style x86-64 assembly), if present.
async function bookGrammars() {
  const entry = new URL('./src/grammars/index.ts', import.meta.url);
  if (!existsSync(fileURLToPath(entry))) return [];
  const grammars = await import(/* @vite-ignore */ entry.href);
  return grammars.bookLanguages ?? [grammars.windbgAsm, grammars.kdTranscript].filter(Boolean);
}

export default defineConfig({
  site: 'http://localhost:4321',
  trailingSlash: 'ignore',
  integrations: [mdx(), preact(), pagefindSearch()],
  markdown: {
    shikiConfig: {
      // Both palettes are emitted as CSS variables; src/styles/site.css picks one per theme.
      themes: { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' },
      defaultColor: false,
      langs: await bookGrammars(),
    },
    remarkPlugins: [remarkLiveBlocks],
    rehypePlugins: [rehypeHeadingAnchors, rehypeCodeBlocks],
  },
  build: { format: 'directory' },
  devToolbar: { enabled: false },
});
