// A small stand-in for the modeled kernel, used only to test the debugger's command layer in
// isolation (parsing, output layout, breakpoint bookkeeping). It has flat memory in a few mapped
// ranges, a symbol table, and a `resume` that plays back the stops a test queues. Outcomes of the
// real kernel are tested against the real kernel in debugger-scenarios.test.ts.
import type { KernelStop, KernelView, MachineView, NearestSymbol, StructView } from '../../emulator/src/debugger/target.ts';

export const NT_BASE = 0xfffff8031b200000n;
export const SYSCALL64 = NT_BASE + 0x1000n;
export const KPCR_ADDR = 0xfffff80319e00000n;

/** The seed's first four instructions of KiSystemCall64, then a ret. */
export const ENTRY_BYTES = [
  0x0f, 0x01, 0xf8,
  0x65, 0x48, 0x89, 0x24, 0x25, 0x10, 0x00, 0x00, 0x00,
  0x65, 0x48, 0x8b, 0x24, 0x25, 0xa8, 0x01, 0x00, 0x00,
  0x6a, 0x2b,
  0xc3,
];

export class FakeMachine implements MachineView {
  regs = new Map<string, bigint>();
  segs = new Map<string, { selector: number; base: bigint }>();
  msrs = new Map<number, bigint>();
  mem = new Map<bigint, number>();
  mapped: Array<[bigint, bigint]> = [];
  writes: Array<{ va: bigint; bytes: number[] }> = [];

  map(start: bigint, size: bigint): void {
    this.mapped.push([start, start + size]);
  }
  private ok(a: bigint): boolean {
    return this.mapped.some(([s, e]) => a >= s && a < e);
  }
  getReg(name: string): bigint { return this.regs.get(name) ?? 0n; }
  setReg(name: string, v: bigint): void { this.regs.set(name, BigInt.asUintN(64, v)); }
  getSeg(name: string) { return this.segs.get(name) ?? { selector: 0, base: 0n }; }
  readMsr(i: number): bigint {
    const v = this.msrs.get(i);
    if (v === undefined) throw new Error('#GP');
    return v;
  }
  writeMsr(i: number, v: bigint): void {
    if (!this.msrs.has(i)) throw new Error('#GP');
    this.msrs.set(i, v);
  }
  getCr(n: number): bigint { return n === 4 ? 0x1506f8n : 0n; }
  readVirtual(va: bigint, n: number): Uint8Array | null {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = BigInt.asUintN(64, va + BigInt(i));
      if (!this.ok(a)) return null;
      out[i] = this.mem.get(a) ?? 0;
    }
    return out;
  }
  writeVirtual(va: bigint, bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) if (!this.ok(BigInt.asUintN(64, va + BigInt(i)))) return false;
    bytes.forEach((b, i) => this.mem.set(BigInt.asUintN(64, va + BigInt(i)), b));
    this.writes.push({ va, bytes: [...bytes] });
    return true;
  }
}

export function fakeKernel(): KernelView & { machine: FakeMachine; queue: Array<(m: FakeMachine) => KernelStop>; resumes: Array<{ budget: number; singleStep?: boolean }> } {
  const m = new FakeMachine();
  m.map(NT_BASE, 0x10000n);
  m.map(KPCR_ADDR, 0x2000n);
  m.map(0x1000n, 0x1000n);
  ENTRY_BYTES.forEach((b, i) => m.mem.set(SYSCALL64 + BigInt(i), b));
  for (let i = 0; i < 16; i++) m.mem.set(0x1000n + BigInt(i), 0x41 + i);
  for (const r of ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']) m.regs.set(r, 0n);
  m.regs.set('rip', SYSCALL64);
  m.regs.set('rsp', 0x1800n);
  m.regs.set('rflags', 0x246n);
  for (const [s, sel] of [['cs', 0x10], ['ss', 0x18], ['ds', 0x2b], ['es', 0x2b], ['fs', 0x53], ['gs', 0x2b]] as const) m.segs.set(s, { selector: sel, base: 0n });
  m.msrs.set(0xc0000082, SYSCALL64);
  m.msrs.set(0xc0000101, KPCR_ADDR);
  m.msrs.set(0xc0000102, 0x1000n);
  // KPCR: Self at +18h, Prcb.CurrentThread at +188h.
  const put64 = (a: bigint, v: bigint) => { for (let i = 0; i < 8; i++) m.mem.set(a + BigInt(i), Number((v >> BigInt(8 * i)) & 0xffn)); };
  put64(KPCR_ADDR + 0x18n, KPCR_ADDR);
  put64(KPCR_ADDR + 0x188n, 0xffffa38c4b2d6080n);
  const syms: NearestSymbol[] = [
    { name: 'nt!KiSystemCall64', address: SYSCALL64 },
    { name: 'nt!KiSystemServiceStart', address: SYSCALL64 + 0x18n },
    { name: 'nt!KiBreakpointTrap', address: NT_BASE + 0x2000n },
  ];
  const structs: Record<string, StructView> = {
    _KPCR: { name: '_KPCR', fields: [
      { offset: 0, name: 'NtTib', type: '_NT_TIB', kind: 'struct', size: 0x38 },
      { offset: 0x18, name: 'Self', type: 'Ptr64 _KPCR', kind: 'ptr', size: 8 },
      { offset: 0x50, name: 'Irql', type: 'UChar', kind: 'int', size: 1 },
      { offset: 0x180, name: 'Prcb', type: '_KPRCB', kind: 'struct', size: 0x100 },
    ] },
    _KPRCB: { name: '_KPRCB', fields: [{ offset: 8, name: 'CurrentThread', type: 'Ptr64 _KTHREAD', kind: 'ptr', size: 8 }] },
  };
  const queue: Array<(m: FakeMachine) => KernelStop> = [];
  const resumes: Array<{ budget: number; singleStep?: boolean }> = [];
  return {
    machine: m,
    queue,
    resumes,
    structs,
    kpcr: KPCR_ADDR,
    symbols: {
      resolve: (name) => {
        if (name.toLowerCase() === 'nt') return NT_BASE;
        const full = name.includes('!') ? name : `nt!${name}`;
        return syms.find((s) => s.name.toLowerCase() === full.toLowerCase())?.address;
      },
      nearest: (a) => {
        let best: NearestSymbol | undefined;
        for (const s of syms) if (s.address <= a && a < NT_BASE + 0x10000n && (!best || s.address > best.address)) best = s;
        return best;
      },
      modules: [{ name: 'nt', base: NT_BASE, size: 0x10000n, image: 'ntkrnlmp.exe' }],
      all: () => syms,
    },
    resume(o) {
      resumes.push(o);
      const next = queue.shift();
      return next ? next(m) : { kind: 'budget' };
    },
  };
}
