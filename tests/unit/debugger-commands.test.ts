// The command layer over a stand-in kernel: parsing, WinDbg output layout, error wording, and
// the breakpoint protocol (0xCC written on resume, original byte back on stop).
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import { COMMANDS } from '../../emulator/src/debugger/commands/index.ts';
import { fakeKernel, KPCR_ADDR, NT_BASE, SYSCALL64 } from './debugger-fake-kernel.ts';

function session() {
  const kernel = fakeKernel();
  return { kernel, s: new KdSession({ kernel, budget: 1000 }) };
}

describe('command table', () => {
  it('has every command of the issue, each with syntax and help', () => {
    const names = COMMANDS.map((c) => c.name);
    for (const n of ['bp', 'bu', 'bl', 'bc', 'bd', 'be', 'g', 't', 'p', 'gu', 'r', 'u', 'db', 'dw', 'dd', 'dq', 'dp', 'dps', 'eb', 'ew', 'ed', 'eq', 'rdmsr', 'wrmsr', 'k', 'kb', '!pcr', '!idt', 'dt', '?', 'x', 'ln', 'lm', '.bugcheck', '!analyze', '.reboot', '.help', 'q']) {
      expect(names).toContain(n);
    }
    for (const c of COMMANDS) {
      expect(c.syntax.startsWith(c.name === '?' ? '?' : c.name)).toBe(true);
      expect(c.help.length).toBeGreaterThan(3);
    }
  });
  it('says each command\'s family', () => {
    const families = ['breakpoints', 'execution', 'time-travel', 'memory', 'disassembly', 'stacks', 'registers', 'system', 'types', 'scripting', 'session', 'events'];
    for (const c of COMMANDS) expect(families).toContain(c.family);
    const of = (n: string) => COMMANDS.find((c) => c.name === n)?.family;
    expect([of('bp'), of('g'), of('db'), of('u'), of('k'), of('r'), of('!idt'), of('dt'), of('?'), of('.help'), of('sxe')])
      .toEqual(['breakpoints', 'execution', 'memory', 'disassembly', 'stacks', 'registers', 'system', 'types', 'scripting', 'session', 'events']);
  });
  it('.help and a bare ? list every command', () => {
    const { s } = session();
    const out = s.exec('.help').output;
    for (const c of COMMANDS) expect(out).toContain(c.syntax);
    expect(s.exec('?').output).toBe(out);
  });
});

