// Hardware breakpoints against the SDM's DR6/DR7 rules: SDM Vol. 3B chapter 18 "Debug, Branch
// Profile, TSC, and Intel Resource Director Technology Features" (December 2024 edition, order
// no. 253669-086), §18.2.3 (DR6), §18.2.4 (DR7), §18.2.5 (breakpoint field recognition),
// §18.3.1.1 (instruction breakpoints, RF), §18.3.1.2 (data breakpoints), §18.3.1.4 (single
// step); Vol. 3A §6.8.3 (MOV SS shadow).

import { describe, it, expect } from 'vitest';
import { world, runToStub, frame, UCODE, UDATA, KCODE, KDATA, KSTACK_TOP } from './cpu-exec-harness.ts';
import type { Machine } from '../../emulator/src/cpu/index.ts';

const RF = 0x10000n, TF = 0x100n;
/** DR7 for breakpoint n: L bit, R/W and LEN fields (§18.2.4, Figure 18-1). */
function dr7(n: number, rw: number, len: number, global = false): bigint {
  return (1n << BigInt(2 * n + (global ? 1 : 0))) | (BigInt(rw) << BigInt(16 + 4 * n)) | (BigInt(len) << BigInt(18 + 4 * n)) | 0x400n;
}
const LEN = { 1: 0, 2: 1, 8: 2, 4: 3 } as const;

function arm(m: Machine, n: number, addr: bigint, rw: number, len: 1 | 2 | 4 | 8, global = false): void {
  m.setDr(n, addr);
  m.setDr(7, m.getDr(7) | dr7(n, rw, LEN[len], global));
}

describe('instruction breakpoints (R/W = 00): faults before the instruction', () => {
  it('#DB with RIP = the instruction, B0 set, the instruction not executed, RF = 0 in the frame', () => {
    const { m, ulabels } = world({ user: 'mov eax, 1\ntarget: mov eax, 2\nhlt' });
    arm(m, 0, ulabels.get('target')!, 0, 1);
    const { vector } = runToStub(m);
    expect(vector).toBe(1);
    const f = frame(m, false);
    expect(f.rip).toBe(ulabels.get('target'));
    expect(f.rflags & RF).toBe(0n); // §18.3.1.1: instruction-breakpoint frames keep RF (0)
    expect(m.getDr(6) & 0xfn).toBe(1n);
    expect(m.getDr(6) & 0x4000n).toBe(0n);
    expect(m.getReg('rax') & 0xffffn).toBe(1n); // the breakpointed mov has not run
    const raised = m.events.events.find((e) => e.kind === 'exception-raised');
    expect(raised).toMatchObject({ vector: 1 });
  });

  it('G bit enables as L does; with both clear nothing fires', () => {
    const a = world({ user: 'nop\nt: nop\nhlt' });
    arm(a.m, 2, a.ulabels.get('t')!, 0, 1, true);
    expect(runToStub(a.m).vector).toBe(1);
    expect(a.m.getDr(6) & 0xfn).toBe(4n);
    const b = world({ user: 'nop\nt: nop\nhlt' });
    b.m.setDr(2, b.ulabels.get('t')!);
    b.m.setDr(7, 0x400n | (0n << 20n)); // R/W2 = 00, L2 = G2 = 0
    expect(runToStub(b.m).vector).toBe(13); // the user-mode hlt's #GP: no #DB before it
  });

  it('RF = 1 suppresses the breakpoint for one instruction, then RF is cleared (§18.3.1.1)', () => {
    const { m, ulabels } = world({ user: 't: mov eax, 5\nhlt' });
    arm(m, 0, ulabels.get('t')!, 0, 1);
    m.setReg('rflags', m.getReg('rflags') | RF);
    expect(m.step()).toBeNull();
    expect(m.getReg('rax') & 0xffn).toBe(5n);
    expect(m.getReg('rflags') & RF).toBe(0n);
  });

  it('a debugger that sets RF in the frame resumes past the breakpoint (the looping the SDM warns of is avoided)', () => {
    const w = world({ cpl: 0, kernel: 'entry: nop\nt: mov eax, 7\nhlt' });
    const t = w.klabels.get('t')!;
    w.m.setReg('rip', t);
    arm(w.m, 1, t, 0, 1);
    expect(runToStub(w.m).vector).toBe(1);
    // The #DB stub is a hlt; emulate the handler's iretq with RF set in the image.
    const f = frame(w.m, false);
    expect(f.rip).toBe(t);
    w.m.setReg('rsp', f.rsp); w.m.setReg('rflags', f.rflags | RF); w.m.setReg('rip', f.rip);
    expect(w.m.step()).toBeNull();
    expect(w.m.getReg('rax') & 0xffn).toBe(7n);
  });
});

