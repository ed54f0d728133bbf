// Segment descriptors and segment-register loads in 64-bit mode (SDM Vol. 3A §3.4.5, §5.5-5.8;
// Vol. 2B MOV / POP "Operation" for segment registers; Vol. 2A LTR).

import type { Machine } from './machine.ts';
import { CpuFault, GP, NP, SS as SS_VEC } from './fault.ts';
import { CS, SS, FS, GS, ATTR_P, ATTR_S, ATTR_G, attrDpl, TWO32, isCanonicalPair } from './state.ts';

/** Descriptor attributes (type, S, DPL, P, AVL, L, D/B, G) from the high dword, in the layout of
 *  state.ts (byte 5 in bits 7:0, the flags nibble in bits 15:12). */
export function descAttr(hi: number): number { return ((hi >>> 8) & 0xff) | (((hi >>> 20) & 0xf) << 12); }
export function descBase(lo: number, hi: number): number { return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0; }
export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) ? ((raw * 4096 + 0xfff) >>> 0) : raw;
}

/** Reads the 8-byte descriptor for a selector from the GDT (implicit supervisor access, §4.6).
 *  Selectors that name the LDT are refused (no LDT is modeled) with #GP(selector). */
export function readDescriptor(m: Machine, sel: number, ext = 0): [number, number] {
  const err = (sel & 0xfffc) | ext;
  if (sel & 4) throw new CpuFault(GP, err, `selector ${sel.toString(16)} refers to the LDT, which is not modeled`);
  if ((sel | 7) > m.gdtrLimit) throw new CpuFault(GP, err, `selector ${sel.toString(16)} beyond the GDT limit`);
  const a = m.gdtrBase + (sel & 0xfff8);
  return [m.read(a, 4, true), m.read(a + 4, 4, true)];
}

/** Sets the accessed bit of a code/data descriptor (§3.4.5.1) if clear. */
function markAccessed(m: Machine, sel: number, hi: number): void {
  if (!(hi & 0x100)) m.write(m.gdtrBase + (sel & 0xfff8) + 4, 4, (hi | 0x100) >>> 0, 0, true);
}

/** Loads segment register `seg` (or TR when seg = -1) from the GDT. `setup` relaxes the CS rule
 *  (the API may load CS directly; instructions never reach here for CS). */