describe('reading the machine', () => {
  it('rdmsr prints msr[index] = 8`8 and normalises the index', () => {
    const { s } = session();
    expect(s.exec('rdmsr c0000082').output).toBe('msr[c0000082] = fffff803`1b201000');
    expect(s.exec('rdmsr 0xC0000082').output).toBe('msr[c0000082] = fffff803`1b201000');
    expect(s.exec('rdmsr 1234').output).toBe('no data for msr 1234');
  });
  it('u with L count prints the symbol header and the seed bytes', () => {
    const { s } = session();
    const out = s.exec('u nt!KiSystemCall64 L4').output.split('\n');
    expect(out).toEqual([
      'nt!KiSystemCall64:',
      'fffff803`1b201000 0f01f8          swapgs',
      'fffff803`1b201003 654889242510000000 mov   qword ptr gs:[10h],rsp',
      'fffff803`1b20100c 65488b2425a8010000 mov   rsp,qword ptr gs:[1A8h]',
      'fffff803`1b201015 6a2b            push    2Bh',
    ]);
  });
  it('a bare u continues; a new symbol gets its own header; ranges stop at the end address', () => {
    const { s } = session();
    s.exec('u nt!KiSystemCall64 L4');
    expect(s.exec('u').output.split('\n').slice(0, 2)).toEqual(['nt!KiSystemCall64+0x17:', 'fffff803`1b201017 c3              ret']);
    expect(s.exec('u nt!KiSystemCall64 nt!KiSystemCall64+3').output.split('\n')).toHaveLength(3);
  });
  it('u on unmapped memory prints ?? ??? and a caret under the last character', () => {
    const { s } = session();
    const out = s.exec('u fffff803`00001000').output.split('\n');
    expect(out[0]).toBe('fffff803`00001000 ??              ???');
    expect(out[1]).toBe(`${' '.repeat(25)}^ Memory access error in 'u fffff803\`00001000'`);
  });
  it('r shows the block and the current instruction; r reg, r reg=expr, flags', () => {
    const { s, kernel } = session();
    const out = s.exec('r').output.split('\n');
    expect(out[2]).toBe('rip=fffff8031b201000 rsp=0000000000001800 rbp=0000000000000000');
    expect(out[6]).toBe('iopl=0         nv up ei pl zr na po nc');
    expect(out[8]).toBe('nt!KiSystemCall64:');
    expect(out[9]).toBe('fffff803`1b201000 0f01f8          swapgs');
    expect(s.exec('r rax=5').output).toBe('');
    expect(kernel.machine.getReg('rax')).toBe(5n);
    expect(s.exec('r rax').output).toBe('rax=0000000000000005');
    expect(s.exec('r eax, cs, al').output).toBe('eax=00000005 cs=0010 al=05');
    expect(s.exec('r zf').output).toBe('zf=1');
    s.exec('r zf=0');
    expect(kernel.machine.getReg('rflags')).toBe(0x206n);
    expect(s.exec('r rip=nt!KiSystemCall64+0x15').output).toBe('');
    expect(kernel.machine.getReg('rip')).toBe(SYSCALL64 + 0x15n);
  });
  it('r shows the memory operand annotation on the current line', () => {
    const { s, kernel } = session();
    kernel.machine.regs.set('rip', SYSCALL64 + 3n);
    kernel.machine.segs.set('gs', { selector: 0x2b, base: KPCR_ADDR });
    expect(s.exec('r').output.split('\n')[9]).toBe('fffff803`1b201003 654889242510000000 mov   qword ptr gs:[10h],rsp gs:002b:00000000`00000010=0000000000000000');
  });
  it('d* layouts and e* writes', () => {
    const { s, kernel } = session();
    expect(s.exec('db 1000 L10').output).toBe('00000000`00001000  41 42 43 44 45 46 47 48-49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP');
    expect(s.exec('dd 1000 L4').output).toBe('00000000`00001000  44434241 48474645 4c4b4a49 504f4e4d');
    expect(s.exec('dq 1000 L2').output).toBe('00000000`00001000  48474645`44434241 504f4e4d`4c4b4a49');
    expect(s.exec('dw 1000 L2').output).toBe('00000000`00001000  4241 4443');
    expect(s.exec('db 1000').output.split('\n')).toHaveLength(8);
    expect(s.exec('db').output.split('\n')[0].startsWith('00000000`00001080  ')).toBe(true);
    expect(s.exec('eb 1000 90 91').output).toBe('');
    expect(kernel.machine.mem.get(0x1000n)).toBe(0x90);
    expect(kernel.machine.mem.get(0x1001n)).toBe(0x91);
    s.exec('eq 1008 fffff803`1b201000');
    expect(s.exec('dps 1008 L1').output).toBe('00000000`00001008  fffff803`1b201000 nt!KiSystemCall64');
    expect(s.exec('eb 0 90').output).toBe(`${' '.repeat(7 + 6)}^ Memory access error in 'eb 0 90'`);
    expect(s.exec('dq 0 L1').output).toBe('00000000`00000000  ????????`????????');
  });
  it('? x ln lm', () => {
    const { s } = session();
    expect(s.exec('? 3039').output).toBe('Evaluate expression: 12345 = 00000000`00003039');
    expect(s.exec('? nt!KiSystemCall64+0x15').output).toBe(`Evaluate expression: ${BigInt.asIntN(64, SYSCALL64 + 0x15n)} = fffff803\`1b201015`);
    expect(s.exec('x nt!KiSystem*').output).toBe('fffff803`1b201000 nt!KiSystemCall64 (KiSystemCall64)\nfffff803`1b201018 nt!KiSystemServiceStart (KiSystemServiceStart)');
    expect(s.exec('x nt!Nothing*').output).toBe('');
    expect(s.exec('ln nt!KiSystemCall64+15').output.split('\n')[3]).toBe('(fffff803`1b201000)   nt!KiSystemCall64+0x15   |  (fffff803`1b201018)   nt!KiSystemServiceStart');
    expect(s.exec('lm').output.split('\n')[2]).toBe('fffff803`1b200000 fffff803`1b210000   nt         (pdb symbols)          ntkrnlmp.pdb');
  });
  it('dt with and without an address; unknown types', () => {
    const { s } = session();
    expect(s.exec('dt nt!_KPCR').output.split('\n')[1]).toBe('   +0x018 Self             : Ptr64 _KPCR');
    expect(s.exec('dt _KPCR').output.split('\n')[0]).toBe('nt!_KPCR');
    expect(s.exec('dt nt!_KPCR @$pcr').output.split('\n')[1]).toBe('   +0x018 Self             : 0xfffff803`19e00000 _KPCR');
    expect(s.exec('dt nt!_NOSUCH').output).toBe('Symbol nt!_NOSUCH not found.');
  });
  it('dt takes field names before or after the address, selecting fields by name prefix', () => {
    const { s } = session();
    const full = s.exec('dt nt!_KPCR @$pcr').output.split('\n');
    const selfLine = full.find((l) => / Self +:/.test(l));
    expect(s.exec('dt nt!_KPCR @$pcr Self').output).toBe(selfLine);
    expect(s.exec('dt nt!_KPCR Self @$pcr').output).toBe(selfLine);
    const prefixed = s.exec('dt nt!_KPCR Se').output.split('\n');
    expect(prefixed.length).toBeGreaterThan(0);
    expect(prefixed.every((l) => /^ +\+0x[0-9a-f]+ Se/.test(l))).toBe(true);
  });
  it('!pcr reads the KPCR and the current thread', () => {
    const { s } = session();
    const out = s.exec('!pcr').output.split('\n');
    expect(out[0]).toBe('KPCR for Processor 0 at fffff80319e00000:');
    expect(out).toContain('\t NtTib.SubSystemTib: fffff80319e00000');
    expect(out).toContain('\t      CurrentThread: ffffa38c4b2d6080');
  });
});

