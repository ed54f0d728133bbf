// Bit manipulation and checksums outside the classic ALU (SDM Vol. 2A ADCX, ANDN, BEXTR, BLSI,
// BLSMSK, BLSR, BZHI, CRC32; Vol. 2B ADOX, MOVBE, MULX, PDEP, PEXT, RORX, SARX/SHLX/SHRX). Each
// instruction's CPUID bit is set in cpuid.ts. The BMI forms compute in BigInt over the operand
// width (not on the hot path).

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { K_MEM } from '../machine.ts';
import { CF, OF, ZF, SF, STATUS_FLAGS, pairToBig, bigLo, bigHi } from '../state.ts';

/** CRC32 (SDM Vol. 2A CRC32): CRC-32C (polynomial 11EDC6F41h) in the bit-reflected form the
 *  instruction defines, with no inversion: the destination's low 32 bits are the running value,
 *  the source's bytes enter lowest first; the result is zero-extended into a 64-bit destination. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
const crc32: Semantics = (m, d) => {
  const dst = d.o[0], src = d.o[1];
  const lo = m.rd(src, d), hi = m.rhi;
  let c = m.r[2 * dst.reg];
  for (let i = 0; i < src.size; i++) {
    const byte = i < 4 ? (lo >>> (8 * i)) & 0xff : (hi >>> (8 * (i - 4))) & 0xff;
    c = (CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)) >>> 0;
  }
  m.setGpr(dst.reg, 4, false, c, 0); // 32- and 64-bit destinations alike: upper half cleared
};

/** ADCX / ADOX: unsigned add with CF (ADCX) or OF (ADOX) as carry in and out; no other flag
 *  changes (SDM Vol. 2A ADCX, Vol. 2B ADOX). */
function addWithFlag(flag: number): Semantics {
  return (m, d) => {
    const dst = d.o[0], size = dst.size;
    const a = m.getGpr(dst.reg, size, false), ah = m.rhi;
    const b = m.rd(d.o[1], d), bh = m.rhi;
    const cin = m.rflags & flag ? 1 : 0;
    const sl = a + b + cin;
    const lo = sl >>> 0;
    let hi = 0, carry: boolean;
    if (size === 8) { const sh = ah + bh + (sl > 0xffffffff ? 1 : 0); hi = sh >>> 0; carry = sh > 0xffffffff; }
    else carry = sl > 0xffffffff;
    m.setGpr(dst.reg, size, false, lo, hi);
    m.rflags = carry ? (m.rflags | flag) >>> 0 : (m.rflags & ~flag) >>> 0;
  };
}

function bswap32(x: number): number { return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0; }

/** MOVBE: a load or a store with the bytes reversed; one operand is memory (SDM Vol. 2B MOVBE). */
const movbe: Semantics = (m, d) => {
  const dst = d.o[0], src = d.o[1], size = dst.size;
  const lo = m.rd(src, d), hi = m.rhi;
  let rl: number, rh = 0;
  if (size === 8) { rl = bswap32(hi); rh = bswap32(lo); }
  else if (size === 4) rl = bswap32(lo);
  else rl = ((lo & 0xff) << 8) | ((lo >>> 8) & 0xff);
  if (dst.kind === K_MEM) m.wr(dst, d, rl, rh);
  else m.setGpr(dst.reg, size, false, rl, rh);
};

function val(m: Machine, d: Decoded, i: number): bigint {
  const lo = m.rd(d.o[i], d);
  return pairToBig(lo, m.rhi) & mask(d.o[0].size);
}
const mask = (size: number): bigint => (1n << BigInt(size * 8)) - 1n;
function put(m: Machine, d: Decoded, i: number, v: bigint): void {
  const o = d.o[i];
  m.setGpr(o.reg, o.size, false, bigLo(v), bigHi(v));
}
/** BMI1 flags: SF and ZF from the result, CF as given, OF cleared; AF and PF are undefined (here
 *  cleared). */
function bmiFlags(m: Machine, r: bigint, size: number, cf: boolean, zfClear = false): void {
  const sign = (r >> BigInt(size * 8 - 1)) & 1n;
  m.rflags = ((m.rflags & ~STATUS_FLAGS) | (sign ? SF : 0) | (r === 0n && !zfClear ? ZF : 0) | (cf ? CF : 0)) >>> 0;
}

/** ANDN: dest <- NOT src1 AND src2 (Vol. 2A ANDN). */
const andn: Semantics = (m, d) => {
  const size = d.o[0].size;
  const r = ~val(m, d, 1) & val(m, d, 2) & mask(size);
  put(m, d, 0, r);
  bmiFlags(m, r, size, false);
};

/** BEXTR: START = src2[7:0], LEN = src2[15:8]; dest <- src1[START+LEN-1:START] (Vol. 2A BEXTR);
 *  ZF from the result, CF = OF = 0. */
