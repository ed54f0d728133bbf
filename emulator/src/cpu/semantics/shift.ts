// Shifts and rotates (SDM Vol. 2B SAL/SAR/SHL/SHR, Vol. 2B RCL/RCR/ROL/ROR, Vol. 2B SHLD, SHRD).
// Computed in BigInt over the operand width: these are not on the hot path and BigInt keeps one
// implementation for all sizes. Flags the SDM leaves undefined get the value noted at each site
// (where a rule was visible, the one the host-CPU vectors show).

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { CF, OF, AF, STATUS_FLAGS } from '../state.ts';
import { szp } from '../flags.ts';
import { pairToBig, bigLo, bigHi } from '../state.ts';

function count(m: Machine, d: Decoded, i: number): number {
  const o = d.o[i];
  const c = m.rd(o, d) & 0xff;
  return c & (d.o[0].size === 8 ? 63 : 31); // COUNTMASK (SDM SAL/SAR/SHL/SHR "Operation")
}

function commit(m: Machine, d: Decoded, la: number, r: bigint, flags: number, keep: number): void {
  const before = m.rflags;
  m.wrAt(d.o[0], la, bigLo(r), bigHi(r));
  m.rflags = (before & keep) | flags;
}

function shiftOp(kind: 'shl' | 'shr' | 'sar'): Semantics {
  return (m, d) => {
    const dst = d.o[0];
    const la = m.loc(dst, d);
    const lo = m.rdAt(dst, la), hi = m.rhi;
    const cnt = count(m, d, 1);
    const N = BigInt(dst.size * 8);
    const mask = (1n << N) - 1n;
    const v = pairToBig(lo, hi) & mask;
    if (cnt === 0) { m.wrAt(dst, la, bigLo(v), bigHi(v)); return; } // flags unaffected
    const c = BigInt(cnt);
    let r: bigint, cf: bigint, of: boolean;
    const msb = (x: bigint): bigint => (x >> (N - 1n)) & 1n;
    if (kind === 'shl') {
      r = (v << c) & mask;
      cf = (v << c) >> N & 1n; // last bit out (0 once the count passes the width: undefined there)
      of = (msb(r) ^ cf) === 1n; // defined for count 1; the same formula otherwise
    } else if (kind === 'shr') {
      r = v >> c;
      cf = (v >> (c - 1n)) & 1n;
      // Count 1: the original MSB, which is bit N-2 of the result; for larger counts the same
      // MSB XOR next bit of the result is what the host vectors show.
      of = (msb(r) ^ ((r >> (N - 2n)) & 1n)) === 1n;
    } else {
      const s = BigInt.asIntN(Number(N), v);
      r = BigInt.asUintN(Number(N), s >> c);
      cf = BigInt.asUintN(1, s >> (c - 1n));
      of = false; // count 1: cleared
    }
    // AF is undefined; AF=1 is what the host processors of our vectors produce.
    const f = (cf ? CF : 0) | (of ? OF : 0) | AF | szp(bigLo(r), bigHi(r), dst.size);
    commit(m, d, la, r, f, ~STATUS_FLAGS);
  };
}

function rotateOp(kind: 'rol' | 'ror' | 'rcl' | 'rcr'): Semantics {
  return (m, d) => {
    const dst = d.o[0];
    const la = m.loc(dst, d);
    const lo = m.rdAt(dst, la), hi = m.rhi;
    const masked = count(m, d, 1);
    const size = dst.size;
    const Nn = size * 8;
    const N = BigInt(Nn);
    const mask = (1n << N) - 1n;
    const v = pairToBig(lo, hi) & mask;
    if (masked === 0) { m.wrAt(dst, la, bigLo(v), bigHi(v)); return; }
    const msb = (x: bigint): bigint => (x >> (N - 1n)) & 1n;
    let r: bigint, cf: bigint, of: bigint;
    const cfIn = BigInt(m.rflags & CF);
    if (kind === 'rol' || kind === 'ror') {
      const t = BigInt(masked % Nn);
      r = kind === 'rol' ? ((v << t) | (v >> ((N - t) % N))) & mask : ((v >> t) | (v << ((N - t) % N))) & mask;
      if (t === 0n) r = v;
      if (kind === 'rol') { cf = r & 1n; of = msb(r) ^ cf; }
      else { cf = msb(r); of = msb(r) ^ ((r >> (N - 2n)) & 1n); }
    } else {
      // RCL/RCR rotate the (N+1)-bit value CF:dest; tempCOUNT = count MOD (N+1) for 8/16 bits.
      const t = size === 1 ? masked % 9 : size === 2 ? masked % 17 : masked;
      const W = N + 1n;
      const wide = (cfIn << N) | v;
      const wmask = (1n << W) - 1n;
      const T = BigInt(t);
      const rot = t === 0 ? wide : kind === 'rcl' ? ((wide << T) | (wide >> (W - T))) & wmask : ((wide >> T) | (wide << (W - T))) & wmask;
      r = rot & mask;
      cf = rot >> N;
      // RCR count 1: MSB(dest) XOR CF before rotating, which equals MSB XOR next bit of the
      // result; that formula also gives the host's OF for larger counts.
      of = kind === 'rcl' ? msb(r) ^ cf : msb(r) ^ ((r >> (N - 2n)) & 1n);
    }
    // Only CF and OF change (OF defined for a count of 1; the same formula is used otherwise).
    const f = (cf ? CF : 0) | (of ? OF : 0);
    commit(m, d, la, r, f, ~(CF | OF));
  };
}

function doubleShift(left: boolean): Semantics {
  return (m, d) => {
    const dst = d.o[0];
    const la = m.loc(dst, d);
    const lo = m.rdAt(dst, la), hi = m.rhi;
    const slo = m.rd(d.o[1], d), shi = m.rhi;
    const cnt = count(m, d, 2);
    const N = BigInt(dst.size * 8);
    const mask = (1n << N) - 1n;
    const v = pairToBig(lo, hi) & mask;
    const s = pairToBig(slo, shi) & mask;
    if (cnt === 0) { m.wrAt(dst, la, bigLo(v), bigHi(v)); return; }
    const c = BigInt(cnt);
    let r: bigint, cf: bigint;
    // A count above the width (16-bit operands only) leaves result and flags undefined; the
    // formula below treats dest:src:dest as a repeating pattern.
    if (left) {
      const wide = (v << (2n * N)) | (s << N) | v;
      r = (wide >> (2n * N - c)) & mask;
      cf = (wide >> (3n * N - c)) & 1n;
    } else {
      const wide = (v << (2n * N)) | (s << N) | v;
      r = (wide >> c) & mask;
      cf = (wide >> (c - 1n)) & 1n;
    }
    // Count 1: sign change. SHRD's sign change equals MSB XOR next bit of the result, which also
    // matches the host for larger counts; SHLD keeps the sign-change formula.
    const of = left ? ((r ^ v) >> (N - 1n)) & 1n : ((r >> (N - 1n)) ^ (r >> (N - 2n))) & 1n;
    const f = (cf ? CF : 0) | (of ? OF : 0) | AF | szp(bigLo(r), bigHi(r), dst.size); // AF undefined: 1 as on the host
    commit(m, d, la, r, f, ~STATUS_FLAGS);
  };
}

export const SHIFT: Record<string, Semantics> = {
  shl: shiftOp('shl'), shr: shiftOp('shr'), sar: shiftOp('sar'),
  rol: rotateOp('rol'), ror: rotateOp('ror'), rcl: rotateOp('rcl'), rcr: rotateOp('rcr'),
  shld: doubleShift(true), shrd: doubleShift(false),
};