describe('errors in WinDbg wording', () => {
  it('unknown command: caret under its first character', () => {
    const { s } = session();
    expect(s.exec('hello').output).toBe("       ^ Syntax error in 'hello'");
    expect(s.exec('.querypackages').output).toBe(`${' '.repeat(20)}^ Syntax error in '.querypackages'`);
    expect(s.exec('!nosuch').output).toBe('No export nosuch found');
  });
  it('r rsp+28: caret under the last character of the register name', () => {
    const { s } = session();
    expect(s.exec('r rsp+28').output).toBe("           ^ Syntax error in 'r rsp+28'");
    expect(s.exec('r foo').output).toBe("Bad register error at 'foo'");
  });
  it('unknown symbols and registers, unreadable memory in expressions', () => {
    const { s } = session();
    expect(s.exec('u nt!KiSystemCal64').output).toBe("Couldn't resolve error at 'nt!KiSystemCal64'");
    expect(s.exec('? @foo').output).toBe("Bad register error at '@foo'");
    expect(s.exec('? poi(0)').output).toBe("Memory access error at ')'");
  });
  it('commands after ; each answer; the caret column counts the earlier commands', () => {
    const { s } = session();
    const out = s.exec('? 1; hello').output.split('\n');
    expect(out[0]).toBe('Evaluate expression: 1 = 00000000`00000001');
    expect(out[1]).toBe(`${' '.repeat(7 + 5)}^ Syntax error in 'hello'`);
  });
});

