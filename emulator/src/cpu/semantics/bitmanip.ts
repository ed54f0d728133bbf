// Bit manipulation and checksums outside the classic ALU (SDM Vol. 2A ADCX, CRC32; Vol. 2B ADOX,
// MOVBE). Each instruction's CPUID bit is set in cpuid.ts.

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { K_MEM } from '../machine.ts';
import { CF, OF } from '../state.ts';

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

void ({} as Machine); void ({} as Decoded);
export const BITMANIP: Record<string, Semantics> = { crc32, adcx: addWithFlag(CF), adox: addWithFlag(OF), movbe };