export function loadSegment(m: Machine, seg: number, sel: number, setup: boolean): void {
  const err = sel & 0xfffc;
  if (seg === -1) { loadTr(m, sel); return; }
  const cpl = m.cpl;
  const rpl = sel & 3;
  if (seg === CS) {
    if (!setup) throw new CpuFault(GP, 0, 'CS cannot be loaded by MOV');
    if (err === 0) throw new CpuFault(GP, 0, 'null CS selector');
    const [lo, hi] = readDescriptor(m, sel);
    const attr = descAttr(hi);
    if (!(attr & ATTR_S) || !(attr & 8)) throw new CpuFault(GP, err, 'not a code segment');
    if (!(attr & ATTR_P)) throw new CpuFault(NP, err, 'code segment not present');
    m.segSel[CS] = sel; m.segBase[CS] = descBase(lo, hi); m.segLimit[CS] = descLimit(lo, hi); m.segAttr[CS] = attr;
    m.cpl = rpl;
    return;
  }
  if (seg === SS) {
    // MOV SS in 64-bit mode: a null selector is allowed only at CPL < 3 with RPL = CPL.
    if (err === 0) {
      if (cpl === 3 || rpl !== cpl) throw new CpuFault(GP, 0, 'null SS selector at CPL 3 or with RPL != CPL');
      m.segSel[SS] = sel; m.segBase[SS] = 0; m.segLimit[SS] = 0; m.segAttr[SS] = 0;
      return;
    }
    const [lo, hi] = readDescriptor(m, sel);
    const attr = descAttr(hi);
    const writableData = (attr & ATTR_S) && !(attr & 8) && (attr & 2);
    if (rpl !== cpl || !writableData || attrDpl(attr) !== cpl) throw new CpuFault(GP, err, 'SS must be a writable data segment with DPL = RPL = CPL');
    if (!(attr & ATTR_P)) throw new CpuFault(SS_VEC, err, 'stack segment not present');
    markAccessed(m, sel, hi);
    m.segSel[SS] = sel; m.segBase[SS] = 0; m.segLimit[SS] = descLimit(lo, hi); m.segAttr[SS] = attr | 1;
    return;
  }
  // DS, ES, FS, GS.
  if (err === 0) {
    // A null selector loads without a descriptor; in 64-bit mode the FS/GS base is not changed
    // by a null load on Intel processors (kept here; SDM Vol. 3A §3.4.4).
    m.segSel[seg] = sel; if (seg < FS) m.segBase[seg] = 0; m.segAttr[seg] = 0; m.segLimit[seg] = 0;
    return;
  }
  const [lo, hi] = readDescriptor(m, sel);
  const attr = descAttr(hi);
  const isCode = (attr & 8) !== 0;
  const ok = (attr & ATTR_S) && (!isCode || (attr & 2));
  if (!ok) throw new CpuFault(GP, err, 'not a data or readable code segment');
  const conforming = isCode && (attr & 4);
  if (!conforming && (rpl > attrDpl(attr) || cpl > attrDpl(attr))) throw new CpuFault(GP, err, 'RPL or CPL above the descriptor DPL');
  if (!(attr & ATTR_P)) throw new CpuFault(NP, err, 'segment not present');
  markAccessed(m, sel, hi);
  m.segSel[seg] = sel;
  // In 64-bit mode DS/ES bases are ignored (0); FS/GS take the descriptor's 32-bit base (§3.4.4).
  m.segBase[seg] = seg === FS || seg === GS ? descBase(lo, hi) : 0;
  m.segLimit[seg] = descLimit(lo, hi);
  m.segAttr[seg] = attr | 1;
}

/** LTR (SDM Vol. 2A LTR): a 16-byte available 64-bit TSS descriptor, marked busy. */
function loadTr(m: Machine, sel: number): void {
  const err = sel & 0xfffc;
  if (err === 0) throw new CpuFault(GP, 0, 'null TSS selector');
  const [lo, hi] = readDescriptor(m, sel);
  if ((sel | 7) + 8 > m.gdtrLimit) throw new CpuFault(GP, err, 'TSS descriptor beyond the GDT limit');
  const attr = descAttr(hi);
  if ((attr & ATTR_S) || (attr & 0xf) !== 9) throw new CpuFault(GP, err, 'not an available 64-bit TSS');
  if (!(attr & ATTR_P)) throw new CpuFault(NP, err, 'TSS not present');
  const upper = m.read(m.gdtrBase + (sel & 0xfff8) + 8, 4, true);
  if (!isCanonicalPair(upper)) throw new CpuFault(GP, err, 'TSS base not canonical');
  m.write(m.gdtrBase + (sel & 0xfff8) + 4, 4, (hi | 0x200) >>> 0, 0, true); // busy (type 0Bh)
  m.trSel = sel; m.trBase = (upper | 0) * TWO32 + descBase(lo, hi); m.trLimit = descLimit(lo, hi); m.trAttr = attr | 2;
  void ATTR_G;
}

/** Encodes an 8-byte code/data descriptor (for machine setup and tests). */
export function makeDescriptor(base: number, limit: number, attr: number): [number, number] {
  const lim = attr & ATTR_G ? Math.floor(limit / 4096) : limit;
  const lo = ((lim & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const hi = (((base >>> 16) & 0xff) | ((attr & 0xff) << 8) | (lim & 0xf0000) | (((attr >>> 12) & 0xf) << 20) | (base & 0xff000000)) >>> 0;
  return [lo, hi];
}