describe('breakpoints', () => {
  it('bp/bl/bd/be/bc and redefinition', () => {
    const { s } = session();
    expect(s.exec('bp nt!KiSystemCall64+0x15').output).toBe('');
    expect(s.exec('bp fffff803`1b201015').output).toBe('breakpoint 0 redefined');
    expect(s.exec('bu nt!KiSystemServiceStart').output).toBe('');
    expect(s.exec('bp nt!NoSuchSym').output).toBe("Bp expression 'nt!NoSuchSym' could not be resolved, adding deferred bp");
    s.exec('bd 1');
    expect(s.exec('bl').output.split('\n')).toEqual([
      '     0 e Disable Clear  fffff803`1b201015     0001 (0001) nt!KiSystemCall64+0x15',
      '     1 d Enable Clear  fffff803`1b201018     0001 (0001) nt!KiSystemServiceStart',
      '     2 e Disable Clear u                      0001 (0001) (nt!NoSuchSym)',
    ]);
    s.exec('be 1');
    s.exec('bc 0 2');
    expect(s.exec('bl').output).toBe('     1 e Disable Clear  fffff803`1b201018     0001 (0001) nt!KiSystemServiceStart');
    s.exec('bc *');
    expect(s.exec('bl').output).toBe('');
  });
  it('g writes 0xCC while the target runs, restores it on stop, and names the breakpoint', () => {
    const { s, kernel } = session();
    const m = kernel.machine;
    const bpAt = SYSCALL64 + 0x15n;
    let byteWhileRunning = -1;
    kernel.queue.push((mm) => {
      byteWhileRunning = mm.mem.get(bpAt)!;
      mm.regs.set('rip', bpAt);
      return { kind: 'debug-break', code: 0x80000003, address: bpAt };
    });
    s.exec('bp nt!KiSystemCall64+0x15');
    const r = s.exec('g');
    expect(byteWhileRunning).toBe(0xcc);
    expect(m.mem.get(bpAt)).toBe(0x6a);
    expect(r.output.split('\n')).toEqual(['Breakpoint 0 hit', 'nt!KiSystemCall64+0x15:', 'fffff803`1b201015 6a2b            push    2Bh']);
    expect(r.stop).toMatchObject({ kind: 'break', breakpoint: 0, address: bpAt });
    // Resuming from the breakpoint: first a single step with the original byte, then the run.
    kernel.queue.push((mm) => {
      expect(mm.mem.get(bpAt)).toBe(0x6a);
      mm.regs.set('rip', bpAt + 2n);
      return { kind: 'debug-break', code: 0x80000004, address: bpAt + 2n };
    });
    kernel.queue.push((mm) => {
      expect(mm.mem.get(bpAt)).toBe(0xcc);
      return { kind: 'budget' };
    });
    const g2 = s.exec('g').output.split('\n');
    expect(kernel.resumes.at(-2)?.singleStep).toBe(true);
    expect(g2[0]).toBe('Instruction budget exhausted: the target ran 1000 instructions with no event; stopped here (g continues).');
    expect(m.mem.get(bpAt)).toBe(0x6a);
  });
  it('Ctrl+C (the break-in flag) stops a running g between slices', () => {
    const kernel = fakeKernel();
    let polls = 0;
    const s = new KdSession({ kernel, budget: 10_000_000, interruptRequested: () => ++polls === 3 });
    const r = s.exec('g');
    expect(kernel.resumes).toHaveLength(3);
    expect(r.stop).toMatchObject({ kind: 'break-in' });
    expect(r.output.split('\n')[0]).toBe('Break instruction exception - code 80000003 (first chance)');
    expect(kernel.machine.mem.get(SYSCALL64)).toBe(0x0f);
  });
  it('an int 3 that is not ours is a break instruction exception', () => {
    const { s, kernel } = session();
    kernel.queue.push((mm) => ({ kind: 'debug-break', code: 0x80000003, address: mm.getReg('rip') }));
    expect(s.exec('g').output.split('\n')[0]).toBe('Break instruction exception - code 80000003 (first chance)');
  });
  it('a breakpoint on unmapped memory cannot be inserted: the five-line report, target stays', () => {
    const { s, kernel } = session();
    s.exec('bp fffff803`00001000');
    const out = s.exec('g').output.split('\n');
    expect(out[0]).toBe('Unable to insert breakpoint 0 at fffff803`00001000, Win32 error 0n998');
    expect(out[4]).toBe('bp0 at fffff803`00001000 failed');
    expect(kernel.resumes).toHaveLength(0);
  });
  it('a bug check prints the live banner; .bugcheck and !analyze -v read it', () => {
    const { s, kernel } = session();
    kernel.queue.push(() => ({ kind: 'bugcheck', code: 0x7f, args: [8n, 0n, 0n, 0n] }));
    const out = s.exec('g').output.split('\n');
    expect(out[1]).toBe('*** Fatal System Error: 0x0000007f');
    expect(out[2]).toBe(`${' '.repeat(23)}(0x0000000000000008,0x0000000000000000,0x0000000000000000,0x0000000000000000)`);
    expect(s.exec('.bugcheck').output).toBe('Bugcheck code 0000007F\nArguments 00000000`00000008 00000000`00000000 00000000`00000000 00000000`00000000');
    expect(s.exec('!analyze -v').output).toContain('Arg1: 0000000000000008, EXCEPTION_DOUBLE_FAULT');
    expect(s.exec('g').output).toContain('KeBugCheckEx');
  });
  it('t single-steps through the kernel and prints the register block', () => {
    const { s, kernel } = session();
    kernel.queue.push((mm) => { mm.regs.set('rip', SYSCALL64 + 3n); return { kind: 'debug-break', code: 0x80000004, address: SYSCALL64 + 3n }; });
    const out = s.exec('t').output.split('\n');
    expect(kernel.resumes[0].singleStep).toBe(true);
    expect(out[0].startsWith('rax=')).toBe(true);
    expect(out[8]).toBe('nt!KiSystemCall64+0x3:');
  });
});

describe('transcript', () => {
  it('echoes prompt and command, then the output; q ends the session', () => {
    const { s } = session();
    s.exec('? 1');
    const r = s.exec('q');
    expect(r.output).toBe('quit:');
    expect(s.transcript()).toBe('0: kd> ? 1\nEvaluate expression: 1 = 00000000`00000001\n0: kd> q\nquit:\n');
    expect(s.exec('r').output).toBe('');
  });
  it('k lists frames found on the stack', () => {
    const { s, kernel } = session();
    const m = kernel.machine;
    // A return address into nt right after a call rel32 (e8 xx xx xx xx).
    const ret = NT_BASE + 0x2010n;
    m.mem.set(ret - 5n, 0xe8);
    for (let i = 0; i < 8; i++) m.mem.set(0x1808n + BigInt(i), Number((ret >> BigInt(8 * i)) & 0xffn));
    const out = s.exec('k').output.split('\n');
    expect(out[0]).toBe(' # Child-SP          RetAddr               Call Site');
    expect(out[1]).toBe('00 00000000`00001800 fffff803`1b202010     nt!KiSystemCall64');
    expect(out[2]).toBe('01 00000000`00001810 00000000`00000000     nt!KiBreakpointTrap+0x10');
  });
});
