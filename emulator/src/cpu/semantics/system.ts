// System instructions (SDM Vol. 2A CLAC, CLC, CLD, CLI, CPUID, INVLPG, LGDT/LIDT, LTR,
// LFENCE, LDMXCSR, MFENCE; Vol. 2B MOV to/from CRn and DRn, RDMSR, RDTSC, RDTSCP, RDFSBASE/
// RDGSBASE, SFENCE, SGDT, SIDT, STAC, STC, STD, STI, STMXCSR, STR, SWAPGS, WRFSBASE/WRGSBASE, WRMSR).

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { K_MEM } from '../machine.ts';
import { CpuFault, GP, UD, DB } from '../fault.ts';
import { updateDebugState, reportInDr6, DR6_BD, DR7_GD } from '../debug.ts';
import { drSlot } from '../machine.ts';
import {
  CF, DF, IF, AC, IOPL, TWO32, CR0_PE, CR0_PG, CR4_PAE, CR4_FSGSBASE, CR4_SMEP, CR4_SMAP, CR4_PGE, FS, GS,
  isCanonicalPair, linearToBig, pairToBig, bigLo, bigHi, EFER_LMA,
} from '../state.ts';
import { readMsr, writeMsr, tsc } from '../msr.ts';
import { cpuid, hasFeature } from '../cpuid.ts';
import { loadSegment } from '../segments.ts';
import { offsetOf } from './data.ts';
import { MAX_PHYS_BITS } from '../memory.ts';

function cpl0(m: Machine, what: string): void {
  if (m.cpl !== 0) throw new CpuFault(GP, 0, `${what} at CPL ${m.cpl}`);
}

const rdmsr: Semantics = (m) => {
  cpl0(m, 'RDMSR');
  const v = readMsr(m, m.r[2]);
  m.setGpr(0, 4, false, bigLo(v), 0); m.setGpr(2, 4, false, bigHi(v), 0);
};
const wrmsr: Semantics = (m) => {
  cpl0(m, 'WRMSR');
  writeMsr(m, m.r[2], pairToBig(m.r[0], m.r[4]), true);
};

// CR4 bits this CPU accepts (the rest are reserved: #GP): VME..OSXMMEXCPT, FSGSBASE, SMEP, SMAP.
const CR4_OK = 0x7ff | CR4_FSGSBASE | CR4_SMEP | CR4_SMAP;
const CR0_OK = 0xe005003f; // PE MP EM TS ET NE WP AM NW CD PG

/** MOV to CRn (SDM Vol. 2B "MOV—Move to/from Control Registers"; Vol. 3A §2.5). */
const movCr: Semantics = (m, d) => {
  cpl0(m, 'MOV to CR');
  const n = d.o[0].reg;
  const lo = m.getGpr(d.o[1].reg, 8, false), hi = m.rhi;
  switch (n) {
    case 0:
      if (hi !== 0 || (lo & ~CR0_OK)) throw new CpuFault(GP, 0, 'MOV CR0: reserved bit');
      if (!(lo & CR0_PG) || !(lo & CR0_PE)) throw new CpuFault(GP, 0, 'MOV CR0: clearing PG or PE in 64-bit mode');
      if ((lo & (1 << 29)) && !(lo & (1 << 30))) throw new CpuFault(GP, 0, 'MOV CR0: NW=1 with CD=0');
      m.cr0 = lo >>> 0; m.mmu.flush(); break;
    case 2: m.cr2lo = lo; m.cr2hi = hi; break;
    case 3:
      if (hi & ~((1 << (MAX_PHYS_BITS - 32)) - 1)) throw new CpuFault(GP, 0, 'MOV CR3: reserved bit');
      m.cr3lo = lo; m.cr3hi = hi; m.mmu.flush(); break;
    case 4:
      if (hi !== 0 || (lo & ~CR4_OK)) throw new CpuFault(GP, 0, 'MOV CR4: reserved or unsupported bit');
      if (!(lo & CR4_PAE) && (m.efer & EFER_LMA)) throw new CpuFault(GP, 0, 'MOV CR4: clearing PAE in 64-bit mode');
      m.cr4 = lo >>> 0; m.mmu.flush(); break;
    default:
      if (hi !== 0 || (lo & ~0xf)) throw new CpuFault(GP, 0, 'MOV CR8: reserved bit');
      m.cr8 = lo;
  }
  void CR4_PGE;
  m.event({ kind: 'cr-write', cr: n, value: pairToBig(lo, hi) }, 'SDM Vol. 2B MOV to CRn; Vol. 3A §2.5');
};

