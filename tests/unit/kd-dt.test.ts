// dt: options (-r[n], -b, -v), value formats, and the processor structures (_KTSS64,
// _KGDTENTRY64, _KIDTENTRY64) and _KUSER_SHARED_DATA, table-driven. Expected values are read from
// the modeled machine's memory; the layouts come from the cited transcripts and Microsoft's page.
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { addr64, hexN } from '../../emulator/src/debugger/format.ts';

const SRC = {
  ref: 'learn.microsoft.com/windows-hardware/drivers/debuggercmds/dt--display-type- ("dt (Display Type)": -r[depth], -b, -v; "signed numbers in base 10, and unsigned numbers in hexadecimal"; subfields indented three more columns: `      +0x000 a     : 0`)',
  values: 'public kd transcripts of dt with values: `+0x26c NtMajorVersion   : 6`, `+0x270 NtMinorVersion   : 1`, `+0x268 ProductTypeIsValid : 0x1 \'\'`, `+0x244 LargePageMinimum : 0x200000` (Windows 7 `dt _KUSER_SHARED_DATA`), `+0x024 Irql : 0 \'\'`, `+0x00c MaxManipulate : 0x2d \'-\'`, `+0x018 CpuType : 6 \'\'`, `+0x058 KernelReserved : [14] 0`, `+0x094 HalReserved : [16] 0x200`, `+0x008 NextThread : (null)`, `+0x010 KernBase : 0xffffffff`804d8000` (x86 kd); `+0x7e8 VadCount : 0x29d`, `+0x7f0 VadPhysicalPages : 0`, `+0x7e0 VadHint : 0xffffdf02`eb35bc30 Void` (Windows 10 x64 kd)',
  verbose: 'public `dt -v` transcripts: `struct _POOL_HEADER, 9 elements, 0x10 bytes`, `+0x000 PreviousSize     : Bitfield Pos 0, 8 Bits`, `+0x008 ProcessBilled    : Ptr64 to struct _EPROCESS, 260 elements, 0x840 bytes`; `struct _MMPTE_HARDWARE, 18 elements, 0x8 bytes` / `+0x000 Valid : Bitfield Pos 0, 1 Bit`',
  vergilius: 'Vergilius 10.0.17134.1 x64 (novafacing/vergilius-rs headers/bindings-10.0.17134.1-x64.h @58f8e9a): _KTSS64 0x68 bytes, _KIDTENTRY64 / _KGDTENTRY64 unions of 0x10 bytes, _KUSER_SHARED_DATA 0x708 bytes',
};

const s = new KdSession({ budget: 200_000 });
s.exec('bp nt!KiSystemCall64+0x15');
s.exec('g');
const pcr = s.kpcr();
const q = (a: bigint) => s.readQword(a)!;
const line = (off: number, name: string, text: string, indent = '   ') => `${indent}+0x${off.toString(16).padStart(3, '0')} ${name.padEnd(16)} : ${text}`;

describe(`dt value formats (${SRC.values.slice(0, 60)}…)`, () => {
  const out = s.exec('dt nt!_KPCR @$pcr').output.split('\n');
  const rows: Array<[string, string]> = [
    ['a pointer: address and type', line(0x18, 'Self', `0x${addr64(pcr)} _KPCR`)],
    ['a null pointer', line(0x28, 'LockArray', '(null)')],
    ['a UChar 0 with its (empty) character', line(0x50, 'Irql', "0 ''")],
    ['an unsigned word under 10: its digit', line(0x60, 'MajorVersion', (() => { const v = q(pcr + 0x60n) & 0xffffn; return v < 10n ? `${v}` : `0x${v.toString(16)}`; })())],
    ['an unsigned zero: 0', line(0x100, 'Unused2', '0')],
    ['an array: the count and the first element', line(0x80, 'KernelReserved', '[15] 0')],
    ['an array of pointers', line(0x68, 'Unused1', '[3] (null)')],
    ['a 64-bit value past 32 bits, with its backtick', line(0x10, 'UserRsp', (() => { const v = q(pcr + 0x10n); return v > 0xffffffffn ? `0x${(v >> 32n).toString(16)}\`${hexN(v & 0xffffffffn, 8)}` : `0x${v.toString(16)}`; })())],
    ['an embedded structure: its type', line(0x180, 'Prcb', '_KPRCB')],
  ];
  it.each(rows)('%s', (_what, want) => {
    expect(out).toContain(want);
  });
  it('an unsigned dword of 10 or more: hex (KPRCB.MxCsr)', () => {
    const v = q(pcr + 0x180n) & 0xffffffffn;
    expect(v).toBeGreaterThanOrEqual(10n);
    expect(s.exec('dt nt!_KPRCB @$prcb MxCsr').output).toBe(line(0, 'MxCsr', `0x${v.toString(16)}`));
  });
});

