// Architecture scenarios for privilege, system calls and exception delivery, asserted from the
// machine state and the event log. Expected values come from the SDM text cited at each test.

import { describe, it, expect } from 'vitest';
import { world, runToStub, frame, q, KSTACK_TOP, IST1_TOP, UCODE, USTACK_TOP, KCODE, KDATA, UDATA, STUBS } from './cpu-exec-harness.ts';

describe('privilege and system calls', () => {
  it('swapgs at CPL3 raises #GP(0), delivered on RSP0 (SDM Vol. 2B SWAPGS; Vol. 3A §6.14.4)', () => {
    const { m } = world({ user: 'swapgs' });
    const { vector } = runToStub(m);
    expect(vector).toBe(13);
    const f = frame(m, true);
    expect(f.error).toBe(0n);
    expect(f.rip).toBe(UCODE); // fault: the swapgs itself
    expect(f.cs).toBe(0x33n);
    expect(f.ss).toBe(0x2bn);
    expect(f.rsp).toBe(USTACK_TOP - 0x100n);
    expect(m.getReg('rsp')).toBe(KSTACK_TOP - 48n);
    const d = m.events.events.find((e) => e.kind === 'exception-delivered');
    expect(d).toMatchObject({ vector: 13, errorCode: 0, fromCpl: 3, toCpl: 0, stack: 'rsp0' });
    expect(m.events.events.some((e) => e.kind === 'swapgs')).toBe(false);
  });

  it('syscall with IA32_EFER.SCE=0 raises #UD (SDM Vol. 2B SYSCALL, 64-bit mode exceptions)', () => {
    const { m } = world({ user: 'syscall', sce: false });
    const { vector } = runToStub(m);
    expect(vector).toBe(6);
    const f = frame(m, false);
    expect(f.rip).toBe(UCODE);
    expect(m.events.events[0]).toMatchObject({ kind: 'exception-raised', vector: 6 });
  });

  it('syscall: RCX, R11, RFLAGS, CS, SS, CPL, RIP as specified and RSP unchanged; sysret returns to CPL3', () => {
    const { m, klabels } = world({
      user: 'mov rbx, 1234h\nsyscall\nafter: nop\nhlt',
      kernel: 'entry: mov rdx, rsp\nsysretq',
    });
    m.setReg('rflags', 0x4ad7n | 0x200n); // status flags, TF=0, IF, DF, NT
    m.setReg('rflags', 0x246n | 0x400n | 0x4000n);
    const flagsBefore = m.getReg('rflags');
    const userRsp = m.getReg('rsp');
    expect(m.step()).toBeNull(); // mov
    expect(m.step()).toBeNull(); // syscall
    expect(m.getReg('rcx')).toBe(UCODE + 7n + 2n); // next instruction (SDM: RCX <- RIP)
    expect(m.getReg('r11')).toBe(flagsBefore);
    expect(m.getReg('rflags')).toBe((flagsBefore & ~0x4700n) | 2n); // RFLAGS AND NOT FMASK
    expect(m.getSeg('cs').selector).toBe(0x10); // STAR[47:32]
    expect(m.getSeg('ss').selector).toBe(0x18); // STAR[47:32] + 8
    expect(m.getReg('rip')).toBe(klabels.get('entry'));
    expect(m.getReg('rsp')).toBe(userRsp); // SYSCALL does not touch RSP
    const sys = m.events.events.find((e) => e.kind === 'syscall');
    expect(sys).toBeTruthy();
    expect(m.events.events.find((e) => e.kind === 'cpl-change')).toMatchObject({ from: 3, to: 0 });
    expect(m.step()).toBeNull(); // mov rdx, rsp (at CPL0)
    expect(m.getReg('rdx')).toBe(userRsp);
    expect(m.step()).toBeNull(); // sysretq
    expect(m.getSeg('cs').selector).toBe(0x33); // STAR[63:48] + 16, RPL 3
    expect(m.getSeg('ss').selector).toBe(0x2b); // STAR[63:48] + 8, RPL 3
    expect(m.getReg('rip')).toBe(UCODE + 9n);
    // RFLAGS <- (R11 & 3C7FD7h) | 2 (SDM Vol. 2B SYSRET)
    expect(m.getReg('rflags')).toBe((flagsBefore & 0x3c7fd7n) | 2n);
    expect(m.events.events.filter((e) => e.kind === 'cpl-change').map((e) => (e as { to: number }).to)).toEqual([0, 3]);
  });

  it('sysret with a non-canonical RCX raises #GP(0) at CPL0 on the current stack (Intel; SDM Vol. 2B SYSRET)', () => {
    const { m } = world({
      cpl: 0,
      kernel: 'entry: mov rcx, 800000000000h\nsysretq',
    });
    m.setReg('rip', KCODE);
    const rsp = KSTACK_TOP - 0x808n; // not 16-byte aligned
    m.setReg('rsp', rsp);
    const { vector } = runToStub(m);
    expect(vector).toBe(13);
    const f = frame(m, true);
    expect(f.error).toBe(0n);
    expect(f.cs).toBe(0x10n);
    expect(m.getReg('rsp')).toBe(((rsp) & ~0xfn) - 48n); // same CPL, no IST: aligned current stack
    expect(m.events.events.find((e) => e.kind === 'exception-delivered')).toMatchObject({ fromCpl: 0, toCpl: 0, stack: 'none' });
  });

  it('rdmsr of an unknown MSR and wrmsr at CPL3 raise #GP(0)', () => {
    const a = world({ cpl: 0, kernel: 'mov ecx, 12345678h\nrdmsr' });
    expect(runToStub(a.m).vector).toBe(13);
    const b = world({ user: 'wrmsr' });
    expect(runToStub(b.m).vector).toBe(13);
    expect(frame(b.m, true).error).toBe(0n);
  });
});

