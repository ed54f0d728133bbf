// The book's two TextMate grammars, registered for Shiki (Astro's markdown.shikiConfig.langs).
// `x86asm-windbg`: x86-64 assembly as WinDbg prints it and as our assembler reads it.
// `windbg` (alias `kd`): kd transcripts; each disassembly line's instruction goes to the first.
import type { LanguageRegistration } from 'shiki';
import x86asmWindbgJson from './x86asm-windbg.tmLanguage.json' with { type: 'json' };
import kdTranscriptJson from './kd-transcript.tmLanguage.json' with { type: 'json' };

/** Checks the fields Shiki needs, so a broken grammar file fails with its name instead of a silent fallback. */
export function grammarRegistration(file: string, json: unknown, extra: Partial<LanguageRegistration>): LanguageRegistration {
  const g = json as Partial<LanguageRegistration>;
  for (const field of ['name', 'scopeName'] as const) {
    if (typeof g[field] !== 'string' || g[field] === '') {
      throw new Error(`src/grammars/${file}: the grammar needs a non-empty "${field}" string`);
    }
  }
  if (!Array.isArray(g.patterns)) throw new Error(`src/grammars/${file}: the grammar needs a "patterns" array`);
  return { ...(g as LanguageRegistration), ...extra };
}

/** x86-64 assembly in WinDbg's syntax. `x86asm` and `asm` fences use it too: all assembly in the book is this dialect. */
export const x86asmWindbg: LanguageRegistration = grammarRegistration('x86asm-windbg.tmLanguage.json', x86asmWindbgJson, {
  aliases: ['x86asm', 'asm'],
});

/** kd transcripts; embeds x86asm-windbg, which must be loaded first (bookLanguages keeps that order). */
export const kdTranscript: LanguageRegistration = grammarRegistration('kd-transcript.tmLanguage.json', kdTranscriptJson, {
  aliases: ['kd'],
  embeddedLangs: [x86asmWindbg.name],
});

/** Both grammars, embedded language first, ready for `markdown.shikiConfig.langs`. */
export const bookLanguages: LanguageRegistration[] = [x86asmWindbg, kdTranscript];
