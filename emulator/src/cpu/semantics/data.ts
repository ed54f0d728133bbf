// Data movement (SDM Vol. 2B MOV, MOVZX, MOVSX/MOVSXD, XCHG, XADD; Vol. 2A CMPXCHG, CMOVcc,
// LEA, CBW/CWDE/CDQE, CWD/CDQ/CQO, BSWAP; Vol. 2B SETcc, NOP).

import type { Machine, Decoded, Semantics, Opnd } from '../machine.ts';
import { K_MEM, K_SREG, K_REG, K_IMM } from '../machine.ts';
import { add, sub, cond, MASK } from '../flags.ts';
import { TWO32, ZF } from '../state.ts';
import { CpuFault, GP } from '../fault.ts';
import { loadSegment } from '../segments.ts';

/** MOV: all forms; a segment-register source stores the selector (zero-extended in a register,
 *  16 bits in memory: SDM Vol. 2B MOV "Operation"). */
const mov: Semantics = (m, d) => {
  const dst = d.o[0], src = d.o[1];
  if (dst.kind === K_REG && dst.size >= 4 && (src.kind === K_REG || src.kind === K_IMM)) {
    // Register or immediate into a 32/64-bit register: the common case, straight to the file.
    const r = m.r, i = 2 * dst.reg;
    if (src.kind === K_IMM) { r[i] = src.lo; r[i + 1] = dst.size === 8 ? src.hi : 0; }
    else { const j = 2 * src.reg; r[i] = r[j]; r[i + 1] = dst.size === 8 ? r[j + 1] : 0; }
    return;
  }
  if (src.kind === K_SREG) {
    m.wr(d.o[0], d, m.segSel[src.reg], 0);
    return;
  }
  const lo = m.rd(src, d);
  m.wr(d.o[0], d, lo, m.rhi);
};

/** MOV Sreg, r/m16 (SDM Vol. 2B MOV; checks in segments.ts). */
const movSreg: Semantics = (m, d) => {
  const sel = m.rd(d.o[1], d) & 0xffff;
  loadSegment(m, d.o[0].reg, sel, false);
};

const movzx: Semantics = (m, d) => {
  const lo = m.rd(d.o[1], d);
  m.wr(d.o[0], d, lo, 0);
};

const movsx: Semantics = (m, d) => {
  const s = d.o[1].size;
  let v = m.rd(d.o[1], d);
  v = s === 1 ? (v << 24) >> 24 : s === 2 ? (v << 16) >> 16 : v | 0;
  const size = d.o[0].size;
  m.wr(d.o[0], d, size === 8 ? v >>> 0 : (v & MASK[size]) >>> 0, v < 0 ? 0xffffffff : 0);
};

/** Effective address without segment base or canonical check (LEA computes an offset). */
export function offsetOf(m: Machine, o: Opnd, d: Decoded): number {
  let lo = o.dlo, hi = o.dhi;
  const r = m.r;
  if (o.base >= 0) {
    if (o.base === 16) { lo += d.nextLo; hi += d.nextHi; } else { lo += r[2 * o.base]; hi += r[2 * o.base + 1]; }
  }
  if (o.index >= 0) { lo += r[2 * o.index] * o.scale; hi += r[2 * o.index + 1] * o.scale; }
  const l = lo >>> 0;
  m.rhi = o.a32 ? 0 : (hi + (lo - l) / TWO32) >>> 0;
  return l;
}

const lea: Semantics = (m, d) => {
  const lo = offsetOf(m, d.o[1], d);
  m.wr(d.o[0], d, d.o[0].size === 2 ? lo & 0xffff : lo, m.rhi);
};

/** XCHG (memory forms are implicitly locked; SDM Vol. 2B XCHG). */
const xchg: Semantics = (m, d) => {
  const a = d.o[0], b = d.o[1];
  const la = m.loc(a, d);
  const av = m.rdAt(a, la), ah = m.rhi;
  const lb = m.loc(b, d);
  const bv = m.rdAt(b, lb), bh = m.rhi;
  m.wrAt(a, la, bv, bh);
  m.wrAt(b, lb, av, ah);
};

/** XADD: TEMP <- SRC + DEST; SRC <- DEST; DEST <- TEMP; flags as ADD (SDM Vol. 2B XADD
 *  "Operation"). The order matters when both operands are one register: it ends with the sum. A
 *  memory destination is stored first, so a faulting store leaves the source register alone. */
const xadd: Semantics = (m, d) => {
  const dst = d.o[0], src = d.o[1];
  const before = m.rflags;
  const la = m.loc(dst, d);
  const a = m.rdAt(dst, la), ah = m.rhi;
  const b = m.rd(src, d), bh = m.rhi;
  const r = add(m, a, ah, b, bh, 0, dst.size), rh = m.rhi;
  const after = m.rflags;
  if (dst.kind === K_MEM) {
    m.rflags = before; // restored if the store faults
    m.wrAt(dst, la, r, rh);
    m.setGpr(src.reg, src.size, src.high8, a, ah);
    m.rflags = after;
  } else {
    m.setGpr(src.reg, src.size, src.high8, a, ah);
    m.setGpr(dst.reg, dst.size, dst.high8, r, rh);
  }
};

/** CMPXCHG: compare the accumulator with dest; equal -> dest <- src, else accumulator <- dest.
 *  The destination is written in both cases (SDM Vol. 2A CMPXCHG "Operation"). */
