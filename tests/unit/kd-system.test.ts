// kd transcripts of the system and memory views on the modeled kernel, table-driven, each row
// citing the public transcript or Microsoft page whose layout it follows.
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { addr64, hex16 } from '../../emulator/src/debugger/format.ts';

const SRC = {
  dg: 'public x64 kd transcripts of `dg 10 50` (e.g. the Windows Internals GDT experiment): header `P Si Gr Pr Lo` at column 52, `0020 00000000`00000000 00000000`ffffffff Code RE Ac 3 Bg Pg P  Nl 00000cfb`',
  dc: 'public kd transcripts of `dc`: `fffff802`31612000  00905a4d 00000003 00000004 0000ffff  MZ..............` (no dash, two spaces before the ASCII)',
  r: 'learn.microsoft.com "Register Syntax" / "r (Registers)": gdtr, gdtl, idtr, idtl, tr, ldtr in kernel mode',
};

const s = new KdSession({ budget: 200_000 });
const t = s.machine.tables!();

describe('system views', () => {
  it(`dg: the x64 layout (${SRC.dg.slice(0, 40)}…)`, () => {
    const out = s.exec('dg 10 50').output.split('\n');
    expect(out.slice(0, 3)).toEqual([
      `${' '.repeat(52)}P Si Gr Pr Lo`,
      'Sel        Base              Limit          Type    l ze an es ng Flags',
      '---- ----------------- ----------------- ---------- - -- -- -- -- --------',
    ]);
    // The user code, user data and TEB descriptors the model's GDT holds, decoded as kd does.
    expect(out).toContain('0020 00000000`00000000 00000000`ffffffff Code RE Ac 3 Bg Pg P  Nl 00000cfb');
    expect(out).toContain('0028 00000000`00000000 00000000`ffffffff Data RW Ac 3 Bg Pg P  Nl 00000cf3');
    expect(out).toContain('0050 00000000`00000000 00000000`00003c00 Data RW Ac 3 Bg By P  Nl 000004f3');
    // The TSS descriptor's 64-bit base is the TR base the CPU holds (SDM Vol. 3A §8.2.3).
    expect(out.find((l) => l.startsWith('0040'))).toBe(`0040 ${addr64(t.tr.base)} ${addr64(BigInt(t.tr.limit))} TSS32 Busy 0 Nb By P  Nl 0000008b`);
  });
  it(`r gdtr gdtl idtr idtl tr ldtr (${SRC.r.slice(0, 40)}…)`, () => {
    expect(s.exec('r gdtr, gdtl').output).toBe(`gdtr=${hex16(t.gdtr.base)} gdtl=${t.gdtr.limit.toString(16).padStart(4, '0')}`);
    expect(s.exec('r idtr, idtl, tr, ldtr').output).toBe(`idtr=${hex16(t.idtr.base)} idtl=${t.idtr.limit.toString(16).padStart(4, '0')} tr=${t.tr.selector.toString(16).padStart(4, '0')} ldtr=0000`);
    expect(s.exec('? @idtr').output).toBe(s.exec('? poi(@$pcr+38)').output);
  });
  it(`dc (${SRC.dc.slice(0, 40)}…)`, () => {
    const nt = s.kernel.symbols.resolve('nt')!;
    const b = s.machine.readVirtual(nt, 16)!;
    const dw = (i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] * 0x1000000)).toString(16).padStart(8, '0');
    const chars = [...b].map((c) => (c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '.')).join('');
    expect(s.exec('dc nt L4').output).toBe(`${addr64(nt)}  ${dw(0)} ${dw(4)} ${dw(8)} ${dw(12)}  ${chars}`);
    expect(s.exec('dc nt L1').output).toBe(`${addr64(nt)}  ${dw(0)}${' '.repeat(27)}  ${chars.slice(0, 4)}`);
  });
  it('da / du read strings from guest memory, .reload is accepted', () => {
    const at = s.kernel.symbols.resolve('nt')!;
    expect(s.exec(`da ${addr64(at)} L2`).output).toBe(`${addr64(at)}  "MZ"`);
    expect(s.exec('du 0').output).toBe('00000000`00000000  "????"');
    expect(s.exec('.reload').output).toBe('Loading Kernel Symbols\nLoading User Symbols');
  });
});
