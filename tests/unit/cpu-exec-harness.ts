// A small bare-metal world for executor tests: page tables, a Windows-shaped GDT, an IDT whose
// gates lead to one `hlt` stub per vector, a TSS with RSP0 and IST1, user and kernel code.

import { Machine, PageTableBuilder, buildSystemTables, MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_FMASK } from '../../emulator/src/cpu/index.ts';
import type { MapFlags, StopReason } from '../../emulator/src/cpu/index.ts';
import { assemble } from '../../emulator/src/cpu/assembler.ts';

export const K = 0xfffff80000000000n;
export const GDT = K, IDT = K + 0x1000n, TSS = K + 0x2000n;
export const STUBS = K + 0x8000n; // vector v's handler: STUBS + 16*v (a hlt)
export const KCODE = K + 0x10000n;
export const KSTACK_TOP = K + 0x24000n; // RSP0
export const IST1_TOP = K + 0x34000n;
export const KDATA = K + 0x40000n;
export const UCODE = 0x400000n;
export const USTACK_TOP = 0x804000n;
export const UDATA = 0x900000n;

export interface WorldOptions {
  cpl?: 0 | 3;
  user?: string;
  kernel?: string;
  smep?: boolean;
  smap?: boolean;
  nxe?: boolean;
  sce?: boolean;
  /** Vectors whose gates use IST1. */
  ist1?: number[];
  /** Vectors whose gates have DPL 3 (default [3]). */
  dpl3?: number[];
  /** Vectors with no gate (not present). */
  absent?: number[];
  journal?: number;
  /** The processor's vendor (default Intel). */
  vendor?: 'intel' | 'amd';
}

export interface World { m: Machine; pt: PageTableBuilder; ulabels: Map<string, bigint>; klabels: Map<string, bigint> }

export function world(o: WorldOptions = {}): World {
  const m = new Machine({ journal: o.journal ?? 0, vendor: o.vendor });
  const pt = new PageTableBuilder(m, 0x100000n, 0x80000n);
  const sup: MapFlags = {};
  pt.map(K, 0x10000n, 0x3000, sup); // GDT, IDT, TSS
  pt.map(STUBS, 0x18000n, 0x1000, sup);
  pt.map(KCODE, 0x20000n, 0x4000, sup);
  pt.map(KSTACK_TOP - 0x4000n, 0x30000n, 0x4000, sup);
  pt.map(IST1_TOP - 0x4000n, 0x40000n, 0x4000, sup);
  pt.map(KDATA, 0x50000n, 0x4000, sup);
  pt.map(UCODE, 0x200000n, 0x4000, { user: true });
  pt.map(USTACK_TOP - 0x4000n, 0x210000n, 0x4000, { user: true });
  pt.map(UDATA, 0x220000n, 0x4000, { user: true });
  pt.activate();
  const stubs = new Uint8Array(0x1000).fill(0xcc);
  for (let v = 0; v < 256; v++) stubs[v * 16] = 0xf4; // hlt
  m.writeVirtual(STUBS, stubs);
  const gates = [];
  for (let v = 0; v < 256; v++) {
    if (o.absent?.includes(v)) continue;
    gates.push({ vector: v, handler: STUBS + BigInt(v * 16), dpl: (o.dpl3 ?? [3]).includes(v) ? 3 : 0, ist: o.ist1?.includes(v) ? 1 : 0 });
  }
  buildSystemTables(m, { gdt: GDT, idt: IDT, tss: TSS, rsp0: KSTACK_TOP, ist: [IST1_TOP], gates });
  let cr4 = Number(m.getCr(4));
  if (o.smep) cr4 |= 1 << 20;
  if (o.smap) cr4 |= 1 << 21;
  m.setCr(4, BigInt(cr4));
  m.writeMsr(MSR_EFER, 0x500n | (o.sce ?? true ? 1n : 0n) | (o.nxe ?? true ? 0x800n : 0n));
  // Windows' values: STAR = 0023_0010_0000_0000h, FMASK = 4700h (TF IF DF NT).
  m.writeMsr(MSR_STAR, 0x0023001000000000n);
  m.writeMsr(MSR_FMASK, 0x4700n);
  let klabels = new Map<string, bigint>();
  if (o.kernel) {
    const k = assemble(o.kernel, { origin: KCODE });
    m.writeVirtual(KCODE, k.bytes);
    klabels = k.labels;
    m.writeMsr(MSR_LSTAR, k.labels.get('entry') ?? KCODE);
  }
  let ulabels = new Map<string, bigint>();
  if (o.user) {
    const u = assemble(o.user, { origin: UCODE });
    m.writeVirtual(UCODE, u.bytes);
    ulabels = u.labels;
  }
  if ((o.cpl ?? 3) === 3) {
    m.loadSeg('cs', 0x33);
    m.loadSeg('ss', 0x2b);
    m.setReg('rip', UCODE);
    m.setReg('rsp', USTACK_TOP - 0x100n);
  } else {
    m.setReg('rip', KCODE);
    m.setReg('rsp', KSTACK_TOP - 0x800n);
  }
  m.setReg('rflags', 0x202n);
  m.events.clear();
  return { m, pt, ulabels, klabels };
}

/** Runs to the first stop; for a `halt` in a vector stub, names the vector reached. */
export function runToStub(m: Machine, budget = 10_000): { stop: StopReason; vector: number | null } {
  const stop = m.run({ budget });
  let vector: number | null = null;
  if (stop.kind === 'halt') {
    const off = stop.rip - 1n - STUBS;
    if (off >= 0n && off < 0x1000n && off % 16n === 0n) vector = Number(off / 16n);
  }
  return { stop, vector };
}

export function q(m: Machine, va: bigint): bigint {
  const b = m.readVirtual(va, 8);
  if (!b) throw new Error(`unmapped ${va.toString(16)}`);
  return new DataView(b.buffer).getBigUint64(0, true);
}

/** The 64-bit interrupt frame at RSP (SDM Vol. 3A §6.14.2, Figure 6-9). */
export function frame(m: Machine, withError: boolean): { error?: bigint; rip: bigint; cs: bigint; rflags: bigint; rsp: bigint; ss: bigint } {
  let a = m.getReg('rsp');
  const f: { error?: bigint; rip: bigint; cs: bigint; rflags: bigint; rsp: bigint; ss: bigint } = { rip: 0n, cs: 0n, rflags: 0n, rsp: 0n, ss: 0n };
  if (withError) { f.error = q(m, a); a += 8n; }
  f.rip = q(m, a); f.cs = q(m, a + 8n); f.rflags = q(m, a + 16n); f.rsp = q(m, a + 24n); f.ss = q(m, a + 32n);
  return f;
}
