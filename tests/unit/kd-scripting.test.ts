// kd transcripts of the scripting and evaluation family on the modeled kernel, table-driven, each
// row citing the Microsoft page or public transcript whose layout it follows. Values come from
// the machine (registers, memory), never typed in.
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { addr64 } from '../../emulator/src/debugger/format.ts';
import { SERVICE_NUMBERS } from '../../emulator/src/windows/build.ts';

const SRC = {
  formats: 'learn.microsoft.com ".formats (Show Number Formats)": `.formats 1c407e62` (Decimal 473988706, Octal 03420077142, Chars .@~b, Float low 6.36908e-022 high 0, Double 2.34182e-315); x64 widths',
  printf: 'learn.microsoft.com ".printf": %p in the debugger\'s address format, %y symbol and displacement, %ma/%mu strings in target memory',
  programs: 'learn.microsoft.com ".if", ".for", ".while", ".block", ".break" and "Using Debugger Command Programs"',
  cpp: 'learn.microsoft.com "?? (Evaluate C++ Expression)" and "C++ Numbers and Operators": the C type, then the value (`unsigned int64 0x...`, `struct _KPCR * 0x...`, `int 0n15`, `bool true`)',
};

const s = new KdSession({ budget: 200_000 });
s.exec('bp nt!NtClose');
s.exec('g');
const rip = s.machine.getReg('rip');
const pcr = s.kpcr();
const rspBase = s.readQword(pcr + 0x180n + BigInt(s.kernel.structs._KPRCB.fields.find((f) => f.name === 'RspBase')!.offset))!;

const rows: Array<{ cmd: string; out: string; source: string }> = [
  {
    cmd: '.formats 1c407e62', source: SRC.formats, out: [
      'Evaluate expression:',
      '  Hex:     00000000`1c407e62',
      '  Decimal: 473988706',
      '  Octal:   0000000000003420077142',
      '  Binary:  00000000 00000000 00000000 00000000 00011100 01000000 01111110 01100010',
      '  Chars:   .....@~b',
      // The page's machine printed its local time (15:31:46, UTC-8); this kd prints UTC.
      '  Time:    Mon Jan 07 23:31:46 1985',
      '  Float:   low 6.36908e-022 high 0',
      '  Double:  2.34182e-315',
    ].join('\n'),
  },
  { cmd: '.echo hello, world', out: 'hello, world', source: 'learn.microsoft.com ".echo (Echo Comment)"' },
  { cmd: '.echo "quoted; stays"', out: 'quoted; stays', source: 'learn.microsoft.com ".echo (Echo Comment)"' },
  { cmd: '.printf "%p|%y\\n", @rip, @rip', out: `${addr64(rip)}|nt!NtClose (${addr64(rip)})`, source: SRC.printf },
  { cmd: '.printf "%x %X %d %u %08x %I64x", 0n255, 0n255, -1, 5, 0x1f, 0x123456789', out: 'ff FF -1 5 0000001f 123456789', source: SRC.printf },
  { cmd: 'r $t0=0; .for (r $t0=0; @$t0<3; r $t0=@$t0+1) { .printf "i=%d;", @$t0 }', out: 'i=0;\ni=1;\ni=2;', source: SRC.programs },
  { cmd: 'r $t1=2; .if (@$t1 == 1) { .echo one } .elsif (@$t1 == 2) { .echo two } .else { .echo other }', out: 'two', source: SRC.programs },
  { cmd: '.if (0) { .echo yes } .else { .echo no; .echo still inside }', out: 'no\nstill inside', source: SRC.programs },
  { cmd: 'r $t2=0; .while (@$t2 < 5) { r $t2=@$t2+1; .if (@$t2 == 3) { .break } }; ? @$t2', out: 'Evaluate expression: 3 = 00000000`00000003', source: SRC.programs },
  { cmd: '.block { .echo a; .echo b }', out: 'a\nb', source: SRC.programs },
  { cmd: '.while (1) { r $t3=@$t3+1 }', out: 'The loop stopped after 4096 rounds (this kd\'s limit for .for and .while).', source: SRC.programs },
  { cmd: '?? @$pcr', out: `struct _KPCR * 0x${addr64(pcr)}`, source: SRC.cpp },
  { cmd: '?? @$pcr->Prcb.RspBase', out: `unsigned int64 0x${addr64(rspBase)}`, source: SRC.cpp },
  { cmd: '?? 10+5', out: 'int 0n15', source: SRC.cpp },
  { cmd: '?? (1 == 1) && 0', out: 'bool false', source: SRC.cpp },
  { cmd: '? @@c++(@$pcr->Prcb.RspBase) - @@masm(poi(@$pcr+180+' + s.kernel.structs._KPRCB.fields.find((f) => f.name === 'RspBase')!.offset.toString(16) + '))', out: 'Evaluate expression: 0 = 00000000`00000000', source: SRC.cpp },
  { cmd: '? @$ptrsize', out: 'Evaluate expression: 8 = 00000000`00000008', source: 'learn.microsoft.com "Pseudo-Register Syntax": $ptrsize' },
  { cmd: '? 2; ? @$exp+1', out: 'Evaluate expression: 2 = 00000000`00000002\nEvaluate expression: 3 = 00000000`00000003', source: 'learn.microsoft.com "Pseudo-Register Syntax": $exp' },
];

