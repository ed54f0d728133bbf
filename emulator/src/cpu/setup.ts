// Machine setup helpers: build 4-level page tables and the GDT / IDT / TSS in guest memory, the
// way boot code would (the CPU then uses them through the normal walk and descriptor loads).

import type { Machine } from './machine.ts';
import { makeDescriptor } from './segments.ts';
import { ATTR_S, ATTR_P, ATTR_L, ATTR_DB, ATTR_G, TWO32, bigToLinear } from './state.ts';

export interface MapFlags {
  /** U/S = 1 (default false: supervisor page). */
  user?: boolean;
  /** R/W = 1 (default true). */
  writable?: boolean;
  /** XD = 1 (default false; takes effect only with IA32_EFER.NXE = 1). */
  nx?: boolean;
}

/** Builds paging structures (SDM Vol. 3A §4.5, Figures 4-8 and 4-11) in guest physical memory.
 *  Table pages are taken from a physical range reserved for them. Upper-level entries are
 *  present, writable and user (the leaf decides); this matches common kernels. */
export class PageTableBuilder {
  readonly m: Machine;
  readonly pml4: number;
  private next: number;
  private readonly end: number;

  constructor(m: Machine, tablesAt: bigint, tablesSize = 0x100000n) {
    this.m = m;
    this.next = Number(tablesAt);
    this.end = Number(tablesAt + tablesSize);
    this.pml4 = this.alloc();
  }

  private alloc(): number {
    if (this.next + 4096 > this.end) throw new Error('page-table area exhausted: pass a larger tablesSize');
    const pa = this.next;
    this.next += 4096;
    this.m.phys.write(pa, new Uint8Array(4096));
    return pa;
  }

  /** Sets CR3 to this hierarchy's PML4. */
  activate(): void { this.m.setCr(3, BigInt(this.pml4)); }

  private entry(table: number, index: number): [number, number] {
    const ea = table + index * 8;
    return [this.m.phys.readU32(ea), this.m.phys.readU32(ea + 4)];
  }

  /** Maps [va, va+length) to [pa, ...) in 4 KiB pages. */
  map(va: bigint, pa: bigint, length: number, flags: MapFlags = {}): void {
    const start = bigToLinear(va);
    if (start === null) throw new Error(`map: ${va.toString(16)} is not a canonical address`);
    if (start % 4096 !== 0 || Number(pa) % 4096 !== 0) throw new Error('map: addresses must be 4 KiB aligned');
    const pages = Math.ceil(length / 4096);
    for (let k = 0; k < pages; k++) {
      const la = start + k * 4096;
      const lo = la >>> 0, hi = Math.floor(la / TWO32) >>> 0;
      const idx = [(hi >>> 7) & 511, ((hi << 2) | (lo >>> 30)) & 511, (lo >>> 21) & 511, (lo >>> 12) & 511];
      let table = this.pml4;
      for (let level = 0; level < 3; level++) {
        const [elo, ehi] = this.entry(table, idx[level]);
        if (elo & 1) { table = (ehi & 0xfffff) * TWO32 + (elo & 0xfffff000); continue; }
        const t = this.alloc();
        this.m.phys.writeU32(table + idx[level] * 8, (t & 0xfffff000) | 0x7);
        this.m.phys.writeU32(table + idx[level] * 8 + 4, Math.floor(t / TWO32));
        table = t;
      }
      const p = Number(pa) + k * 4096;
      const leafLo = ((p & 0xfffff000) >>> 0) | 1 | (flags.writable === false ? 0 : 2) | (flags.user ? 4 : 0);
      const leafHi = (Math.floor(p / TWO32) | (flags.nx ? 0x80000000 : 0)) >>> 0;
      this.m.phys.writeU32(table + idx[3] * 8, leafLo >>> 0);
      this.m.phys.writeU32(table + idx[3] * 8 + 4, leafHi);
    }
    this.m.invalidateCaches();
  }

  /** Clears the leaf entries for [va, va+length). */
  unmap(va: bigint, length: number): void {
    const start = bigToLinear(va);
    if (start === null) throw new Error(`unmap: ${va.toString(16)} is not a canonical address`);
    for (let k = 0; k < Math.ceil(length / 4096); k++) {
      const t = this.leafAddress(start + k * 4096);
      if (t !== null) { this.m.phys.writeU32(t, 0); this.m.phys.writeU32(t + 4, 0); }
    }
    this.m.invalidateCaches();
  }