describe(`dt -r / -b (${SRC.ref.slice(0, 60)}…)`, () => {
  it('-r1 expands embedded structures one level, three columns further in', () => {
    const out = s.exec('dt -r1 nt!_KPCR').output.split('\n');
    const i = out.indexOf(line(0, 'NtTib', '_NT_TIB'));
    expect(out[i + 1]).toBe(line(0, 'ExceptionList', 'Ptr64 _EXCEPTION_REGISTRATION_RECORD', '      '));
    // KPRCB.ProcessorState is two levels down: -r1 does not reach it, -r2 names it as unmodeled.
    expect(out.join('\n')).not.toContain('_KPROCESSOR_STATE has no modeled layout');
    expect(s.exec('dt -r2 nt!_KPCR').output).toContain('_KPROCESSOR_STATE has no modeled layout');
    // The partial KPRCB says how much of it is shown.
    expect(out.at(-1)).toMatch(/_KPRCB \(\d+ of 303\)/);
  });
  it('-r with an address shows the embedded structure\'s values', () => {
    const out = s.exec('dt -r nt!_KPCR @$pcr').output.split('\n');
    expect(out).toContain(line(8, 'CurrentThread', `0x${addr64(q(pcr + 0x188n))} _KTHREAD`, '      '));
  });
  it('-b expands to any depth, as -r9', () => {
    expect(s.exec('dt -b nt!_KPCR').output).toBe(s.exec('dt -r9 nt!_KPCR').output);
    expect(s.exec('dt -b nt!_KPCR').output).not.toBe(s.exec('dt nt!_KPCR').output);
  });
});

describe(`dt -v (${SRC.verbose.slice(0, 60)}…)`, () => {
  const out = s.exec('dt -v nt!_KPCR').output.split('\n');
  it.each([
    ['the header', 'struct _KPCR, 27 elements, 0x8040 bytes'],
    ['an embedded struct', line(0, 'NtTib', 'struct _NT_TIB, 8 elements, 0x38 bytes')],
    ['a pointer to a union', line(0, 'GdtBase', 'Ptr64 to union _KGDTENTRY64, 8 elements, 0x10 bytes')],
    ['a pointer to a struct', line(8, 'TssBase', 'Ptr64 to struct _KTSS64, 8 elements, 0x68 bytes')],
    ['a pointer to Void', line(0x30, 'Used_Self', 'Ptr64 to Void')],
    ['a scalar', line(0x10, 'UserRsp', 'Uint8B')],
  ])('%s: %s', (_what, want) => {
    expect(out).toContain(want);
  });
  it('bit fields are Bitfield Pos n, m Bits', () => {
    expect(s.exec('dt -v nt!_KIDTENTRY64').output.split('\n')).toContain(line(4, 'Present', 'Bitfield Pos 15, 1 Bit'));
  });
});

describe(`the processor structures and KUSER_SHARED_DATA (${SRC.vergilius.slice(0, 60)}…)`, () => {
  it('_KIDTENTRY64 over the IDT gate of vector 0x0e decodes the gate the CPU uses (SDM Vol. 3A §7.14.1)', () => {
    const idt = q(pcr + 0x38n);
    const gate = s.machine.readVirtual(idt + 0xe0n, 16)!;
    const w = (i: number) => gate[i] | (gate[i + 1] << 8);
    const out = s.exec(`dt nt!_KIDTENTRY64 ${addr64(idt + 0xe0n)}`).output.split('\n');
    expect(out).toContain(line(2, 'Selector', `0x${w(2).toString(16)}`));
    expect(out).toContain(line(4, 'Type', `0y${((w(4) >> 8) & 0x1f).toString(2).padStart(5, '0')}`));
    expect(out).toContain(line(4, 'Present', `0y${(w(4) >> 15) & 1}`));
    // The handler address the three offset fields make is what !idt prints for the vector.
    const handler = BigInt(w(0)) | (BigInt(w(6)) << 16n) | (BigInt(gate[8] | (gate[9] << 8) | (gate[10] << 16)) << 32n) | (BigInt(gate[11]) << 56n);
    expect(s.exec('!idt e').output).toContain(addr64(handler).replace('`', ''));
  });
  it('_KTSS64 at KPCR.TssBase holds the IST stacks !idt reports', () => {
    const tss = q(pcr + 8n);
    const out = s.exec(`dt nt!_KTSS64 ${addr64(tss)}`).output.split('\n');
    expect(out).toContain(line(0x1c, 'Ist', `[8] ${(() => { const v = q(tss + 0x1cn); return v === 0n ? '0' : `0x${(v >> 32n).toString(16)}\`${hexN(v & 0xffffffffn, 8)}`; })()}`));
    expect(out).toContain(line(4, 'Rsp0', (() => { const v = q(tss + 4n); return `0x${(v >> 32n).toString(16)}\`${hexN(v & 0xffffffffn, 8)}`; })()));
  });
  it('_KUSER_SHARED_DATA at SharedUserData: the build number the ntdll stubs run under', () => {
    const out = s.exec('dt nt!_KUSER_SHARED_DATA SharedUserData').output.split('\n');
    const build = Number(q(0x7ffe0260n) & 0xffffffffn);
    expect(out).toContain(line(0x260, 'NtBuildNumber', `0x${build.toString(16)}`));
    expect(build).toBe(17134);
    expect(out.at(-1)).toContain('93 of the 98 fields of _KUSER_SHARED_DATA');
  });
});