describe('exception delivery', () => {
  it('int3 at CPL3 through a DPL3 gate saves the RIP after the CC (SDM Vol. 3A §6.15, Interrupt 3)', () => {
    const { m } = world({ user: 'nop\nint 3\nnop' });
    const { vector } = runToStub(m);
    expect(vector).toBe(3);
    const f = frame(m, false);
    expect(f.rip).toBe(UCODE + 2n);
    expect(f.cs).toBe(0x33n);
    expect(m.getReg('rsp')).toBe(KSTACK_TOP - 40n);
    expect(m.getSeg('ss').selector).toBe(0); // NULL SS with RPL = new CPL (SDM §6.14.4)
  });

  it('int3 at CPL3 through a DPL0 gate raises #GP(vector*8+2) (SDM Vol. 2A INT n)', () => {
    const { m } = world({ user: 'int 3', dpl3: [] });
    const { vector } = runToStub(m);
    expect(vector).toBe(13);
    const f = frame(m, true);
    expect(f.error).toBe(3n * 8n + 2n);
    expect(f.rip).toBe(UCODE);
  });

  it('a gate with IST uses the IST stack, even without a privilege change (SDM Vol. 3A §6.14.5)', () => {
    const { m } = world({ cpl: 0, kernel: 'ud2', ist1: [6] });
    const { vector } = runToStub(m);
    expect(vector).toBe(6);
    expect(m.getReg('rsp')).toBe(IST1_TOP - 40n);
    expect(frame(m, false).rip).toBe(KCODE);
    expect(m.events.events.find((e) => e.kind === 'exception-delivered')).toMatchObject({ stack: 'ist1', fromCpl: 0, toCpl: 0 });
  });

  it('at CPL0 without IST the frame goes on the current stack, aligned to 16 (SDM Vol. 3A §6.14.2)', () => {
    const { m } = world({ cpl: 0, kernel: 'ud2' });
    const rsp = KSTACK_TOP - 0x7f8n;
    m.setReg('rsp', rsp);
    runToStub(m);
    expect(m.getReg('rsp')).toBe((rsp & ~0xfn) - 40n);
    expect(frame(m, false).rsp).toBe(rsp); // the old RSP, before alignment
    expect(frame(m, false).ss).toBe(0x18n);
  });

  it('an interrupt gate clears IF; the pushed RFLAGS has RF set for a fault (SDM Vol. 3A §6.12.1.3, §18.3.1.1)', () => {
    const { m } = world({ cpl: 0, kernel: 'ud2' });
    runToStub(m);
    expect(m.getReg('rflags') & 0x200n).toBe(0n);
    expect(frame(m, false).rflags).toBe(0x10202n);
  });

  it('a #PF while delivering a #PF becomes #DF (SDM Vol. 3A §6.15, Table 6-5)', () => {
    // RSP points at unmapped memory: the #PF frame cannot be pushed.
    const { m } = world({ cpl: 0, kernel: 'mov rax, qword ptr [rbx]', ist1: [8] });
    m.setReg('rbx', 0x12345000n);
    m.setReg('rsp', 0xfffff80000700000n);
    const { vector } = runToStub(m);
    expect(vector).toBe(8);
    expect(frame(m, true).error).toBe(0n);
    const kinds = m.events.events.slice(0, 4).map((e) => e.kind);
    expect(kinds).toEqual(['exception-raised', 'exception-raised', 'double-fault', 'exception-delivered']);
    expect(m.events.events[2]).toMatchObject({ first: 14, second: 14 });
    expect(m.events.events[3]).toMatchObject({ vector: 8, stack: 'ist1' });
  });

  it('a #PF while pushing an INT3 frame: supervisor write to a not-present page, error code W only', () => {
    const { m } = world({ user: 'nop\nint 3', ist1: [14] });
    const bad = 0xfffff80000700000n;
    const rsp0 = new Uint8Array(new BigUint64Array([bad]).buffer);
    m.writeVirtual(0xfffff80000002000n + 4n, rsp0); // TSS.RSP0 -> unmapped
    expect(runToStub(m).vector).toBe(14);
    const f = frame(m, true);
    expect(f.error).toBe(2n); // P=0, W=1, U/S=0: the push is a supervisor access (SDM §4.7)
    expect(m.getCr(2)).toBe(bad - 8n);
    expect(f.rip).toBe(UCODE + 1n); // reported on the INT3 instruction, which did not complete
    expect(f.cs).toBe(0x33n);
  });

  it('a #DF whose stack is unmapped ends in a triple fault (SDM Vol. 3A §6.15, Interrupt 8)', () => {
    const { m } = world({ cpl: 0, kernel: 'mov rax, qword ptr [rbx]' });
    m.setReg('rbx', 0x12345000n);
    m.setReg('rsp', 0xfffff80000700000n);
    const stop = m.run({ budget: 100 });
    expect(stop.kind).toBe('triple-fault');
    expect(m.events.events.at(-1)).toMatchObject({ kind: 'triple-fault', first: 8, second: 14 });
    expect(m.step()?.kind).toBe('triple-fault'); // shutdown: nothing more executes
  });

  it('an external interrupt at CPL3 goes through its gate on RSP0 and saves the current RIP', () => {
    const { m } = world({ user: 'nop\nnop\nnop' });
    expect(m.step()).toBeNull();
    expect(m.interrupt(0x20)).toBeNull();
    expect(m.getReg('rip')).toBe(STUBS + 0x20n * 16n);
    const f = frame(m, false);
    expect(f.rip).toBe(UCODE + 1n);
    expect(f.cs).toBe(0x33n);
    expect(m.getReg('rsp')).toBe(KSTACK_TOP - 40n);
    expect(m.getReg('rflags') & 0x200n).toBe(0n);
  });

  it('iretq returns to CPL3 and restores RSP, RFLAGS, SS (SDM Vol. 2A IRET)', () => {
    const { m } = world({ user: 'int 3\nafter: mov eax, 1\nhlt' });
    m.setReg('rflags', 0x2c7n | 0x200n);
    runToStub(m);
    // Replace the stub's hlt with iretq by running one from kernel code.
    m.writeVirtual(STUBS + 3n * 16n, [0x48, 0xcf]);
    m.setReg('rip', STUBS + 3n * 16n);
    expect(m.step()).toBeNull();
    expect(m.getReg('rip')).toBe(UCODE + 1n);
    expect(m.getSeg('cs').selector).toBe(0x33);
    expect(m.getSeg('ss').selector).toBe(0x2b);
    expect(m.getReg('rsp')).toBe(USTACK_TOP - 0x100n);
    expect(m.getReg('rflags')).toBe(0x2c7n | 0x200n);
    expect(m.events.events.at(-2)).toMatchObject({ kind: 'iretq', fromCpl: 0, toCpl: 3 });
  });

  it('iretq loads RF from the image; RF is cleared after the next instruction (SDM Vol. 3A §18.3.1.1)', () => {
    const { m } = world({ cpl: 0, kernel: 'ud2' });
    runToStub(m);
    // The frame's RFLAGS has RF=1 (a fault); return to a nop placed where the ud2 was.
    m.writeVirtual(KCODE, [0x90, 0x90]);
    m.writeVirtual(STUBS + 6n * 16n, [0x48, 0xcf]);
    m.setReg('rip', STUBS + 6n * 16n);
    expect(m.step()).toBeNull();
    expect(m.getReg('rflags') & 0x10000n).toBe(0x10000n);
    expect(m.step()).toBeNull();
    expect(m.getReg('rflags') & 0x10000n).toBe(0n);
  });

  it('TF traps after one instruction with #DB (SDM Vol. 3A §18.3.1.4)', () => {
    const { m } = world({ cpl: 0, kernel: 'nop\nnop' });
    m.setReg('rflags', 0x302n);
    runToStub(m);
    expect(frame(m, false).rip).toBe(KCODE + 1n);
    expect(m.events.events.find((e) => e.kind === 'exception-delivered')).toMatchObject({ vector: 1 });
    expect(m.dr[6] & 0x4000n).toBe(0x4000n); // DR6.BS
  });

  it('syscall with TF masked by FMASK gives no #DB in the handler; sysret restoring TF traps on the next user instruction', () => {
    // SYSCALL and SYSRET act on the TF they end with (Xen XSA-204; KVM unit tests' syscall TF test).
    const { m, klabels } = world({
      user: 'syscall\nafter: nop\nnop\nhlt',
      kernel: 'entry: nop\nsysretq',
    });
    m.setReg('rflags', 0x346n); // TF=1, IF=1
    expect(m.step()).toBeNull(); // syscall: FMASK (4700h) clears TF, so no trap at the handler
    expect(m.getReg('rip')).toBe(klabels.get('entry'));
    expect(m.step()).toBeNull(); // nop at CPL0: TF=0, no trap
    expect(m.events.events.some((e) => e.kind === 'exception-raised')).toBe(false);
    m.step(); // sysretq loads TF=1 from R11: #DB before the first user instruction runs
    const raised = m.events.events.find((e) => e.kind === 'exception-raised');
    expect(raised).toMatchObject({ vector: 1 });
    expect(frame(m, false).rip).toBe(UCODE + 2n); // the instruction after syscall, not yet executed
  });

  it('an instruction of 16 bytes raises #GP(0), one of 15 runs (SDM Vol. 2A §2.1, Vol. 3A §6.15)', () => {
    const fifteen = 'db ' + Array(14).fill('66h').join(',') + ',90h'; // 14 redundant prefixes + nop
    const ok = world({ cpl: 0, kernel: fifteen + '\nud2' }).m;
    expect(runToStub(ok).vector).toBe(6); // the nop ran; the ud2 after it faulted
    const long = world({ cpl: 0, kernel: 'db ' + Array(15).fill('66h').join(',') + ',90h' }).m;
    expect(runToStub(long).vector).toBe(13);
    expect(frame(long, true).error).toBe(0n);
    expect(frame(long, true).rip).toBe(KCODE);
  });

  it('an IDT entry that is not a gate gives #GP(vector*8+2+EXT) (SDM Vol. 3A §6.14.1)', () => {
    const { m } = world({ cpl: 0, kernel: 'ud2', absent: [6] });
    expect(runToStub(m).vector).toBe(13);
    expect(frame(m, true).error).toBe(6n * 8n + 2n + 1n);
  });

  it('a not-present IDT gate gives #NP(vector*8+2+EXT) (SDM Vol. 3A §6.13)', () => {
    const { m } = world({ cpl: 0, kernel: 'ud2' });
    const gate = m.readVirtual(0xfffff80000001000n + 6n * 16n + 5n, 1)!;
    m.writeVirtual(0xfffff80000001000n + 6n * 16n + 5n, [gate[0] & 0x7f]); // P = 0
    const { vector } = runToStub(m);
    expect(vector).toBe(11);
    expect(frame(m, true).error).toBe(6n * 8n + 2n + 1n);
  });

  void KDATA; void UDATA; void q;
});
