// ```windbg map blocks: the plugin computes kd's breakpoint map into a BreakpointMap island, checks
// claimed cells against plain scenario runs, and fails the build with a clear message otherwise.
// The claims written here are derived from the map itself (one that holds, one that cannot).
import { describe, expect, it } from 'vitest';
import { compile } from '@mdx-js/mdx';
import { rehypeAnalyzeAstroMetadata } from 'astro/jsx/rehype.js';
import remarkLiveBlocks from '../../src/plugins/live-blocks.ts';
import { computeBreakpointMap, type MapCell } from '../../emulator/src/debugger/bpmap.ts';
import { bootKernel } from '../../emulator/src/debugger/session.ts';

async function build(value: string) {
  const out = await compile({ path: '/book/content/chapters/map-test.mdx', value }, {
    remarkPlugins: [remarkLiveBlocks],
    rehypePlugins: [rehypeAnalyzeAstroMetadata],
    jsxImportSource: 'astro',
  });
  return String(out);
}
const fails = (value: string) => build(value).then(() => '', (e: Error) => e.message);

const map = computeBreakpointMap({ start: 'nt!KiSystemCall64', count: 3 }, bootKernel);
const row = map.rows[0];
/** A claim the cell meets, and one it cannot meet. */
function claimsFor(c: MapCell, label: string): { holds: string; fails: string } {
  if (c.outcome === 'hit' || c.outcome === 'hit-user-state') return { holds: `break 0 at ${label}`, fails: 'bugcheck' };
  if (c.outcome === 'bugcheck') return { holds: `bugcheck 0x${c.code!.toString(16)}`, fails: `break 0 at ${label}` };
  return { holds: 'budget', fails: `break 0 at ${label}` };
}
const base = claimsFor(row.cells[0], row.label);

describe('```windbg map blocks', () => {
  it('compile into a BreakpointMap island holding every row and machine, claimed cells listed', async () => {
    const code = await build(`# t\n\n\`\`\`windbg map id=m fn=nt!KiSystemCall64 L=3 claim+0="${base.holds}"\n\`\`\`\n`);
    expect(code).toContain('LiveBreakpointMap');
    const props = JSON.parse(JSON.parse(`"${/map: "((?:[^"\\]|\\.)*)"/.exec(code)![1]}"`));
    expect(props.rows.length).toBe(3);
    expect(props.machines.length).toBe(map.machines.length);
    expect(props.rows[0].cells[0].outcome).toBe(row.cells[0].outcome);
    expect(props.claims).toEqual([{ offset: 0, machine: 0, claim: expect.any(String) }]);
  });

  it('a false claim fails the build naming the chapter, the block and the claim', async () => {
    const msg = await fails(`# t\n\n\`\`\`windbg map fn=nt!KiSystemCall64 L=3 claim+0="${base.fails}"\n\`\`\`\n`);
    expect(msg).toContain('map-test.mdx:3 (```windbg map block 1)');
    expect(msg).toContain('contradicted by the emulator');
  });

  it('refuses what it cannot compute or place, saying why', async () => {
    expect(await fails('```windbg map\n```\n')).toContain('needs fn=');
    expect(await fails('```windbg map fn=nt!NoSuchThing L=2\n```\n')).toContain("Couldn't resolve");
    expect(await fails('```windbg map fn=nt!KiSystemCall64 L=2 claim+1="budget"\n```\n')).toContain('no row of the map starts at +0x1');
    expect(await fails('```windbg map fn=nt!KiSystemCall64 L=2 claim+0@nosuch="budget"\n```\n')).toContain('not an option this map flips');
    expect(await fails('```windbg map fn=nt!KiSystemCall64 L=2 lab=nolab\n```\n')).toContain('names no breakpoint lab before this map');
    expect(await fails('```windbg map fn=nt!KiSystemCall64 L=2 vary=turbo\n```\n')).toContain('"turbo" is not a machine option');
  });
});
