// Paging scenarios: #PF error codes and CR2 (SDM Vol. 3A §4.7, Figure 4-12), U/S, R/W with
// CR0.WP, NX, SMEP, SMAP with RFLAGS.AC (§4.6.1), the TLB and INVLPG (§4.10), debugger views.

import { describe, it, expect } from 'vitest';
import { world, runToStub, frame, q, UCODE, KCODE, KDATA, UDATA } from './cpu-exec-harness.ts';

const P = 1n, W = 2n, U = 4n, ID = 16n;

describe('paging and access rights', () => {
  it('a user read of a supervisor page: #PF with P and U/S, CR2 = the address', () => {
    const { m } = world({ user: `mov rax, qword ptr [rbx]` });
    m.setReg('rbx', KDATA + 8n);
    expect(runToStub(m).vector).toBe(14);
    expect(frame(m, true).error).toBe(P | U);
    expect(m.getCr(2)).toBe(KDATA + 8n);
    expect(m.events.events[0]).toMatchObject({ kind: 'exception-raised', vector: 14, cr2: KDATA + 8n });
  });

  it('a user write to a supervisor page: error code P|W|U', () => {
    const { m } = world({ user: `mov qword ptr [rbx], rax` });
    m.setReg('rbx', KDATA);
    runToStub(m);
    expect(frame(m, true).error).toBe(P | W | U);
  });

  it('a user read of an unmapped page: error code U only (P=0)', () => {
    const { m } = world({ user: `mov al, byte ptr [rbx]` });
    m.setReg('rbx', 0x12345678n);
    runToStub(m);
    expect(frame(m, true).error).toBe(U);
    expect(m.getCr(2)).toBe(0x12345678n);
  });

  it('SMEP: a CPL0 fetch from a user page faults with I/D set', () => {
    const { m } = world({ cpl: 0, smep: true, kernel: `jmp rbx`, user: 'nop' });
    m.setReg('rbx', UCODE);
    expect(runToStub(m).vector).toBe(14);
    expect(frame(m, true).error).toBe(P | ID);
    expect(frame(m, true).rip).toBe(UCODE);
    expect(m.getCr(2)).toBe(UCODE);
  });

  it('without SMEP the same fetch executes', () => {
    const { m } = world({ cpl: 0, smep: false, kernel: `jmp rbx`, user: 'hlt' });
    m.setReg('rbx', UCODE);
    const { stop, vector } = runToStub(m);
    expect(vector).toBeNull();
    expect(stop).toMatchObject({ kind: 'halt', rip: UCODE + 1n });
  });

  it('SMAP: a CPL0 read of a user page with AC=0 faults; after stac it is allowed', () => {
    const a = world({ cpl: 0, smap: true, kernel: `mov rax, qword ptr [rbx]` });
    a.m.setReg('rbx', UDATA);
    expect(runToStub(a.m).vector).toBe(14);
    expect(frame(a.m, true).error).toBe(P);
    const b = world({ cpl: 0, smap: true, kernel: `stac\nmov rax, qword ptr [rbx]\nhlt` });
    b.m.writeVirtual(UDATA, [1, 2, 3, 4, 5, 6, 7, 8]);
    b.m.setReg('rbx', UDATA);
    const r = runToStub(b.m);
    expect(r.vector).toBeNull();
    expect(b.m.getReg('rax')).toBe(0x0807060504030201n);
  });

  it('SMAP applies to implicit supervisor accesses whatever AC is: an IDT on a user page faults', () => {
    const { m, pt } = world({ cpl: 0, smap: true, kernel: 'stac\nud2' });
    // Remap the IDT page as a user page.
    pt.map(0xfffff80000001000n, 0x11000n, 0x1000, { user: true });
    const stop = m.run({ budget: 50 });
    // #UD -> IDT read #PF -> (#PF's IDT read) #PF -> #DF -> (#DF's IDT read) #PF -> triple fault.
    expect(stop.kind).toBe('triple-fault');
    const raised = m.events.events.filter((e) => e.kind === 'exception-raised').map((e) => (e as { vector: number }).vector);
    expect(raised).toEqual([6, 14, 14, 14]);
  });

  it('CR0.WP: a CPL0 write to a read-only page faults only when WP=1', () => {
    const a = world({ cpl: 0, kernel: `mov qword ptr [rbx], rax\nhlt` });
    a.pt.map(0xfffff80000050000n, 0x60000n, 0x1000, { writable: false });
    a.m.setReg('rbx', 0xfffff80000050000n);
    expect(runToStub(a.m).vector).toBe(14);
    expect(frame(a.m, true).error).toBe(P | W);
    const b = world({ cpl: 0, kernel: `mov qword ptr [rbx], rax\nhlt` });
    b.pt.map(0xfffff80000050000n, 0x60000n, 0x1000, { writable: false });
    b.m.setCr(0, b.m.getCr(0) & ~(1n << 16n));
    b.m.setReg('rbx', 0xfffff80000050000n);
    b.m.setReg('rax', 0x1122n);
    expect(runToStub(b.m).vector).toBeNull();
    expect(q(b.m, 0xfffff80000050000n)).toBe(0x1122n);
  });

  it('NX with EFER.NXE: fetch from an XD page faults with I/D', () => {
    const { m, pt } = world({ cpl: 0, kernel: `jmp rbx` });
    pt.map(0xfffff80000060000n, 0x70000n, 0x1000, { nx: true });
    m.writeVirtual(0xfffff80000060000n, [0xf4]);
    m.setReg('rbx', 0xfffff80000060000n);
    expect(runToStub(m).vector).toBe(14);
    expect(frame(m, true).error).toBe(P | ID);
  });

  it('the TLB keeps a stale translation until invlpg (SDM Vol. 3A §4.10.4)', () => {
    const { m, pt } = world({ cpl: 0, kernel: `mov rax, qword ptr [rbx]\nmov rcx, qword ptr [rbx]\ninvlpg [rbx]\nmov rdx, qword ptr [rbx]\nhlt` });
    const va = 0xfffff80000050000n;
    pt.map(va, 0x60000n, 0x1000, {});
    m.phys.write(0x60000n, [0x11]);
    m.phys.write(0x61000n, [0x22]);
    m.setReg('rbx', va);
    expect(m.step()).toBeNull();
    // Change the PTE behind the TLB's back (no invalidation).
    const pte = pt.leafAddress(Number(BigInt.asIntN(64, va)))!;
    m.phys.writeU32(pte, 0x61000 | 3);
    expect(m.step()).toBeNull();
    expect(m.getReg('rcx')).toBe(0x11n); // stale translation still in the TLB
    expect(m.step()).toBeNull(); // invlpg
    expect(m.step()).toBeNull();
    expect(m.getReg('rdx')).toBe(0x22n);
  });

  it('accessed and dirty bits are set by the walk (SDM Vol. 3A §4.8)', () => {
    const { m, pt } = world({ cpl: 0, kernel: `mov qword ptr [rbx], rax\nhlt` });
    const va = 0xfffff80000050000n;
    pt.map(va, 0x60000n, 0x1000, {});
    m.setReg('rbx', va);
    runToStub(m);
    const pte = m.phys.readU32(pt.leafAddress(Number(BigInt.asIntN(64, va)))!);
    expect(pte & 0x60).toBe(0x60);
  });

  it('debugger reads translate without faulting and report unmapped memory', () => {
    const { m } = world({ cpl: 0, kernel: 'nop' });
    expect(m.readVirtual(KCODE, 1)).toEqual(new Uint8Array([0x90]));
    expect(m.readVirtual(0x12345000n, 4)).toBeNull();
    expect(m.translate(KCODE)).toEqual({ pa: 0x20000n, user: false, writable: true, nx: false });
    expect(m.translate(0x12345000n)).toBeNull();
    expect(m.events.events.length).toBe(0);
  });

  it('a breakpoint byte written with writeVirtual replaces a cached decode', () => {
    const { m } = world({ cpl: 0, kernel: 'l: nop\njmp l' });
    for (let i = 0; i < 4; i++) expect(m.step()).toBeNull(); // decodes are cached now
    expect(m.writeVirtual(KCODE, [0xcc])).toBe(true);
    expect(runToStub(m).vector).toBe(3);
    expect(frame(m, false).rip).toBe(KCODE + 1n);
  });
});