describe('data breakpoints (R/W = 01, 11): traps after the access', () => {
  it('write breakpoint: #DB after the store, RIP = next instruction, B1, RF = 0 pushed (a trap)', () => {
    const { m, ulabels } = world({ user: `mov rbx, ${UDATA.toString(16)}h\nstore: mov qword ptr [rbx+8], rax\nnext: nop\nhlt` });
    arm(m, 1, UDATA + 8n, 1, 8);
    m.setReg('rax', 0x1122334455667788n);
    expect(runToStub(m).vector).toBe(1);
    const f = frame(m, false);
    expect(f.rip).toBe(ulabels.get('next'));
    expect(f.rflags & RF).toBe(0n);
    expect(m.getDr(6) & 0xfn).toBe(2n);
    expect(m.readVirtual(UDATA + 8n, 1)![0]).toBe(0x88); // the store completed
  });

  it('write breakpoint ignores reads; R/W = 11 catches reads', () => {
    const src = `mov rbx, ${UDATA.toString(16)}h\nmov rax, qword ptr [rbx]\nnop\nhlt`;
    const w = world({ user: src });
    arm(w.m, 0, UDATA, 1, 8);
    expect(runToStub(w.m).vector).toBe(13); // the user-mode hlt's #GP: no #DB before it
    const rw = world({ user: src });
    arm(rw.m, 3, UDATA, 3, 8);
    expect(runToStub(rw.m).vector).toBe(1);
    expect(rw.m.getDr(6) & 0xfn).toBe(8n);
  });

  it('lengths mask the low address bits (§18.2.5): a 4-byte breakpoint at +3 covers +0..+3, not +4', () => {
    const hit = (store: number, len: 1 | 2 | 4 | 8, at: bigint) => {
      const { m } = world({ user: `mov rbx, ${UDATA.toString(16)}h\nmov byte ptr [rbx+${store}], al\nnop\nhlt` });
      arm(m, 0, at, 1, len);
      return runToStub(m).vector === 1;
    };
    expect(hit(0, 4, UDATA + 3n)).toBe(true);
    expect(hit(3, 4, UDATA + 3n)).toBe(true);
    expect(hit(4, 4, UDATA + 3n)).toBe(false);
    expect(hit(1, 2, UDATA + 1n)).toBe(true); // 2-byte at +1 covers +0..+1
    expect(hit(2, 2, UDATA + 1n)).toBe(false);
    expect(hit(7, 8, UDATA + 5n)).toBe(true); // 8-byte at +5 covers +0..+7 (LEN = 10b)
    expect(hit(8, 8, UDATA + 5n)).toBe(false);
    expect(hit(1, 1, UDATA)).toBe(false);
  });

  it('an access that overlaps the range only in part matches (dword store at +2 over a 1-byte breakpoint at +4)', () => {
    const { m } = world({ user: `mov rbx, ${UDATA.toString(16)}h\nmov dword ptr [rbx+2], eax\nnop\nhlt` });
    arm(m, 0, UDATA + 4n, 1, 1);
    expect(runToStub(m).vector).toBe(1);
  });

  it('the push of a call is a write: a breakpoint on the stack slot fires', () => {
    const { m } = world({ user: 'call f\nhlt\nf: ret' });
    arm(m, 0, m.getReg('rsp') - 8n, 1, 8);
    expect(runToStub(m).vector).toBe(1);
    expect(frame(m, false).rip).toBe(UCODE + 6n); // f: the call completed
  });

  it('a data hit and a single step in one instruction give one #DB with both B0 and BS', () => {
    const { m } = world({ user: `mov rbx, ${UDATA.toString(16)}h\nmov byte ptr [rbx], al\nnop\nhlt` });
    expect(m.step()).toBeNull();
    arm(m, 0, UDATA, 1, 1);
    m.setReg('rflags', m.getReg('rflags') | TF);
    expect(m.step()).toBeNull(); // store + #DB delivered to the stub
    expect(m.getDr(6) & 0x400fn).toBe(0x4001n);
    expect(m.events.events.filter((e) => e.kind === 'exception-delivered' && e.vector === 1)).toHaveLength(1);
  });

  it('a faulting access reports no data breakpoint (the instruction did not complete)', () => {
    const { m } = world({ user: `mov rbx, ${UDATA.toString(16)}h\nmov qword ptr [rbx+3FFCh], rax\nhlt` });
    arm(m, 0, UDATA + 0x3ffcn, 1, 4);
    expect(runToStub(m).vector).toBe(14); // crosses into an unmapped page: #PF, not #DB
    expect(m.getDr(6) & 0xfn).toBe(0n);
  });
});