const movFromCr: Semantics = (m, d) => {
  cpl0(m, 'MOV from CR');
  const v = m.getCr(d.o[1].reg);
  m.setGpr(d.o[0].reg, 8, false, bigLo(v), bigHi(v));
};

/** MOV to/from DRn (SDM Vol. 2B "MOV—Move to/from Debug Registers"; Vol. 3B §18.2). DR4/DR5
 *  alias DR6/DR7 (CR4.DE = 0). With DR7.GD set, any access is a #DB fault with DR6.BD set and GD
 *  cleared (§18.2.4). Bits 63:32 of DR6/DR7 must be zero (#GP(0)). Writing DR0-DR3 or DR7 arms
 *  the breakpoints (debug.ts). */
function generalDetect(m: Machine): void {
  if (!(Number(m.dr[7] & 0xffffffffn) & DR7_GD)) return;
  m.dr[7] &= ~BigInt(DR7_GD);
  updateDebugState(m);
  reportInDr6(m, DR6_BD);
  throw new CpuFault(DB, 0, 'debug-register access with DR7.GD set');
}
const movDr: Semantics = (m, d) => {
  cpl0(m, 'MOV to DR');
  const n = drSlot(d.o[0].reg);
  const lo = m.getGpr(d.o[1].reg, 8, false), hi = m.rhi;
  if ((n === 6 || n === 7) && hi !== 0) throw new CpuFault(GP, 0, `MOV DR${n}: bits 63:32 must be zero`);
  generalDetect(m);
  m.dr[n] = pairToBig(lo, hi);
  if (n !== 6) updateDebugState(m); else m.drWrites++;
};
const movFromDr: Semantics = (m, d) => {
  cpl0(m, 'MOV from DR');
  generalDetect(m);
  const v = m.dr[drSlot(d.o[1].reg)];
  m.setGpr(d.o[0].reg, 8, false, bigLo(v), bigHi(v));
};

/** LGDT/LIDT: 2-byte limit then 8-byte base (SDM Vol. 2A LGDT/LIDT, 64-bit mode). */
function loadTable(which: 'gdt' | 'idt'): Semantics {
  return (m, d) => {
    cpl0(m, which === 'gdt' ? 'LGDT' : 'LIDT');
    const la = m.ea(d.o[0], d);
    const limit = m.read(la, 2);
    const lo = m.read(la + 2, 4), hi = m.read(la + 6, 4);
    if (!isCanonicalPair(hi)) throw new CpuFault(GP, 0, `${which.toUpperCase()} base not canonical (not modeled)`);
    const base = (hi | 0) * TWO32 + lo;
    if (which === 'gdt') { m.gdtrBase = base; m.gdtrLimit = limit; } else { m.idtrBase = base; m.idtrLimit = limit; }
  };
}
function storeTable(which: 'gdt' | 'idt'): Semantics {
  return (m, d) => {
    const la = m.ea(d.o[0], d);
    const base = which === 'gdt' ? m.gdtrBase : m.idtrBase;
    const limit = which === 'gdt' ? m.gdtrLimit : m.idtrLimit;
    // Check both parts before writing either (the store is one access).
    m.page(la, 1, false); m.page(la + 9, 1, false);
    m.write(la, 2, limit, 0);
    m.write(la + 2, 8, base >>> 0, Math.floor(base / TWO32) >>> 0);
  };
}

const ltr: Semantics = (m, d) => {
  cpl0(m, 'LTR');
  loadSegment(m, -1, m.rd(d.o[0], d) & 0xffff, false);
};
const str: Semantics = (m, d) => {
  const o = d.o[0];
  if (o.kind === K_MEM) m.write(m.ea(o, d), 2, m.trSel, 0);
  else m.setGpr(o.reg, o.size, false, m.trSel, 0);
};

/** INVLPG: no access is made, so a non-canonical address is a no-op (SDM Vol. 2A INVLPG). */
const invlpg: Semantics = (m, d) => {
  cpl0(m, 'INVLPG');
  const o = d.o[0];
  let lo = offsetOf(m, o, d), hi = m.rhi;
  if (o.seg >= FS) {
    const b = m.segBase[o.seg];
    const s = lo + (b >>> 0);
    lo = s >>> 0; hi = (hi + Math.floor(b / TWO32) + Math.floor(s / TWO32)) >>> 0;
  }
  if (isCanonicalPair(hi)) m.mmu.flushPage((hi | 0) * TWO32 + lo);
};

