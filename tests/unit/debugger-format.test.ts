// Output formats against the column rules of WinDbg's x64 kernel output (Microsoft's debugger
// reference and public kd transcripts): positions are checked as rules (column of `efl=`, of the
// ASCII column, operand column...), not only as whole strings.
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../../emulator/src/cpu/decoder.ts';
import { scalarText } from '../../emulator/src/debugger/format/types.ts';
import * as f from '../../emulator/src/debugger/format.ts';

const regs: f.RegisterFile = {
  rax: 0n, rbx: 0xffffb10a12345080n, rcx: 1n, rdx: 0n, rsi: 0n, rdi: 0n,
  rip: 0xfffff80312345695n, rsp: 0xfffff68812345f28n, rbp: 0n,
  r8: 0n, r9: 0n, r10: 0n, r11: 0x246n, r12: 0n, r13: 0n, r14: 0n, r15: 0n,
  efl: 0x246n, cs: 0x10, ss: 0x18, ds: 0x2b, es: 0x2b, fs: 0x53, gs: 0x2b,
};

describe('addresses', () => {
  it('prints 16 lowercase digits split 8`8', () => {
    expect(f.addr64(0xfffff80312345680n)).toBe('fffff803`12345680');
    expect(f.addr64(8n)).toBe('00000000`00000008');
    expect(f.hex16(0xABCn)).toBe('0000000000000abc');
  });
  it('names offsets with lowercase 0x and no padding', () => {
    expect(f.symbolWithOffset('nt!KiSystemCall64', 0x15n)).toBe('nt!KiSystemCall64+0x15');
    expect(f.symbolWithOffset('nt!KiSystemCall64', 0n)).toBe('nt!KiSystemCall64');
  });
});

// The u line comes from the CPU's disassembler; these are the layout rules kd output must obey.
const line = (address: bigint, bytes: Uint8Array) => f.formatDisassemblyLine(decodeBytes(bytes, address), address, bytes);

