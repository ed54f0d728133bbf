// Assembler checks. Expected bytes follow from the SDM's encoding rules (Vol. 2A chapter 2):
// e.g. `mov qword ptr gs:[10h],rsp` = 65 (GS) 48 (REX.W) 89 /r with ModRM 24 (mod 00, reg rsp,
// rm 100 = SIB) and SIB 25 (no index, base 101 = disp32 only), disp32 10 00 00 00.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assemble, AsmError } from '../../emulator/src/cpu/assembler.ts';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const asm = (src: string, origin = 0n, symbols?: (n: string) => bigint | undefined) => hex(assemble(src, { origin, symbols }).bytes);
const error = (src: string): AsmError => {
  try {
    assemble(src);
  } catch (e) {
    if (e instanceof AsmError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('assembler', () => {
  it('assembles the start of nt!KiSystemCall64 to the exact bytes', () => {
    expect(asm('swapgs')).toBe('0f01f8');
    expect(asm('mov qword ptr gs:[10h],rsp')).toBe('654889242510000000');
    expect(asm('mov rsp,qword ptr gs:[1A8h]')).toBe('65488b2425a8010000');
    expect(asm('push 2Bh')).toBe('6a2b');
  });

  it('assembles the system instructions the kernel needs', () => {
    expect(asm('sub rsp,158h')).toBe('4881ec58010000');
    expect(asm('lea rbp,[rsp+80h]')).toBe('488dac2480000000');
    expect(asm('iretq')).toBe('48cf');
    expect(asm('sysretq')).toBe('480f07');
    expect(asm('sysret')).toBe('0f07');
    expect(asm('rdmsr\nwrmsr')).toBe('0f320f30');
    expect(asm('mov cr3,rax')).toBe('0f22d8');
    expect(asm('mov rax,cr8')).toBe('440f20c0');
    expect(asm('rdgsbase rax')).toBe('f3480faec8');
    expect(asm('int 3')).toBe('cc');
    expect(asm('int 2Eh')).toBe('cd2e');
    expect(asm('lock cmpxchg qword ptr [rdx],rcx')).toBe('f0480fb10a');
    expect(asm('rep stos qword ptr [rdi]')).toBe('f348ab');
    expect(asm('push gs')).toBe('0fa8');
  });

  it('accepts WinDbg number forms and the target form the disassembler prints', () => {
    expect(asm('mov eax,0FFFh')).toBe('b8ff0f0000');
    expect(asm('mov eax,0x2b')).toBe('b82b000000');
    expect(asm('mov eax,8')).toBe('b808000000');
    expect(asm('mov eax,0n43')).toBe('b82b000000');
    expect(asm('jmp nt!Foo+0x2a (00000000`00001010)', 0x1000n)).toBe('eb0e');
  });

  it('resolves labels and symbols, choosing rel8 or rel32', () => {
    expect(asm('top: nop\njmp top')).toBe('90ebfd');
    const far = 'jmp done\n' + 'nop\n'.repeat(200) + 'done: ret';
    expect(asm(far).slice(0, 10)).toBe('e9c8000000');
    const sym = (n: string) => (n === 'nt!KeBugCheckEx' ? 0x2000n : undefined);
    expect(asm('call nt!KeBugCheckEx', 0x1000n, sym)).toBe('e8fb0f0000');
    // A bare name in brackets is RIP-relative: disp = 2000h - (1000h + 7).
    expect(asm('mov rax,qword ptr [nt!KeBugCheckEx]', 0x1000n, sym)).toBe('488b05f90f0000');
  });

  it('accepts [rip+disp], offset, short and near ptr', () => {
    expect(asm('lea rax,[rip+10h]')).toBe('488d0510000000');
    expect(asm('mov rcx,offset L\nL: ret', 0x1000n)).toBe('48b90a10000000000000c3');
    expect(asm('jmp short L\nL: ret')).toBe('eb00c3');
    expect(asm('jmp near ptr L\nL: ret')).toBe('eb00c3');
  });

  it('emits data and skips comments', () => {
    expect(asm("db 90h, 0CCh, 'ab' ; trailing comment\n; whole-line comment\ndw 1234h\ndd 1\ndq 8")).toBe('90cc61623412010000000800000000000000');
  });

  it('writes register-to-register forms as Microsoft tools do', () => {
    // The bytes of every Windows x64 prologue and zeroing idiom as WinDbg shows them.
    expect(asm('mov rbp,rsp')).toBe('488bec');
    expect(asm('xor eax,eax')).toBe('33c0');
    expect(asm('sub rsp,rax')).toBe('482be0');
    // With a memory operand there is only one form per direction.
    expect(asm('mov qword ptr [rax],rcx')).toBe('488908');
  });

  it('only ever throws AsmError on malformed input', () => {
    const tokens = ['mov', 'add', 'push', 'jmp', 'lock', 'rep', 'db', 'dq', 'align', 'rax', 'eax', 'ah', 'r8b', 'cr3', 'gs', 'qword', 'ptr', '[', ']', ',', '+', '-', '*', ':', '(', ')', '10h', '0x', '`', "'", 'lbl', 'lbl:', 'nt!Foo', ';', '8', '0FFFFFFFFFFFFFFFFFh', ' '];
    const line = fc.array(fc.constantFrom(...tokens), { maxLength: 10 }).map((t) => t.join(' '));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), (lines) => {
        try {
          assemble(lines.join('\n'), { symbols: (n) => (n === 'nt!Foo' ? 0x1000n : undefined) });
        } catch (e) {
          if (!(e instanceof AsmError)) throw e;
        }
      }),
      { seed: 4242, numRuns: 3000 },
    );
  });

  it('reports errors with line and column', () => {
    const e = error('nop\n  mov rax,qword ptr [rbx+zz]');
    expect([e.line, e.column]).toEqual([2, 26]);
    expect(e.message).toMatch(/unknown label or symbol 'zz'/);
    const u = error('frob eax');
    expect([u.line, u.column, u.message]).toEqual([1, 1, expect.stringMatching(/unknown instruction 'frob'/)]);
    const s = error('add [rax],1');
    expect(s.message).toMatch(/operand size is not specified/);
    const h = error('mov ah,r8b');
    expect(h.message).toMatch(/REX/);
    expect(error('add rax,1122334455h').message).toMatch(/does not fit in 32 bits/);
    const r = error('loop far\n' + 'nop\n'.repeat(200) + 'far: ret');
    expect(r.message).toMatch(/out of range/);
  });
});
