// The shadow of a load of SS against the SDM's rules: Intel SDM Vol. 3A §6.8.3 "Masking Exceptions
// and Interrupts When Switching Stacks" (June 2023 edition, order no. 325462-080): an instruction
// breakpoint on the next instruction is suppressed; a single-step trap that would follow the load
// is suppressed; a data breakpoint the load hit is inhibited until the boundary after the next
// instruction; the suppression ends after the next instruction or the delivery of an exception;
// only the first of consecutive SS loads is guaranteed to do this. Vol. 2B POP: POP SS (17h) is
// invalid in 64-bit mode. What a fault in the shadow does with the held #DB is not in the SDM; the
// model drops it, as Linux's tools/testing/selftests/x86/mov_ss_trap.c observes processors do.

import { describe, it, expect } from 'vitest';
import { world, runToStub, frame, UDATA, STUBS } from './cpu-exec-harness.ts';
import type { Machine } from '../../emulator/src/cpu/index.ts';

const TF = 0x100n;
/** Data breakpoint 0 on the word at UDATA, reads or writes (R/W0 = 11, LEN0 = 01: 2 bytes). */
function armRead(m: Machine): void {
  m.setDr(0, UDATA);
  m.setDr(7, 0x400n | 1n | (3n << 16n) | (1n << 18n));
}
/** User code that stores the user data selector at UDATA, then `body` (rbx = UDATA). */
const prologue = `mov rbx, ${UDATA.toString(16)}h\nmov word ptr [rbx], 2Bh\n`;
function deliveries(m: Machine) {
  return m.events.events.filter((e) => e.kind === 'exception-delivered') as unknown as Array<Record<string, unknown>>;
}
/** Steps the prologue (two instructions), then arms the breakpoint. */
function ready(o: { user: string; kernel?: string }): ReturnType<typeof world> {
  const w = world({ user: prologue + o.user, kernel: o.kernel });
  expect(w.m.step()).toBeNull();
  expect(w.m.step()).toBeNull();
  armRead(w.m);
  return w;
}

describe('POP SS in 64-bit mode (Vol. 2B POP: opcode 17h is invalid)', () => {
  it('raises #UD, nothing loaded, and says why', () => {
    const { m } = world({ user: 'db 17h\nhlt' });
    const ss = m.getSeg('ss').selector;
    expect(runToStub(m).vector).toBe(6);
    const raised = m.events.events.find((e) => e.kind === 'exception-raised') as unknown as { detail: string };
    expect(raised.detail).toMatch(/POP SS is invalid in 64-bit mode/);
    expect(frame(m, false).ss).toBe(BigInt(ss));
  });
});

describe('a data breakpoint on the operand of MOV SS (§6.8.3)', () => {
  it('followed by SYSCALL: the #DB arrives at the first instruction of the LSTAR target, CPL 0, user GS, user RSP', () => {
    const { m, klabels } = ready({ user: 'mov ss, word ptr [rbx]\nsyscall\nhlt', kernel: 'entry: swapgs\nhlt' });
    const userRsp = m.getReg('rsp');
    const gsBefore = m.getSeg('gs').base;
    expect(m.step()).toBeNull(); // mov ss: the read hits B0, the #DB is held
    expect(deliveries(m)).toHaveLength(0);
    expect(m.step()).toBeNull(); // syscall, then the held #DB
    const d = deliveries(m);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ vector: 1, fromCpl: 0, toCpl: 0, returnRip: klabels.get('entry') });
    expect(m.getDr(6) & 0xfn).toBe(1n);
    // The handler runs with the GS base user mode left (swapgs has not run) and, through a gate
    // without IST, on the stack pointer user mode left: the frame sits just below it.
    expect(m.getSeg('gs').base).toBe(gsBefore);
    expect(m.getReg('rsp')).toBe(userRsp - 40n);
    expect(frame(m, false)).toMatchObject({ rip: klabels.get('entry'), cs: 0x10n, rsp: userRsp });
  });

  it('followed by any other instruction: the #DB comes after that instruction, in user mode', () => {
    const { m, ulabels } = ready({ user: 'mov ss, word ptr [rbx]\nnop\nafter: nop\nhlt' });
    expect(m.step()).toBeNull();
    expect(m.step()).toBeNull();
    expect(deliveries(m)[0]).toMatchObject({ vector: 1, fromCpl: 3, toCpl: 0, returnRip: ulabels.get('after') });
  });

  it('followed by INT3: #BP is delivered, then the held #DB at the #BP handler\'s first instruction', () => {
    const { m } = ready({ user: 'mov ss, word ptr [rbx]\nint3\nhlt' });
    expect(m.step()).toBeNull();
    expect(m.step()).toBeNull();
    const d = deliveries(m);
    expect(d.map((e) => e.vector)).toEqual([3, 1]);
    expect(d[1]).toMatchObject({ fromCpl: 0, returnRip: STUBS + 3n * 16n });
  });

  it('followed by a faulting instruction: the fault ends the shadow and the held #DB is dropped', () => {
    const { m } = ready({ user: 'mov ss, word ptr [rbx]\nud2\nhlt' });
    expect(runToStub(m).vector).toBe(6);
    expect(deliveries(m).map((e) => e.vector)).toEqual([6]);
  });

  it('consecutive SS loads: the second opens no new shadow, what was held is delivered after it', () => {
    const { m, ulabels } = ready({ user: 'mov ss, word ptr [rbx]\nmov ss, ax\nafter: nop\nhlt' });
    m.setReg('rax', 0x2bn);
    expect(m.step()).toBeNull();
    expect(m.step()).toBeNull();
    expect(deliveries(m)[0]).toMatchObject({ vector: 1, returnRip: ulabels.get('after') });
  });
});