describe('disassembly line', () => {
  it('pads bytes to 16 columns and the mnemonic to 8; operands at column 42', () => {
    const l = line(0xfffff80312345695n, Uint8Array.of(0x6a, 0x2b));
    expect(l).toBe('fffff803`12345695 6a2b            push    2Bh');
    expect(l.indexOf('push')).toBe(34);
    expect(l.indexOf('2Bh')).toBe(42);
  });
  it('prints no padding after a mnemonic without operands', () => {
    expect(line(0xfffff80312345680n, Uint8Array.of(0x0f, 0x01, 0xf8))).toBe('fffff803`12345680 0f01f8          swapgs');
  });
  it('lets 8+ byte instructions overflow: one space, operands from column 43', () => {
    const b9 = Uint8Array.of(0x65, 0x48, 0x89, 0x24, 0x25, 0x10, 0, 0, 0);
    const l9 = line(0xfffff80312345683n, b9);
    expect(l9).toBe('fffff803`12345683 654889242510000000 mov   qword ptr gs:[10h],rsp');
    const b8 = Uint8Array.of(0x65, 0xff, 0x34, 0x25, 0x10, 0, 0, 0);
    expect(line(0xfffff80312345697n, b8)).toBe('fffff803`12345697 65ff342510000000 push    qword ptr gs:[10h]');
    // mov rax,1122334455667788h: 10 bytes, operands still from column 43.
    const b10 = Uint8Array.of(0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
    expect(line(0n, b10)).toBe('00000000`00000000 48b88877665544332211 mov rax,1122334455667788h');
  });
  it('shows unreadable memory as ?? and ???', () => {
    expect(f.formatDisassemblyLine(null, 0xfffff80300001000n, null)).toBe('fffff803`00001000 ??              ???');
  });
});

describe('r', () => {
  const block = f.registerBlock(regs).split('\n');
  it('has three registers per line, names right-aligned, r14/r15 alone', () => {
    expect(block[0]).toBe('rax=0000000000000000 rbx=ffffb10a12345080 rcx=0000000000000001');
    expect(block[3]).toBe(' r8=0000000000000000  r9=0000000000000000 r10=0000000000000000');
    expect(block[5]).toBe('r14=0000000000000000 r15=0000000000000000');
  });
  it('prints iopl then the flags at column 15, segments with efl= at column 65 (77 chars)', () => {
    expect(block[6]).toBe('iopl=0         nv up ei pl zr na po nc');
    expect(block[6].indexOf('nv')).toBe(15);
    expect(block[7]).toBe('cs=0010  ss=0018  ds=002b  es=002b  fs=0053  gs=002b             efl=00000246');
    expect(block[7].indexOf('efl=')).toBe(65);
    expect(block[7].length).toBe(77);
  });
  it('maps flags as WinDbg does, including pe for PF=0 and po for PF=1', () => {
    expect(f.flagMnemonics(0x202n)).toBe('nv up ei pl nz na pe nc');
    expect(f.flagMnemonics(0x286n)).toBe('nv up ei ng nz na po nc');
    expect(f.flagMnemonics(0x10282n)).toBe('nv up ei ng nz na pe nc');
    expect(f.flagMnemonics(0xed5n)).toBe('ov dn ei ng zr ac po cy');
    expect(f.flagMnemonics(0n)).toBe('nv up di pl nz na pe nc');
  });
  it('shows IOPL in decimal', () => {
    expect(f.registerBlock({ ...regs, efl: 0x3246n }).split('\n')[6].startsWith('iopl=3         ')).toBe(true);
  });
});

describe('memory displays', () => {
  const mem = (a: bigint, n: number) => (a >= 0x2000n ? null : Uint8Array.from({ length: n }, (_, i) => Number((a + BigInt(i)) & 0xffn)));
  it('db: hyphen after the 8th byte, ASCII column at 68, 84-char lines', () => {
    const lines = f.dumpBytes(0x1040n, 0x20, mem).split('\n');
    expect(lines[0]).toBe('00000000`00001040  40 41 42 43 44 45 46 47-48 49 4a 4b 4c 4d 4e 4f  @ABCDEFGHIJKLMNO');
    expect(lines[0].length).toBe(84);
    expect(lines[0][42]).toBe('-');
    expect(lines[1].startsWith('00000000`00001050  ')).toBe(true);
  });
  it('db: a partial line keeps the ASCII column at 68, unreadable bytes are ?? and ?', () => {
    const one = f.dumpBytes(0x1000n, 1, mem);
    expect(one).toBe(`00000000\`00001000  00${' '.repeat(47)}.`);
    expect(one.indexOf('.')).toBe(68);
    const bad = f.dumpBytes(0x3000n, 16, mem);
    expect(bad).toBe('00000000`00003000  ?? ?? ?? ?? ?? ?? ?? ??-?? ?? ?? ?? ?? ?? ?? ??  ????????????????');
  });
  it('dd/dw/dq: 4, 8 and 2 per line; qwords in 8`8 form; ? for unreadable', () => {
    expect(f.dumpUnits(0x1000n, 4, 4, mem)).toBe('00000000`00001000  03020100 07060504 0b0a0908 0f0e0d0c');
    expect(f.dumpUnits(0x1000n, 8, 2, mem)).toBe('00000000`00001000  0100 0302 0504 0706 0908 0b0a 0d0c 0f0e');
    expect(f.dumpUnits(0x1000n, 3, 8, mem)).toBe('00000000`00001000  07060504`03020100 0f0e0d0c`0b0a0908\n00000000`00001010  17161514`13121110');
    expect(f.dumpUnits(0x3000n, 1, 8, mem)).toBe('00000000`00003000  ????????`????????');
    expect(f.dumpUnits(0x3000n, 1, 4, mem)).toBe('00000000`00003000  ????????');
  });
  it('dps: pointer then symbol when it resolves', () => {
    const out = f.dumpPointersWithSymbols(0x1000n, 2, mem, (v) => (v === 0x0706050403020100n ? 'nt!Foo+0x10' : undefined));
    expect(out).toBe('00000000`00001000  07060504`03020100 nt!Foo+0x10\n00000000`00001008  0f0e0d0c`0b0a0908');
  });
});

describe('breakpoints', () => {
  it('bl: id in 6 columns, link text, address, five spaces, pass counts, symbol', () => {
    expect(f.breakpointListLine({ id: 0, enabled: true, address: 0xfffff80312345695n, expression: '', symbol: 'nt!KiSystemCall64+0x15', passes: 1, initialPasses: 1 }))
      .toBe('     0 e Disable Clear  fffff803`12345695     0001 (0001) nt!KiSystemCall64+0x15');
    expect(f.breakpointListLine({ id: 1, enabled: false, address: 0xfffff80312346000n, expression: '', symbol: 'nt!NtCreateFile', passes: 1, initialPasses: 1 }))
      .toBe('     1 d Enable Clear  fffff803`12346000     0001 (0001) nt!NtCreateFile');
    expect(f.breakpointListLine({ id: 0, enabled: true, expression: 'nt!NoSuchSym', passes: 1, initialPasses: 1 }))
      .toBe('     0 e Disable Clear u                      0001 (0001) (nt!NoSuchSym)');
  });
  it('insert failure is five lines with ERROR_NOACCESS', () => {
    const lines = f.breakpointInsertFailure(0, 0xfffff80300001000n).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('Unable to insert breakpoint 0 at fffff803`00001000, Win32 error 0n998');
    expect(lines[4]).toBe('bp0 at fffff803`00001000 failed');
  });
});

describe('stacks', () => {
  const frame = { childSp: 0xfffff68812345f28n, retAddr: 0xfffff8031234a1c4n, callSite: 'nt!KiSystemCall64+0x15' };
  it('k: numbered frames, RetAddr at 21, call site at 43 under the header', () => {
    const [h, l] = f.stackTrace([frame], false).split('\n');
    expect(h).toBe(' # Child-SP          RetAddr               Call Site');
    expect(l).toBe('00 fffff688`12345f28 fffff803`1234a1c4     nt!KiSystemCall64+0x15');
    expect(h.indexOf('RetAddr')).toBe(l.indexOf('fffff803`1234a1c4'));
    expect(h.indexOf('Call Site')).toBe(l.indexOf('nt!'));
  });
  it('kb: Args to Child between RetAddr and the call site, colons aligned', () => {
    const [h, l] = f.stackTrace([{ ...frame, args: [0n, 1n, 0n, 0n] }], true).split('\n');
    expect(h.indexOf(': Args')).toBe(43);
    expect(l.indexOf(': ')).toBe(43);
    expect(h.lastIndexOf(': Call Site')).toBe(l.lastIndexOf(': nt!'));
  });
});

describe('bug checks', () => {
  const bc: f.BugCheck = { code: 0x7f, args: [8n, 0xffffb10a1f2e3010n, 0xfffff68812346000n, 0xfffff8031234a1c4n] };
  it('.bugcheck: uppercase 8-digit code, 8`8 arguments', () => {
    expect(f.bugCheckSummary(bc)).toBe(
      'Bugcheck code 0000007F\nArguments 00000000`00000008 ffffb10a`1f2e3010 fffff688`12346000 fffff803`1234a1c4',
    );
  });
  it('live banner: lowercase code, tuple indented 23 with uppercase 16-digit values, no spaces', () => {
    const lines = f.bugCheckBanner(bc).split('\n');
    expect(lines[0]).toBe('');
    expect(lines[1]).toBe('*** Fatal System Error: 0x0000007f');
    expect(lines[2]).toBe(`${' '.repeat(23)}(0x0000000000000008,0xFFFFB10A1F2E3010,0xFFFFF68812346000,0xFFFFF8031234A1C4)`);
    expect(lines[4]).toBe('Break instruction exception - code 80000003 (first chance)');
    expect(lines.at(-1)).toBe('For analysis of this file, run !analyze -v');
  });
  it('!analyze -v: 79-star banner, centred title, name (code), Arg lines', () => {
    const lines = f.analyzeReport(bc, { stack: [] }).split('\n');
    expect(lines[0]).toBe('*'.repeat(79));
    expect(lines[1]).toBe(`*${' '.repeat(77)}*`);
    expect(lines[2]).toBe(`*${' '.repeat(24)}Bugcheck Analysis${' '.repeat(36)}*`);
    expect(lines[2].length).toBe(79);
    expect(lines[6]).toBe('UNEXPECTED_KERNEL_MODE_TRAP (7f)');
    expect(lines).toContain('Arg1: 0000000000000008, EXCEPTION_DOUBLE_FAULT');
    expect(lines).toContain('Arg2: ffffb10a1f2e3010');
    expect(lines).toContain('BUGCHECK_CODE:  7f');
  });
});

describe('single-line outputs', () => {
  it('rdmsr: msr[index in lowercase] = 8`8', () => {
    expect(f.rdmsrLine(0xc0000082, 0xfffff80312345680n)).toBe('msr[c0000082] = fffff803`12345680');
    expect(f.rdmsrLine(0x176, 0n)).toBe('msr[176] = 00000000`00000000');
  });
  it('?: signed decimal = 8`8', () => {
    expect(f.evaluateLine(0x3039n)).toBe('Evaluate expression: 12345 = 00000000`00003039');
    expect(f.evaluateLine(0xffffd001c8acd348n)).toBe('Evaluate expression: -52768896396472 = ffffd001`c8acd348');
  });
  it('caret errors put ^ under the given column', () => {
    expect(f.caretError(7, 'Syntax error', 'hello')).toBe("       ^ Syntax error in 'hello'");
  });
  it('x, ln and lm', () => {
    expect(f.examineLine(0xfffff80312345680n, 'nt!KiSystemCall64')).toBe('fffff803`12345680 nt!KiSystemCall64 (KiSystemCall64)');
    expect(f.nearestReport({ address: 0xfffff80312345680n, name: 'nt!KiSystemCall64', offset: 0n }, { address: 0xfffff803123457c8n, name: 'nt!KiSystemServiceStart' }).split('\n').slice(3))
      .toEqual(['(fffff803`12345680)   nt!KiSystemCall64   |  (fffff803`123457c8)   nt!KiSystemServiceStart', 'Exact matches:', '    nt!KiSystemCall64 (KiSystemCall64)']);
    const lm = f.moduleList([{ name: 'nt', start: 0xfffff80312200000n, end: 0xfffff80313246000n, status: '(pdb symbols)', image: 'ntkrnlmp.pdb' }]).split('\n');
    expect(lm[1]).toBe('start             end                 module name');
    expect(lm[2]).toBe('fffff803`12200000 fffff803`13246000   nt         (pdb symbols)          ntkrnlmp.pdb');
    expect(lm[2].indexOf('nt ')).toBe(lm[1].indexOf('module'));
  });
  it('!pcr aligns the colons after a TAB', () => {
    const out = f.pcrReport(0xfffff80312a00000n, [[['NtTib.ExceptionList', 1n], ['NtTib.StackBase', 2n]], [['Prcb', 3n]]]).split('\n');
    expect(out[0]).toBe('KPCR for Processor 0 at fffff80312a00000:');
    expect(out[2]).toBe('\tNtTib.ExceptionList: 0000000000000001');
    expect(out[3]).toBe('\t    NtTib.StackBase: 0000000000000002');
    expect(out[5]).toBe('\t               Prcb: 0000000000000003');
  });
  it('!idt: header, vector in 2 hex digits and a TAB, handler in 16 digits, IST stack in uppercase', () => {
    const out = f.idtReport(0xfffff80319e0c000n, [
      { vector: 3, handler: 0xfffff8031b201341n, symbol: 'nt!KiBreakpointTrap' },
      { vector: 8, handler: 0xfffff8031b201692n, symbol: 'nt!KiDoubleFaultAbort', stack: 0xfffff80319e18000n },
    ]).split('\n');
    expect(out[0]).toBe('Dumping IDT: fffff80319e0c000');
    expect(out[1]).toBe('');
    expect(out[2]).toBe('03:\tfffff8031b201341 nt!KiBreakpointTrap');
    expect(out[3]).toBe('08:\tfffff8031b201692 nt!KiDoubleFaultAbort\tStack = 0xFFFFF80319E18000');
  });
  it('break-in: the exception line, then a 79-column box in our own words', () => {
    const lines = f.breakInBanner().split('\n');
    expect(lines[0]).toBe('Break instruction exception - code 80000003 (first chance)');
    for (const l of lines.slice(1)) expect(l.length).toBe(79);
  });
  it('dt: +0x offset in 3+ digits, name padded to 16', () => {
    expect(f.structLines([{ offset: 0, name: 'NtTib', type: '_NT_TIB' }, { offset: 0x51, name: 'SecondLevelCacheAssociativity', type: 'UChar' }, { offset: 0x2e80, name: 'X', type: 'Uint8B' }]))
      .toBe('   +0x000 NtTib            : _NT_TIB\n   +0x051 SecondLevelCacheAssociativity : UChar\n   +0x2e80 X                : Uint8B');
    expect(scalarText('Ptr64 _KPRCB', Uint8Array.of(0x80, 1, 0xa0, 0x12, 3, 0xf8, 0xff, 0xff))).toBe('0xfffff803`12a00180 _KPRCB');
    expect(scalarText('Ptr64 Void', new Uint8Array(8))).toBe('(null)');
    expect(scalarText('Int4B', Uint8Array.of(0xfb, 0xff, 0xff, 0xff))).toBe('0n-5');
    expect(scalarText('Uint4B', Uint8Array.of(1, 0, 0, 0))).toBe('1');
    expect(scalarText('Uint4B', Uint8Array.of(0x0a, 0, 0, 0))).toBe('0xa');
    expect(scalarText('UChar', Uint8Array.of(1))).toBe("0x1 ''");
  });
});
