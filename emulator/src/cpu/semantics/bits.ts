// Bit tests and scans (SDM Vol. 2A BT, BTC, BTR, BTS, BSF, BSR, BSWAP, LZCNT; Vol. 2B POPCNT,
// TZCNT). Undefined flags: BT* leave them unchanged; BSF/BSR clear CF, OF, SF, AF, PF = parity;
// LZCNT/TZCNT clear SF, AF, PF and keep OF (the host-CPU vectors). BSF/BSR leave the destination
// unchanged for a zero source (what processors do; AMD documents it, Intel calls it undefined).

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { CF, ZF, SF, AF, OF, PF, PARITY, STATUS_FLAGS, TWO32, isCanonicalPair } from '../state.ts';
import { CpuFault, GP, SS as SS_VEC } from '../fault.ts';

function bitOp(kind: 'bt' | 'bts' | 'btr' | 'btc'): Semantics {
  return (m, d) => {
    const dst = d.o[0], src = d.o[1];
    const size = dst.size, N = size * 8;
    let la = NaN;
    let bit: number;
    const off = m.rd(src, d), offHi = m.rhi;
    if (src.kind === 2) bit = off & (N - 1); // immediate: taken modulo the width
    else if (dst.kind !== 1) bit = off & (N - 1); // register destination: modulo the width
    else {
      // Register bit offset into memory: signed, selects the operand-sized unit at
      // EA + (BitOffset DIV N) * N/8 (SDM BT "Operation", Table 3-2?).
      // BigInt: a 64-bit offset is not exact as a double.
      const sOff = size === 8 ? BigInt.asIntN(64, (BigInt(offHi) << 32n) | BigInt(off)) : BigInt(size === 4 ? off | 0 : (off << 16) >> 16);
      const NN = BigInt(N);
      const unit = sOff >= 0n ? sOff / NN : -((-sOff + NN - 1n) / NN); // floor division
      bit = Number(sOff - unit * NN);
      // With a 32-bit address size the whole offset, bit displacement included, wraps at 2^32
      // before an FS/GS base is added (SDM Vol. 1 §3.3.7 address-size attribute; found by the
      // differential fuzzer, with and without an FS prefix).
      const base = dst.seg >= 4 ? BigInt(m.segBase[dst.seg]) : 0n;
      let addr = BigInt(m.ea(dst, d)) - base + unit * BigInt(size);
      if (dst.a32) addr = BigInt.asUintN(32, addr);
      addr += base;
      // Non-canonical: #SS(0) for a stack-segment reference (an RSP/RBP base), else #GP(0)
      // (SDM Vol. 3A §6.15, interrupts 12 and 13).
      if (addr >= 140737488355328n || addr < -140737488355328n) {
        throw dst.seg === 2 ? new CpuFault(SS_VEC, 0, 'non-canonical stack address') : new CpuFault(GP, 0, 'non-canonical address');
      }
      la = Number(addr);
      void isCanonicalPair;
    }
    if (dst.kind === 1 && Number.isNaN(la)) la = m.ea(dst, d);
    // BTS/BTR/BTC are read-modify-write: their read is translated as a write (Vol. 3A §4.7).
    const lo = dst.kind === 1 ? (kind === 'bt' ? m.read(la, size) : m.readForWrite(la, size)) : m.getGpr(dst.reg, size, dst.high8);
    let hi = m.rhi;
    const set = bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1;
    let nlo = lo, nhi = hi;
    if (kind !== 'bt') {
      const mlo = bit < 32 ? (1 << bit) >>> 0 : 0, mhi = bit >= 32 ? (1 << (bit - 32)) >>> 0 : 0;
      if (kind === 'bts') { nlo = (lo | mlo) >>> 0; nhi = (hi | mhi) >>> 0; }
      else if (kind === 'btr') { nlo = (lo & ~mlo) >>> 0; nhi = (hi & ~mhi) >>> 0; }
      else { nlo = (lo ^ mlo) >>> 0; nhi = (hi ^ mhi) >>> 0; }
      if (dst.kind === 1) m.write(la, size, nlo, nhi);
      else m.setGpr(dst.reg, size, dst.high8, nlo, nhi);
    }
    hi = 0;
    m.rflags = (m.rflags & ~CF) | (set ? CF : 0); // CF = the selected bit; ZF unaffected
  };
}

function ctz32(x: number): number { return x === 0 ? 32 : 31 - Math.clz32(x & -x); }

function scan(kind: 'bsf' | 'bsr' | 'lzcnt' | 'tzcnt' | 'popcnt'): Semantics {
  return (m, d) => {
    const dst = d.o[0];
    const size = dst.size, N = size * 8;
    const lo = m.rd(d.o[1], d), hi = size === 8 ? m.rhi : 0;
    const v = size === 8 ? lo : lo; // low half (size <= 4 operands are already masked)
    const zero = (lo | hi) === 0;
    let r: number;
    switch (kind) {
      case 'bsf':
      case 'bsr':
        m.rflags &= ~(CF | OF | SF | AF);
        if (zero) { m.rflags |= ZF; return; }
        r = kind === 'bsf' ? (v !== 0 ? ctz32(v) : 32 + ctz32(hi)) : (hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(v));
        m.setGpr(dst.reg, size, false, r, 0);
        m.rflags = (m.rflags & ~(ZF | PF)) | PARITY[r]; // PF undefined: parity of the index (host)
        return;
      case 'lzcnt':
        r = size === 8 ? (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo)) : Math.clz32(lo) - (32 - N);
        m.setGpr(dst.reg, size, false, r, 0);
        m.rflags = (m.rflags & ~(CF | ZF | SF | AF | PF)) | (zero ? CF : 0) | (r === 0 ? ZF : 0);
        return;
      case 'tzcnt':
        r = zero ? N : lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
        m.setGpr(dst.reg, size, false, r, 0);
        m.rflags = (m.rflags & ~(CF | ZF | SF | AF | PF)) | (zero ? CF : 0) | (r === 0 ? ZF : 0);
        return;
      default: {
        let c = 0;
        for (let x = lo; x; x &= x - 1) c++;
        for (let x = hi; x; x &= x - 1) c++;
        m.setGpr(dst.reg, size, false, c, 0);
        m.rflags = (m.rflags & ~STATUS_FLAGS) | (zero ? ZF : 0); // all cleared but ZF
      }
    }
  };
}

/** BSWAP (SDM Vol. 2A BSWAP): reverses byte order of a 32- or 64-bit register. */
const bswap: Semantics = (m, d) => {
  const o = d.o[0];
  const sw = (x: number): number => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
  const lo = m.getGpr(o.reg, o.size, false), hi = m.rhi;
  if (o.size === 8) m.setGpr(o.reg, 8, false, sw(hi), sw(lo));
  else if (o.size === 4) m.setGpr(o.reg, 4, false, sw(lo), 0);
  // A 16-bit register: "the result is undefined" (SDM BSWAP); Intel processors clear it.
  else m.setGpr(o.reg, 2, false, 0, 0);
};

export const BITS: Record<string, Semantics> = {
  bt: bitOp('bt'), bts: bitOp('bts'), btr: bitOp('btr'), btc: bitOp('btc'),
  bsf: scan('bsf'), bsr: scan('bsr'), lzcnt: scan('lzcnt'), tzcnt: scan('tzcnt'), popcnt: scan('popcnt'), bswap,
};
void ({} as Decoded); void ({} as Machine);