describe('DR6 and DR7 as the processor keeps them', () => {
  it('initial values: DR6 = FFFF0FF0h, DR7 = 400h (§18.2.3, §18.2.4)', () => {
    const { m } = world({});
    expect(m.getDr(6)).toBe(0xffff0ff0n);
    expect(m.getDr(7)).toBe(0x400n);
  });

  it('a single step sets BS and clears B0-B3 left from an earlier breakpoint', () => {
    const { m } = world({ user: 'nop\nnop\nhlt' });
    m.setDr(6, 0xffff0ff3n);
    m.setReg('rflags', m.getReg('rflags') | TF);
    expect(m.step()).toBeNull();
    expect(m.getDr(6)).toBe(0xffff4ff0n);
  });

  it('MOV DR with DR7.GD = 1: #DB fault on the MOV, BD set, GD cleared, RF = 1 in the frame', () => {
    const { m, klabels } = world({ cpl: 0, kernel: 'entry: mov rax, dr7\nhlt' });
    m.setReg('rip', klabels.get('entry')!);
    m.setDr(7, 0x2400n);
    expect(runToStub(m).vector).toBe(1);
    expect(m.getDr(6) & 0x2000n).toBe(0x2000n);
    expect(m.getDr(7) & 0x2000n).toBe(0n);
    const f = frame(m, false);
    expect(f.rip).toBe(klabels.get('entry'));
    expect(f.rflags & RF).toBe(RF);
  });

  it('MOV to DR7 with bits 63:32 set is #GP(0); a MOV to DR0/DR7 arms the breakpoint', () => {
    const bad = world({ cpl: 0, kernel: 'entry: mov rax, 100000000h\nmov dr7, rax\nhlt' });
    bad.m.setReg('rip', bad.klabels.get('entry')!);
    expect(runToStub(bad.m).vector).toBe(13);
    const { m, klabels } = world({ cpl: 0, kernel: `entry: mov rax, 0${KDATA.toString(16)}h\nmov dr0, rax\nmov rax, 0D0401h\nmov dr7, rax\nmov byte ptr [${'rbx'}], 1\nnext: hlt` });
    m.setReg('rip', klabels.get('entry')!);
    m.setReg('rbx', KDATA + 1n);
    // DR7 = 0D0401h: L0, R/W0 = 01 (write), LEN0 = 11 (4 bytes)
    expect(runToStub(m).vector).toBe(1);
    expect(frame(m, false).rip).toBe(klabels.get('next'));
  });

  it('#DB goes through the IDT gate, using its IST when the gate names one', () => {
    const { m, ulabels } = world({ user: 'nop\nt: nop\nhlt', ist1: [1] });
    arm(m, 0, ulabels.get('t')!, 0, 1);
    expect(runToStub(m).vector).toBe(1);
    const d = m.events.events.find((e) => e.kind === 'exception-delivered');
    expect(d).toMatchObject({ vector: 1, stack: 'ist1', fromCpl: 3, toCpl: 0 });
    void KSTACK_TOP; void KCODE;
  });
});

describe('MOV SS holds debug exceptions for one instruction (Vol. 3A §6.8.3)', () => {
  it('a data breakpoint hit by MOV SS is reported after the next instruction', () => {
    const { m, ulabels } = world({ user: `mov rbx, ${UDATA.toString(16)}h\nmov word ptr [rbx], 2Bh\nmov ss, word ptr [rbx]\nsecond: nop\nthird: nop\nhlt` });
    expect(m.step()).toBeNull();
    expect(m.step()).toBeNull();
    arm(m, 0, UDATA, 3, 2);
    expect(m.step()).toBeNull(); // mov ss: the read hits, the #DB is held
    expect(m.events.events.some((e) => e.kind === 'exception-delivered')).toBe(false);
    expect(m.step()).toBeNull(); // second: then the #DB
    expect(frame(m, false).rip).toBe(ulabels.get('third'));
    expect(m.getDr(6) & 0xfn).toBe(1n);
  });

  it('MOV SS then SYSCALL: the single-step #DB arrives at the handler\'s first instruction, at CPL0', () => {
    const { m, klabels } = world({
      user: 'mov ax, ss\nmov ss, ax\nsyscall\nhlt',
      kernel: 'entry: nop\nswapgs\nhlt',
    });
    m.writeMsr(0xc0000084, 0n); // FMASK = 0: TF survives SYSCALL
    expect(m.step()).toBeNull(); // mov ax, ss
    m.setReg('rflags', m.getReg('rflags') | TF);
    expect(m.step()).toBeNull(); // mov ss, ax: trap held
    expect(m.events.events.some((e) => e.kind === 'exception-delivered')).toBe(false);
    expect(m.step()).toBeNull(); // syscall, then the held #DB
    const d = m.events.events.find((e) => e.kind === 'exception-delivered');
    expect(d).toMatchObject({ vector: 1, fromCpl: 0, toCpl: 0, returnRip: klabels.get('entry') });
    expect(m.getDr(6) & 0x4000n).toBe(0x4000n);
  });
});
