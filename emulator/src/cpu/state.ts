// Architectural bit positions and register numbers used across the executor. Each constant names
// the SDM figure or table it comes from.

// RFLAGS (SDM Vol. 1 §3.4.3, Figure 3-8).
export const CF = 1 << 0;
export const RESERVED1 = 1 << 1; // always 1
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const TF = 1 << 8;
export const IF = 1 << 9;
export const DF = 1 << 10;
export const OF = 1 << 11;
export const IOPL = 3 << 12;
export const NT = 1 << 14;
export const RF = 1 << 16;
export const VM = 1 << 17;
export const AC = 1 << 18;
export const VIF = 1 << 19;
export const VIP = 1 << 20;
export const ID = 1 << 21;
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;

// CR0 and CR4 (SDM Vol. 3A §2.5, Figure 2-7).
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_PG = 0x80000000;
export const CR4_PAE = 1 << 5;
export const CR4_PGE = 1 << 7;
export const CR4_OSFXSR = 1 << 9;
export const CR4_FSGSBASE = 1 << 16;
export const CR4_SMEP = 1 << 20;
export const CR4_SMAP = 1 << 21;

// IA32_EFER (SDM Vol. 3A §2.2.1, Table 2-1).
export const EFER_SCE = 1 << 0;
export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;
export const EFER_NXE = 1 << 11;

// MSR indices (SDM Vol. 4, Table 2-2).
export const MSR_TSC = 0x10;
export const MSR_EFER = 0xc0000080;
export const MSR_STAR = 0xc0000081;
export const MSR_LSTAR = 0xc0000082;
export const MSR_CSTAR = 0xc0000083;
export const MSR_FMASK = 0xc0000084;
export const MSR_FS_BASE = 0xc0000100;
export const MSR_GS_BASE = 0xc0000101;
export const MSR_KERNEL_GS_BASE = 0xc0000102;
export const MSR_TSC_AUX = 0xc0000103;

// Segment register numbers (Sreg encoding, SDM Vol. 2A §3.1.1.1).
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

// Segment attributes are kept in the VMX access-rights layout (SDM Vol. 3C §25.4.1, Table 25-2):
// bits 3:0 type, 4 S, 6:5 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G. It is descriptor byte 5 in bits
// 7:0 and the flags nibble of byte 6 in bits 15:12.
export const ATTR_TYPE = 0xf;
export const ATTR_S = 1 << 4;
export const ATTR_P = 1 << 7;
export const ATTR_L = 1 << 13;
export const ATTR_DB = 1 << 14;
export const ATTR_G = 1 << 15;
export const attrDpl = (a: number): number => (a >> 5) & 3;

/** 2^32 as a double: registers are held as unsigned 32-bit halves. */
export const TWO32 = 4294967296;
/** Canonical linear addresses (48-bit, SDM Vol. 1 §3.3.7.1) are held as signed doubles in
 *  [-2^47, 2^47), which are exact. */
export const CANON_LIMIT = 140737488355328; // 2^47

export function isCanonicalPair(hi: number): boolean {
  const h = hi | 0;
  return ((h << 16) >> 16) === h;
}
/** Signed double of a canonical (lo, hi) pair; caller checks canonicity. */
export function pairToLinear(lo: number, hi: number): number {
  return (hi | 0) * TWO32 + (lo >>> 0);
}
export function linearLo(la: number): number { return la >>> 0; }
export function linearHi(la: number): number { return Math.floor(la / TWO32) >>> 0; }

export function pairToBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
export function bigLo(v: bigint): number { return Number(v & 0xffffffffn); }
export function bigHi(v: bigint): number { return Number((v >> 32n) & 0xffffffffn); }
/** A 64-bit value as an unsigned bigint from a signed canonical double. */
export function linearToBig(la: number): bigint { return la >= 0 ? BigInt(la) : BigInt.asUintN(64, BigInt(la)); }
/** A bigint address as a signed double if canonical, else null. */
export function bigToLinear(v: bigint): number | null {
  const s = BigInt.asIntN(64, v);
  if (s < -140737488355328n || s >= 140737488355328n) return null;
  return Number(s);
}

/** Parity flag table: PF is set when the low byte of the result has an even number of 1 bits
 *  (SDM Vol. 1 §3.4.3.1). */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, n = 0;
  while (b) { n += b & 1; b >>= 1; }
  PARITY[i] = n & 1 ? 0 : PF;
}