const cmpxchg: Semantics = (m, d) => {
  const dst = d.o[0], src = d.o[1];
  const size = dst.size;
  const before = m.rflags;
  const la = m.loc(dst, d);
  const t = m.rdAt(dst, la), th = m.rhi;
  const acc = m.getGpr(0, size, false), acch = m.rhi;
  sub(m, acc, acch, t, th, 0, size);
  const after = m.rflags;
  const equal = acc === t && acch === th;
  m.rflags = before;
  if (equal) {
    const s = m.rd(src, d);
    m.wrAt(dst, la, s, m.rhi);
  } else {
    if (dst.kind === K_MEM) m.wrAt(dst, la, t, th);
    m.setGpr(0, size, false, t, th);
  }
  m.rflags = after;
};

/** CMOVcc: the source is always read; with a 32-bit operand the destination's upper half is
 *  cleared even when the condition is false (SDM Vol. 2A CMOVcc, 64-bit mode). */
const cmovcc: Semantics = (m, d) => {
  const lo = m.rd(d.o[1], d), hi = m.rhi;
  const dst = d.o[0];
  if (cond(m.rflags, d.cond)) m.setGpr(dst.reg, dst.size, false, lo, hi);
  else if (dst.size === 4) m.setGpr(dst.reg, 4, false, m.r[2 * dst.reg], 0);
};

const setcc: Semantics = (m, d) => {
  m.wr(d.o[0], d, cond(m.rflags, d.cond) ? 1 : 0, 0);
};

/** CBW / CWDE / CDQE by operand size. */
const cbw: Semantics = (m, d) => {
  const r = m.r;
  switch (d.size) {
    case 2: m.setGpr(0, 2, false, ((r[0] << 24) >> 24) & 0xffff, 0); break;
    case 4: m.setGpr(0, 4, false, ((r[0] << 16) >> 16) >>> 0, 0); break;
    default: m.setGpr(0, 8, false, r[0], (r[0] & 0x80000000) ? 0xffffffff : 0);
  }
};

/** CWD / CDQ / CQO: rDX <- sign of rAX. */
const cwd: Semantics = (m, d) => {
  const r = m.r;
  const size = d.size;
  const neg = size === 2 ? (r[0] & 0x8000) !== 0 : size === 4 ? (r[0] & 0x80000000) !== 0 : (r[1] & 0x80000000) !== 0;
  const v = neg ? 0xffffffff : 0;
  m.setGpr(2, size, false, size === 2 ? v & 0xffff : v, v);
};

/** XLAT: AL <- [seg:rBX + zero-extended AL], the address at the address size (SDM Vol. 2C
 *  XLAT/XLATB). */
const xlat: Semantics = (m, d) => {
  let la = m.ea(d.o[0], d) + (m.r[0] & 0xff);
  if (d.o[0].a32 && d.o[0].seg < 4) la %= 4294967296;
  else if (la >= 140737488355328) throw new CpuFault(GP, 0, 'non-canonical address');
  m.setGpr(0, 1, false, m.read(la, 1), 0);
};

/** CMPXCHG8B / CMPXCHG16B: compare EDX:EAX (RDX:RAX) with the memory operand; equal: ZF = 1 and
 *  memory <- ECX:EBX (RCX:RBX); else ZF = 0 and the accumulator pair <- memory, which is written
 *  back unchanged. CMPXCHG16B needs a 16-byte aligned operand, else #GP(0) (SDM Vol. 2A). */
const cmpxchg8b: Semantics = (m, d) => {
  const o = d.o[0];
  const la = m.ea(o, d);
  const r = m.r;
  if (o.size === 16) {
    if (la % 16 !== 0) throw new CpuFault(GP, 0, 'CMPXCHG16B operand not 16-byte aligned');
    const lo = m.readForWrite(la, 8), lh = m.rhi;
    m.readForWrite(la + 15, 1); // the whole operand is checked before either half is used
    const hi = m.read(la + 8, 8), hh = m.rhi;
    const eq = lo === r[0] && lh === r[1] && hi === r[4] && hh === r[5];
    if (eq) { m.write(la, 8, r[6], r[7]); m.write(la + 8, 8, r[2], r[3]); }
    else { m.write(la, 8, lo, lh); m.write(la + 8, 8, hi, hh); r[0] = lo; r[1] = lh; r[4] = hi; r[5] = hh; }
    m.rflags = eq ? (m.rflags | ZF) >>> 0 : (m.rflags & ~ZF) >>> 0;
    return;
  }
  const lo = m.readForWrite(la, 8), hi = m.rhi;
  const eq = lo === r[0] && hi === r[4];
  if (eq) m.write(la, 8, r[6], r[2]);
  else { m.write(la, 8, lo, hi); m.setGpr(0, 4, false, lo, 0); m.setGpr(2, 4, false, hi, 0); }
  m.rflags = eq ? (m.rflags | ZF) >>> 0 : (m.rflags & ~ZF) >>> 0;
};

const nop: Semantics = () => {};

void K_REG;
export const DATA: Record<string, Semantics> = {
  mov, mov_sreg: movSreg, movzx, movsx, movsxd: movsx, lea, xchg, xadd, cmpxchg, cmovcc, setcc, cbw, cwd, nop, pause: nop,
  xlat, cmpxchg8b,
};