  /** Physical address of the PTE for a linear address, or null if a table is missing. */
  leafAddress(la: number): number | null {
    const lo = la >>> 0, hi = Math.floor(la / TWO32) >>> 0;
    const idx = [(hi >>> 7) & 511, ((hi << 2) | (lo >>> 30)) & 511, (lo >>> 21) & 511, (lo >>> 12) & 511];
    let table = this.pml4;
    for (let level = 0; level < 3; level++) {
      const [elo, ehi] = this.entry(table, idx[level]);
      if (!(elo & 1)) return null;
      table = (ehi & 0xfffff) * TWO32 + (elo & 0xfffff000);
    }
    return table + idx[3] * 8;
  }
}

export interface GateSpec {
  vector: number;
  handler: bigint;
  /** Gate DPL (3 lets INT n / INT3 reach it from user mode). */
  dpl?: number;
  /** IST index 1..7, or 0. */
  ist?: number;
  /** 'interrupt' (clears IF, default) or 'trap'. */
  type?: 'interrupt' | 'trap';
}

export interface SystemTables {
  /** Linear addresses of already-mapped, writable supervisor memory for each table. */
  gdt: bigint; idt: bigint; tss: bigint;
  rsp0?: bigint;
  ist?: bigint[];
  gates?: GateSpec[];
  /** IDT limit (default 256 gates: 0xFFF). */
  idtLimit?: number;
}

/** Windows x64's GDT layout: 10h ring-0 code, 18h ring-0 data, 20h ring-3 32-bit code, 28h
 *  ring-3 data, 30h ring-3 64-bit code, 40h the TSS (16 bytes), 50h ring-3 data for the 32-bit
 *  TEB. Writes GDT, IDT and TSS, then loads GDTR, IDTR, TR, CS=10h and SS=18h. */
export function buildSystemTables(m: Machine, t: SystemTables): void {
  const gdt = new Uint8Array(0x70);
  const dv = new DataView(gdt.buffer);
  const put = (sel: number, [lo, hi]: [number, number]): void => { dv.setUint32(sel, lo, true); dv.setUint32(sel + 4, hi, true); };
  const code = 0xb | ATTR_S | ATTR_P;
  const data = 0x3 | ATTR_S | ATTR_P;
  put(0x10, makeDescriptor(0, 0, code | ATTR_L));
  put(0x18, makeDescriptor(0, 0xffffffff, data | ATTR_DB | ATTR_G));
  put(0x20, makeDescriptor(0, 0xffffffff, code | (3 << 5) | ATTR_DB | ATTR_G));
  put(0x28, makeDescriptor(0, 0xffffffff, data | (3 << 5) | ATTR_DB | ATTR_G));
  put(0x30, makeDescriptor(0, 0, code | (3 << 5) | ATTR_L));
  put(0x50, makeDescriptor(0, 0x3c00, data | (3 << 5) | ATTR_DB));
  const tssLa = bigToLinear(t.tss);
  if (tssLa === null) throw new Error('TSS address not canonical');
  put(0x40, makeDescriptor(tssLa >>> 0, 0x67, 0x9 | ATTR_P));
  dv.setUint32(0x48, Math.floor(tssLa / TWO32) >>> 0, true);
  if (!m.writeVirtual(t.gdt, gdt)) throw new Error('GDT address is not mapped');

  const tss = new Uint8Array(0x68);
  const tv = new DataView(tss.buffer);
  tv.setBigUint64(4, BigInt.asUintN(64, t.rsp0 ?? 0n), true);
  (t.ist ?? []).forEach((v, i) => tv.setBigUint64(0x24 + i * 8, BigInt.asUintN(64, v), true));
  tv.setUint16(0x66, 0x68, true); // I/O map base beyond the limit: no I/O bitmap
  if (!m.writeVirtual(t.tss, tss)) throw new Error('TSS address is not mapped');

  const idt = new Uint8Array(256 * 16);
  const iv = new DataView(idt.buffer);
  for (const g of t.gates ?? []) {
    const h = BigInt.asUintN(64, g.handler);
    const o = g.vector * 16;
    iv.setUint16(o, Number(h & 0xffffn), true);
    iv.setUint16(o + 2, 0x10, true);
    iv.setUint8(o + 4, g.ist ?? 0);
    iv.setUint8(o + 5, 0x80 | ((g.dpl ?? 0) << 5) | (g.type === 'trap' ? 0xf : 0xe));
    iv.setUint16(o + 6, Number((h >> 16n) & 0xffffn), true);
    iv.setUint32(o + 8, Number(h >> 32n), true);
  }
  if (!m.writeVirtual(t.idt, idt)) throw new Error('IDT address is not mapped');

  m.setGdtr(t.gdt, 0x6f);
  m.setIdtr(t.idt, t.idtLimit ?? 0xfff);
  m.loadTr(0x40);
  m.loadSeg('cs', 0x10);
  m.loadSeg('ss', 0x18);
}
