// kd transcripts of the disassembly family on the modeled kernel: ub never starts inside an
// instruction, uf lists a function's blocks, and the current line's effective-address annotation
// carries the selector as kernel kd prints it.
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { addr64, hexN } from '../../emulator/src/debugger/format.ts';

const SRC = {
  uf: 'learn.microsoft.com "uf (Unassemble Function)"; block layout as in the public Q&A "What do the columns represent for ... uf nt!KiSwapContext" (a blank line, then `module!function+0xoffset:` before each block)',
  annotation: 'public kd transcripts: `mov qword ptr [rsp+10h],rbx ss:0018:fffff500`a54bbef8=fffff8028bbd7885`, `mov eax,dword ptr [rcx] ds:002b:ffffdf0f`97f5c740=00002000`',
  gsAnnotation: 'public x64 kd transcript (a Windows 7 kernel, nt!NtQueryInformationToken+0x38): `mov   rax,qword ptr gs:[188h] gs:002b:00000000`00000188=6000cf1a80faffff`, where `db gs:0 gs:0x19f` shows `002b:00000000`00000180  80 1f 00 00 00 00 00 00-60 00 cf 1a 80 fa ff ff`: the offset within GS, and the bytes in memory order',
  offset: 'public kd listings: `mov esi,offset nt!PspLoadImageNotifyRoutine (805649e0)`, `push offset nt!IopTimerLock (8054be44)` (an immediate that names a symbol)',
  shared: 'public `u ntdll!NtCreateFile` listings (Windows 10 x64): `f604250803fe7f01 test    byte ptr [SharedUserData+0x308 (00000000`7ffe0308)],1`',
};

const s = new KdSession({ budget: 200_000 });
const base = s.kernel.symbols.resolve('nt!KiSystemCall64')!;

describe('disassembly', () => {
  it('ub nt!KiSystemCall64+0x15 lists only instructions decoded from the symbol (none from the bytes before it)', () => {
    const out = s.exec('ub nt!KiSystemCall64+0x15').output.split('\n');
    expect(out[0]).toBe('nt!KiSystemCall64:');
    expect(out.slice(1).map((l) => l.slice(0, 17))).toEqual([0n, 3n, 0xcn].map((o) => addr64(base + o)));
  });
  it(`uf: blocks in address order, each branch target labelled (${SRC.uf.slice(0, 40)}…)`, () => {
    const out = s.exec('uf nt!KiSystemCall64').output.split('\n');
    expect(out[0]).toBe('nt!KiSystemCall64:');
    // Every `jcc target` inside the listing has a label line right before the target's line.
    for (const l of out) {
      const m = /\s(j[a-z]+)\s+(\S+) \(([0-9a-f`]+)\)$/.exec(l);
      if (!m || m[1] === 'jmp') continue;
      const i = out.findIndex((x) => x.startsWith(`${m[3]} `));
      if (i > 0) expect(out[i - 1]).toBe(`${m[2]}:`);
    }
    expect(out.filter((l) => l === '').length).toBeGreaterThan(0);
  });
  it(`the current line's annotation: ss:0018: / ds:002b: with the selector, gs:002b: with the offset (${SRC.gsAnnotation.slice(0, 30)}…)`, () => {
    const k = new KdSession({ budget: 200_000 });
    k.exec('bp nt!KiSystemCall64+0x15');
    k.exec('g');
    const line = k.exec('t').output.split('\n').pop()!; // push qword ptr gs:[10h]
    const gs = k.machine.getSeg('gs').base;
    const bytes = [...k.machine.readVirtual(gs + 0x10n, 8)!].map((b) => hexN(b, 2)).join('');
    expect(line.endsWith(` gs:002b:00000000\`00000010=${bytes}`)).toBe(true);
    // Walk on to an rbp-based store: the stack segment's selector appears.
    const out = k.exec('t 0n12').output;
    const ssLine = out.split('\n').find((l) => / ss:0018:[0-9a-f`]+=/.test(l));
    expect(ssLine).toBeDefined();
  });
  it.each([
    ['ntdll!NtTerminateProcess+8', 'test    byte ptr [SharedUserData+0x308 (00000000`7ffe0308)],1', SRC.shared],
  ])('u %s -> %s (%s)', (at, text, _src) => {
    expect(s.exec(`u ${at} L1`).output.split('\n')[1].endsWith(text)).toBe(true);
  });
  it(`a qword immediate that names a symbol is offset Symbol (address) (${SRC.offset.slice(0, 40)}…)`, () => {
    // The model's KiSystemServiceUser loads KeSmapEnabled's address with mov rdi,imm64 (found by
    // walking its instructions, not typed in); the immediate is read from the instruction's bytes,
    // its name from the symbol table.
    let at = s.kernel.symbols.resolve('nt!KiSystemServiceUser')!;
    for (let i = 0; i < 16; i++) {
      const head = s.machine.readVirtual(at, 2)!;
      if (head[0] === 0x48 && head[1] === 0xbf) break;
      at += BigInt(s.disassemble(at).length);
    }
    const b = s.machine.readVirtual(at, 10)!;
    expect([b[0], b[1]]).toEqual([0x48, 0xbf]);
    const imm = [...b.slice(2)].reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);
    expect(s.symbolize(imm)).toBe('nt!KeSmapEnabled');
    expect(s.exec(`u ${addr64(at)} L1`).output.split('\n')[1]).toBe(`${addr64(at)} 48bf${[...b.slice(2)].map((x) => hexN(x, 2)).join('')} mov rdi,offset nt!KeSmapEnabled (${addr64(imm)})`);
    // Small immediates stay numbers.
    expect(s.exec('u nt!KiSystemCall64+0x15 L1').output).toContain('push    2Bh');
  });
});