describe('scripting transcripts', () => {
  for (const row of rows) {
    it(`${row.cmd} (${row.source.slice(0, 50)}…)`, () => expect(s.exec(row.cmd).output).toBe(row.out));
  }
  it('$peb is the TEB\'s ProcessEnvironmentBlock and $ea the current operand\'s address', () => {
    const teb = s.registers.get('$teb')!;
    expect(s.exec('? @$peb').output).toBe(s.exec(`? poi(${addr64(teb)}+60)`).output);
    expect(s.registers.get('$ea')).toBeUndefined(); // mov eax,imm32 has no memory operand
  });
  it('.cls asks the console to clear; .break outside a loop is ignored', () => {
    expect(s.exec('.cls').cleared).toBe(true);
    expect(s.exec('.echo x').cleared).toBeUndefined();
    expect(s.exec('.break').output).toBe('.break outside a loop is ignored.');
  });
  it('C casts and pointer indexing read a compact service-table entry as a signed int (the SEC665 write-up\'s (((int*)&nt!KiServiceTable)[N] & 0xf))', () => {
    // The entry, read as a 32-bit two's-complement int through MASM, is the reference.
    const n = SERVICE_NUMBERS.NtQueryInformationProcess;
    const raw = s.exec(`? dwo(nt!KiServiceTable+4*${n.toString(16)})`).output.match(/= ([0-9a-f`]+)$/)![1].replace('`', '');
    const entry = BigInt.asIntN(32, BigInt('0x' + raw));
    expect(s.exec(`?? ((int*)&nt!KiServiceTable)[0x${n.toString(16)}] & 0xf`).output).toBe(`int 0n${entry & 0xfn}`);
    expect(s.exec(`?? ((int*)&nt!KiServiceTable)[0x${n.toString(16)}] >> 4`).output).toBe(`int 0n${entry >> 4n}`);
    expect(s.exec(`? nt!KiServiceTable + @@c++(((int*)&nt!KiServiceTable)[0x${n.toString(16)}] >> 4)`).output).toBe(s.exec('? nt!NtQueryInformationProcess').output);
    expect(s.exec('?? (unsigned char)0x141').output).toBe("unsigned char 0x41 'A'");
    expect(s.exec('?? -5 >> 1').output).toBe('int 0n-3');
  });
  it('malformed programs answer with a syntax error, never a stack trace', () => {
    for (const bad of ['.if (1)', '.if (1) { .echo x } .else', '.for (a; b) { }', '.while { }', '.block', '?? @$pcr->', '?? ((1)', '.printf "%d"', '.printf nope']) {
      const out = s.exec(bad).output;
      expect(out).not.toMatch(/Internal debugger error|at Object|\.ts:\d+/);
      expect(out.length).toBeGreaterThan(0);
    }
  });
});
