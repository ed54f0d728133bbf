// The remark plugin over the fixture chapters: a false claim fails the compile with the chapter,
// the block, the claim, the actual outcome and the transcript's end; true claims compile into
// highlighted transcripts and hydrated widget islands whose imports Astro's analysis finds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '@mdx-js/mdx';
import { rehypeAnalyzeAstroMetadata } from 'astro/jsx/rehype.js';
import remarkLiveBlocks, { listingRows, parseMeta } from '../../src/plugins/live-blocks.ts';

const fixture = (name: string) => {
  const p = path.resolve('content/fixtures', name);
  // Blank out the front matter (Astro reads it separately) but keep the line numbers.
  return { path: p, value: readFileSync(p, 'utf8').replace(/^---[\s\S]*?---\n/, (fm) => fm.replace(/[^\n]/g, '')) };
};

async function build(name: string) {
  let meta: unknown;
  const out = await compile(fixture(name), {
    remarkPlugins: [remarkLiveBlocks],
    rehypePlugins: [rehypeAnalyzeAstroMetadata, () => (_t: unknown, file: { data: Record<string, unknown> }) => { meta = file.data.__astroMetadata; }],
    jsxImportSource: 'astro',
  });
  return { code: String(out), meta: meta as { hydratedComponents: Array<{ specifier: string; resolvedPath: string }> } };
}

describe('```windbg blocks computed at build time', () => {
  it('a false claim fails with the chapter, the block, the claim, the outcome and the transcript', async () => {
    const err = await build('false-claim.mdx').then(() => null, (e: Error) => e);
    expect(err).not.toBeNull();
    const msg = err!.message;
    expect(msg).toContain(path.join('content', 'fixtures', 'false-claim.mdx') + ':11');
    expect(msg).toContain('```windbg run block 1');
    expect(msg).toContain('the claim "break at nt!KiSystemCall64" does not hold');
    expect(msg).toMatch(/actual outcome: bugcheck 0x7f 0x8 /);
    expect(msg).toContain('0: kd> g');
    expect(msg).toContain('*** Fatal System Error: 0x0000007f');
  });

  it('true claims compile: transcripts with kd output and three hydrated widgets', async () => {
    const { code, meta } = await build('true-claims.mdx');
    // The computed transcript replaced the commands, output included.
    expect(code).toContain('Breakpoint 0 hit');
    expect(code).toContain('msr[c0000082] = fffff803`');
    // Widgets are islands Astro hydrates (client:visible on an imported component).
    const names = meta.hydratedComponents.map((c) => c.specifier).sort();
    expect(names).toEqual(['LiveBreakpointLab', 'LiveKdSession', 'LiveRunBlock', 'LiveStepper']);
    for (const c of meta.hydratedComponents) expect(c.resolvedPath).toMatch(/components\/(KdSession|BreakpointLab|Stepper|RunBlock)\.tsx$/);
    expect(code).toContain('a plain block the plugin leaves alone');
  });

  it('an assembler error fails the build at the line of the chapter, with a caret', async () => {
    const err = await build('asm-error.mdx').then(() => null, (e: Error) => e);
    expect(err?.message).toContain(path.join('content', 'fixtures', 'asm-error.mdx') + ':10 (```asm run block 1, line 2 of the block)');
    expect(err?.message).toContain("unknown instruction 'movv'\n    movv    r10,rcx\n    ^");
  });

  it('reads block meta and u listings', () => {
    const m = parseMeta(' claim="break at nt!X+0x15" smap id=lab-1 claim+15h=\'bugcheck 7f\'');
    expect(m.get('claim')).toBe('break at nt!X+0x15');
    expect(m.get('smap')).toBe('');
    expect(m.get('id')).toBe('lab-1');
    expect(m.get('claim+15h')).toBe('bugcheck 7f');
    const { symbol, rows } = listingRows('nt!KiSystemCall64:\nfffff803`1b201000 0f01f8          swapgs\nfffff803`1b201015 6a2b            push    2Bh');
    expect(symbol).toBe('nt!KiSystemCall64');
    expect(rows.map((r) => r.label)).toEqual(['nt!KiSystemCall64', 'nt!KiSystemCall64+0x15']);
  });
});