describe('single steps and instruction breakpoints in the shadow (§6.8.3)', () => {
  it('the single-step trap after MOV SS is suppressed: one #DB, after the next instruction', () => {
    const { m, ulabels } = world({ user: 'mov ax, ss\nmov ss, ax\nnop\nafter: nop\nhlt' });
    expect(m.step()).toBeNull();
    m.setReg('rflags', m.getReg('rflags') | TF);
    expect(m.step()).toBeNull(); // mov ss: its trap suppressed
    expect(deliveries(m)).toHaveLength(0);
    expect(m.step()).toBeNull(); // nop: its own trap
    const d = deliveries(m);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ vector: 1, returnRip: ulabels.get('after') });
    expect(m.getDr(6) & 0x4000n).toBe(0x4000n);
  });

  it('TF, MOV SS, SYSCALL with Windows\' FMASK (TF cleared): no #DB at all', () => {
    const { m } = world({ user: 'mov ax, ss\nmov ss, ax\nsyscall\nhlt', kernel: 'entry: nop\nhlt' });
    expect(m.step()).toBeNull();
    m.setReg('rflags', m.getReg('rflags') | TF);
    expect(m.step()).toBeNull();
    expect(m.step()).toBeNull(); // syscall: TF masked, the MOV SS trap suppressed
    expect(m.step()).toBeNull(); // entry: nop
    expect(deliveries(m)).toHaveLength(0);
  });

  it('an instruction breakpoint on the instruction after MOV SS is suppressed; on the one after, it fires', () => {
    const { m, ulabels } = world({ user: 'mov ax, ss\nmov ss, ax\nnext: nop\nlast: nop\nhlt' });
    m.setDr(0, ulabels.get('next')!);
    m.setDr(1, ulabels.get('last')!);
    m.setDr(7, 0x400n | 1n | 4n); // L0, L1; R/W = 00 (execute)
    expect(m.step()).toBeNull();
    expect(m.step()).toBeNull(); // mov ss
    expect(m.step()).toBeNull(); // next: runs, no #DB
    expect(deliveries(m)).toHaveLength(0);
    m.step(); // last: #DB before it
    expect(deliveries(m)[0]).toMatchObject({ vector: 1, returnRip: ulabels.get('last') });
    expect(m.getDr(6) & 0xfn).toBe(2n);
  });
});

describe('STI and MOV SS back to back', () => {
  it('STI then MOV SS: STI holds no debug exception; the load\'s #DB comes after the instruction that follows it', () => {
    const { m, ulabels } = ready({ user: 'sti\nmov ss, word ptr [rbx]\nnop\nafter: nop\nhlt' });
    m.setReg('rflags', m.getReg('rflags') & ~0x200n); // IF = 0, so STI sets it
    // CPL 3 with IOPL 0 cannot STI (#GP): run this pair at IOPL 3.
    m.setReg('rflags', m.getReg('rflags') | 0x3000n);
    expect(m.step()).toBeNull(); // sti
    expect(m.step()).toBeNull(); // mov ss
    expect(deliveries(m)).toHaveLength(0);
    expect(m.step()).toBeNull(); // nop, then #DB
    expect(deliveries(m)[0]).toMatchObject({ vector: 1, returnRip: ulabels.get('after') });
  });

  it('MOV SS then STI: STI is the next instruction, the #DB follows it', () => {
    const { m, ulabels } = ready({ user: 'mov ss, word ptr [rbx]\nsti\nafter: nop\nhlt' });
    m.setReg('rflags', (m.getReg('rflags') & ~0x200n) | 0x3000n);
    expect(m.step()).toBeNull();
    expect(m.step()).toBeNull();
    expect(deliveries(m)[0]).toMatchObject({ vector: 1, returnRip: ulabels.get('after') });
  });

  it('TF across STI: the single-step trap follows STI at once (STI\'s shadow holds interrupts, not debug exceptions)', () => {
    const { m, ulabels } = world({ user: 'sti\nafter: nop\nhlt' });
    m.setReg('rflags', (m.getReg('rflags') & ~0x200n) | 0x3000n | TF);
    expect(m.step()).toBeNull();
    expect(deliveries(m)[0]).toMatchObject({ vector: 1, returnRip: ulabels.get('after') });
  });
});