const bextr: Semantics = (m, d) => {
  const size = d.o[0].size, N = size * 8;
  const ctl = Number(val(m, d, 2) & 0xffffn);
  const start = ctl & 0xff, len = ctl >>> 8;
  const src = val(m, d, 1);
  const r = start >= N ? 0n : (src >> BigInt(start)) & (len >= N ? mask(size) : (1n << BigInt(len)) - 1n);
  put(m, d, 0, r);
  m.rflags = ((m.rflags & ~STATUS_FLAGS) | (r === 0n ? ZF : 0)) >>> 0;
};

/** BLSI, BLSMSK, BLSR (Vol. 2A): the lowest set bit isolated, the mask up to it, or reset. */
function lowestBit(kind: 'blsi' | 'blsmsk' | 'blsr'): Semantics {
  return (m, d) => {
    const size = d.o[0].size, M = mask(size);
    const src = val(m, d, 1);
    const r = kind === 'blsi' ? -src & src & M : kind === 'blsmsk' ? ((src - 1n) ^ src) & M : (src - 1n) & src & M;
    put(m, d, 0, r);
    // BLSI: CF = source is not zero; BLSMSK/BLSR: CF = source is zero. BLSMSK clears ZF.
    bmiFlags(m, r, size, kind === 'blsi' ? src !== 0n : src === 0n, kind === 'blsmsk');
  };
}

/** BZHI: N = src2[7:0]; dest <- src1 with bits N and above cleared; CF = N > width - 1 (Vol. 2A). */
const bzhi: Semantics = (m, d) => {
  const size = d.o[0].size, N = size * 8;
  const n = Number(val(m, d, 2) & 0xffn);
  const src = val(m, d, 1);
  const r = n < N ? src & ((1n << BigInt(n)) - 1n) : src;
  put(m, d, 0, r);
  bmiFlags(m, r, size, n > N - 1);
};

/** PDEP / PEXT: deposit the low bits of src1 at the mask's set bits / gather the bits of src1 at
 *  the mask's set bits into the low bits (Vol. 2B PDEP, PEXT); no flags. */
function depositExtract(dep: boolean): Semantics {
  return (m, d) => {
    const size = d.o[0].size, N = size * 8;
    const src = val(m, d, 1), msk = val(m, d, 2);
    let r = 0n, k = 0n;
    for (let i = 0n; i < BigInt(N); i++) {
      if (((msk >> i) & 1n) === 0n) continue;
      if (dep) r |= ((src >> k) & 1n) << i;
      else r |= ((src >> i) & 1n) << k;
      k++;
    }
    put(m, d, 0, r);
  };
}

/** MULX: dest1:dest2 <- rDX * src, unsigned; the low half is written first, so when both
 *  destinations are one register it holds the high half (Vol. 2B MULX); no flags. */
const mulx: Semantics = (m, d) => {
  const size = d.o[0].size, N = BigInt(size * 8);
  const rdx = pairToBig(m.getGpr(2, size, false), m.rhi);
  const p = rdx * val(m, d, 2);
  put(m, d, 1, p & mask(size));
  put(m, d, 0, p >> N);
};

/** RORX: rotate right by an immediate, no flags (Vol. 2B RORX). */
const rorx: Semantics = (m, d) => {
  const size = d.o[0].size, N = BigInt(size * 8);
  const c = BigInt(d.o[2].lo & (size === 8 ? 63 : 31));
  const v = val(m, d, 1);
  put(m, d, 0, ((v >> c) | (v << ((N - c) % N))) & mask(size));
};

/** SARX / SHLX / SHRX: shift by src2 masked to 5 or 6 bits, no flags (Vol. 2B SARX/SHLX/SHRX). */
function shiftx(kind: 'sar' | 'shl' | 'shr'): Semantics {
  return (m, d) => {
    const size = d.o[0].size, Nn = size * 8;
    const c = BigInt(Number(val(m, d, 2) & (size === 8 ? 63n : 31n)));
    const v = val(m, d, 1);
    const r = kind === 'shl' ? (v << c) & mask(size) : kind === 'shr' ? v >> c : BigInt.asUintN(Nn, BigInt.asIntN(Nn, v) >> c);
    put(m, d, 0, r);
  };
}

export const BITMANIP: Record<string, Semantics> = {
  crc32, adcx: addWithFlag(CF), adox: addWithFlag(OF), movbe,
  andn, bextr, blsi: lowestBit('blsi'), blsmsk: lowestBit('blsmsk'), blsr: lowestBit('blsr'), bzhi,
  pdep: depositExtract(true), pext: depositExtract(false), mulx, rorx,
  sarx: shiftx('sar'), shlx: shiftx('shl'), shrx: shiftx('shr'),
};