/** CLI/STI: allowed when CPL <= IOPL (SDM Vol. 2A CLI, STI; no VME/PVI in 64-bit mode). */
function setIf(on: boolean): Semantics {
  return (m) => {
    if (m.cpl > ((m.rflags & IOPL) >>> 12)) throw new CpuFault(GP, 0, `${on ? 'STI' : 'CLI'} with CPL > IOPL`);
    m.rflags = on ? m.rflags | IF : m.rflags & ~IF;
  };
}
/** STAC/CLAC: #UD at CPL > 0 (SDM Vol. 2A CLAC, Vol. 2B STAC). */
function setAc(on: boolean): Semantics {
  return (m) => {
    if (m.cpl !== 0) throw new CpuFault(UD, 0, `${on ? 'STAC' : 'CLAC'} at CPL ${m.cpl}`);
    m.rflags = on ? m.rflags | AC : m.rflags & ~AC;
  };
}

const cpuidOp: Semantics = (m) => {
  const [a, b, c, d] = cpuid(m.r[0], m.r[2], m.vendor);
  m.setGpr(0, 4, false, a, 0); m.setGpr(3, 4, false, b, 0); m.setGpr(1, 4, false, c, 0); m.setGpr(2, 4, false, d, 0);
};

/** RDTSC / RDTSCP: CR4.TSD restricts them to CPL 0 (SDM Vol. 2B RDTSC). */
function rdtscOp(p: boolean): Semantics {
  return (m) => {
    if ((m.cr4 & 4) && m.cpl !== 0) throw new CpuFault(GP, 0, 'RDTSC with CR4.TSD=1 at CPL > 0');
    const t = tsc(m);
    m.setGpr(0, 4, false, bigLo(t), 0); m.setGpr(2, 4, false, bigHi(t), 0);
    if (p) m.setGpr(1, 4, false, m.tscAux, 0);
  };
}

/** RD/WR FS/GS BASE: #UD unless CR4.FSGSBASE (SDM Vol. 2B RDFSBASE/WRFSBASE). */
function rdBase(seg: number): Semantics {
  return (m, d) => {
    if (!(m.cr4 & CR4_FSGSBASE)) throw new CpuFault(UD, 0, 'FSGSBASE instructions with CR4.FSGSBASE=0');
    const b = m.segBase[seg];
    m.setGpr(d.o[0].reg, d.o[0].size, false, b >>> 0, Math.floor(b / TWO32) >>> 0);
  };
}
function wrBase(seg: number): Semantics {
  return (m, d) => {
    if (!(m.cr4 & CR4_FSGSBASE)) throw new CpuFault(UD, 0, 'FSGSBASE instructions with CR4.FSGSBASE=0');
    const lo = m.getGpr(d.o[0].reg, d.o[0].size, false), hi = m.rhi;
    if (!isCanonicalPair(hi)) throw new CpuFault(GP, 0, 'WRFSBASE/WRGSBASE with a non-canonical address');
    m.segBase[seg] = (hi | 0) * TWO32 + lo;
  };
}

/** SWAPGS: exchanges GS.base and IA32_KERNEL_GS_BASE; CPL 0 only (SDM Vol. 2B SWAPGS). */
const swapgs: Semantics = (m) => {
  if (m.cpl !== 0) throw new CpuFault(GP, 0, 'SWAPGS at CPL 3');
  const t = m.segBase[GS];
  m.segBase[GS] = m.kernelGsBase;
  m.kernelGsBase = t;
  m.event({ kind: 'swapgs', gsBase: linearToBig(m.segBase[GS]), kernelGsBase: linearToBig(m.kernelGsBase) }, 'SDM Vol. 2B SWAPGS');
};

/** LDMXCSR: reserved bits 31:16 set -> #GP(0) (SDM Vol. 2A LDMXCSR). */
const ldmxcsr: Semantics = (m, d) => {
  const v = m.read(m.ea(d.o[0], d), 4);
  if (v & 0xffff0000) throw new CpuFault(GP, 0, 'LDMXCSR with reserved bits set');
  m.mxcsr = v;
};
const stmxcsr: Semantics = (m, d) => { m.write(m.ea(d.o[0], d), 4, m.mxcsr, 0); };

