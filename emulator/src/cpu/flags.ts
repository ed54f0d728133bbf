// Arithmetic cores that compute a result and its status flags exactly as the SDM defines them
// (SDM Vol. 1 §3.4.3.1 and Appendix A, "EFLAGS Cross-Reference"). Operands are 32-bit halves; the
// result's low half is returned and its high half left in m.rhi. Flags are computed eagerly.

import type { Machine } from './machine.ts';
import { CF, PF, AF, ZF, SF, OF, PARITY, STATUS_FLAGS } from './state.ts';

export const MASK = [0, 0xff, 0xffff, 0, 0xffffffff, 0, 0, 0, 0xffffffff];
export const SIGN = [0, 0x80, 0x8000, 0, 0x80000000, 0, 0, 0, 0x80000000];

/** ADD / ADC (SDM Vol. 2A ADD, ADC): CF carry out, OF signed overflow, AF carry out of bit 3. */
export function add(m: Machine, a: number, ahi: number, b: number, bhi: number, c: number, size: number): number {
  let f: number, r: number, rh = 0;
  if (size !== 8) {
    const mask = MASK[size];
    const s = a + b + c;
    r = size === 4 ? s >>> 0 : s & mask;
    f = (s > mask ? CF : 0) | (((a ^ r) & (b ^ r) & SIGN[size]) !== 0 ? OF : 0) | (r === 0 ? ZF : 0) | ((r & SIGN[size]) !== 0 ? SF : 0);
  } else {
    const sl = a + b + c;
    r = sl >>> 0;
    const sh = ahi + bhi + (sl > 0xffffffff ? 1 : 0);
    rh = sh >>> 0;
    f = (sh > 0xffffffff ? CF : 0) | (((ahi ^ rh) & (bhi ^ rh) & 0x80000000) !== 0 ? OF : 0) | ((r | rh) === 0 ? ZF : 0) | ((rh & 0x80000000) !== 0 ? SF : 0);
  }
  m.rflags = (m.rflags & ~STATUS_FLAGS) | f | ((a ^ b ^ r) & AF) | PARITY[r & 0xff];
  m.rhi = rh;
  return r;
}

/** SUB / SBB / CMP / NEG (SDM Vol. 2B SUB, SBB; 2A CMP; 2B NEG): CF borrow, OF signed overflow. */
export function sub(m: Machine, a: number, ahi: number, b: number, bhi: number, c: number, size: number): number {
  let f: number, r: number, rh = 0;
  if (size !== 8) {
    const d = a - b - c;
    r = size === 4 ? d >>> 0 : d & MASK[size];
    f = (d < 0 ? CF : 0) | (((a ^ b) & (a ^ r) & SIGN[size]) !== 0 ? OF : 0) | (r === 0 ? ZF : 0) | ((r & SIGN[size]) !== 0 ? SF : 0);
  } else {
    const dl = a - b - c;
    r = dl >>> 0;
    const dh = ahi - bhi - (dl < 0 ? 1 : 0);
    rh = dh >>> 0;
    f = (dh < 0 ? CF : 0) | (((ahi ^ bhi) & (ahi ^ rh) & 0x80000000) !== 0 ? OF : 0) | ((r | rh) === 0 ? ZF : 0) | ((rh & 0x80000000) !== 0 ? SF : 0);
  }
  m.rflags = (m.rflags & ~STATUS_FLAGS) | f | ((a ^ b ^ r) & AF) | PARITY[r & 0xff];
  m.rhi = rh;
  return r;
}

/** AND / OR / XOR / TEST: OF = CF = 0; SF, ZF, PF from the result; AF is undefined (cleared
 *  here, as the host processors we compared against do). */
export function logicFlags(m: Machine, r: number, rh: number, size: number): void {
  const neg = size === 8 ? (rh & 0x80000000) !== 0 : (r & SIGN[size]) !== 0;
  m.rflags = (m.rflags & ~STATUS_FLAGS) | ((r | rh) === 0 ? ZF : 0) | (neg ? SF : 0) | PARITY[r & 0xff];
}

/** SF, ZF, PF from a result (shifts, etc.); other flags are set by the caller. */
export function szp(r: number, rh: number, size: number): number {
  const neg = size === 8 ? (rh & 0x80000000) !== 0 : (r & SIGN[size]) !== 0;
  return ((r | rh) === 0 ? ZF : 0) | (neg ? SF : 0) | PARITY[r & 0xff];
}

/** Condition codes (SDM Vol. 1 Appendix B, Table B-1). */
export function cond(f: number, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = (f & OF) !== 0; break;
    case 1: r = (f & CF) !== 0; break;
    case 2: r = (f & ZF) !== 0; break;
    case 3: r = (f & (CF | ZF)) !== 0; break;
    case 4: r = (f & SF) !== 0; break;
    case 5: r = (f & PF) !== 0; break;
    case 6: r = (((f >> 7) ^ (f >> 11)) & 1) !== 0; break;
    default: r = (f & ZF) !== 0 || (((f >> 7) ^ (f >> 11)) & 1) !== 0;
  }
  return (cc & 1) !== 0 ? !r : r;
}