/** SAHF: SF ZF AF PF CF <- AH (bit 1 stays 1); LAHF: AH <- SF:ZF:0:AF:0:PF:1:CF (SDM Vol. 2B SAHF,
 *  Vol. 2A LAHF; in 64-bit mode enumerated by CPUID.80000001H:ECX.LAHF-SAHF). CMC: CF <- NOT CF. */
const LOW_FLAGS = CF | 0x4 | 0x10 | 0x40 | 0x80;
const sahf: Semantics = (m) => { m.rflags = ((m.rflags & ~LOW_FLAGS) | ((m.r[0] >>> 8) & LOW_FLAGS)) >>> 0; };
const lahf: Semantics = (m) => { m.r[0] = ((m.r[0] & 0xffff00ff) | (((m.rflags & LOW_FLAGS) | 2) << 8)) >>> 0; };
const cmc: Semantics = (m) => { m.rflags = (m.rflags ^ CF) >>> 0; };

/** CLFLUSH / CLFLUSHOPT: no caches are modeled; the access is checked like a byte load (SDM Vol. 2A
 *  CLFLUSH: "permission checking and faults associated with a byte load"). */
const clflush: Semantics = (m, d) => { m.read(m.ea(d.o[0], d), 1); };

/** RDRAND / RDSEED (SDM Vol. 2B): CF = 1 (a value is available), OF SF ZF AF PF cleared. The model
 *  is deterministic, which the book needs (a page shows what the machine computes, and a replayed
 *  session must reproduce it): the value is splitmix64 of the instruction count and the
 *  instruction's own address, so stepping back and replaying give the same number. */
function random(tag: number): Semantics {
  return (m, d) => {
    let z = BigInt.asUintN(64, BigInt(m.icount) * 0x9e3779b97f4a7c15n + BigInt(Math.floor(d.rip)) + BigInt(tag));
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z ^= z >> 31n;
    const o = d.o[0];
    m.setGpr(o.reg, o.size, false, o.size === 2 ? Number(z & 0xffffn) : bigLo(z), bigHi(z));
    m.rflags = ((m.rflags & ~0x8d5) | CF) >>> 0;
  };
}

/** RDPID reads IA32_TSC_AUX (SDM Vol. 2B RDPID); the modeled CPU does not enumerate it. */
const rdpid: Semantics = (m, d) => {
  if (!hasFeature('rdpid')) throw new CpuFault(UD, 0, 'RDPID: CPUID.07H:ECX.RDPID[bit 22] = 0 on the modeled CPU');
  m.setGpr(d.o[0].reg, 8, false, m.tscAux, 0);
};

/** XGETBV: #UD unless CR4.OSXSAVE (SDM Vol. 2C XGETBV), which this CPU without XSAVE cannot set. */
const xgetbv: Semantics = (m) => {
  if (!(m.cr4 & (1 << 18))) throw new CpuFault(UD, 0, 'XGETBV with CR4.OSXSAVE = 0 (the modeled CPU has no XSAVE)');
};

const nop: Semantics = () => {};
function flagOp(set: number, clear: number): Semantics { return (m) => { m.rflags = ((m.rflags & ~clear) | set) >>> 0; }; }

void ({} as Decoded);
export const SYSTEM: Record<string, Semantics> = {
  rdmsr, wrmsr, mov_cr: movCr, mov_from_cr: movFromCr, mov_dr: movDr, mov_from_dr: movFromDr,
  lgdt: loadTable('gdt'), lidt: loadTable('idt'), sgdt: storeTable('gdt'), sidt: storeTable('idt'), ltr, str, invlpg,
  cli: setIf(false), sti: setIf(true), clc: flagOp(0, CF), stc: flagOp(CF, 0), cld: flagOp(0, DF), std: flagOp(DF, 0),
  stac: setAc(true), clac: setAc(false), cpuid: cpuidOp, rdtsc: rdtscOp(false), rdtscp: rdtscOp(true),
  rdfsbase: rdBase(FS), rdgsbase: rdBase(GS), wrfsbase: wrBase(FS), wrgsbase: wrBase(GS),
  lfence: nop, mfence: nop, sfence: nop, ldmxcsr, stmxcsr, swapgs,
  sahf, lahf, cmc, prefetch: nop, clflush, rdrand: random(1), rdseed: random(2), rdpid, xgetbv,
};
