// CPUID of the one modeled processor (SDM Vol. 2A CPUID). It is a "GenuineIntel" family 6
// 64-bit processor: the executor follows Intel's rules where vendors differ (SYSRET's #GP on a
// non-canonical RCX). Feature bits say only what the executor implements:
//   leaf 1     EDX: TSC, MSR, PAE, PGE, CMOV, SSE/SSE2 (MXCSR and the fences only: the x86-64
//              baseline; no SSE arithmetic is modeled); ECX: POPCNT.
//   leaf 7     EBX: FSGSBASE, BMI1 (TZCNT only), SMEP, SMAP.
//   80000001h  EDX: SYSCALL, NX, 1-GByte pages, RDTSCP, LM; ECX: LZCNT (ABM).
//   80000008h  46 physical, 48 linear address bits.

function str4(s: string): number { return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0; }

const BRAND = 'syscall-book modeled x86-64 CPU'.padEnd(48, '\0');
function brand(i: number): [number, number, number, number] {
  const s = BRAND.slice(i * 16, i * 16 + 16);
  return [str4(s.slice(0, 4)), str4(s.slice(4, 8)), str4(s.slice(8, 12)), str4(s.slice(12, 16))];
}

const MAX_BASIC = 7, MAX_EXT = 0x80000008;

/** Returns [eax, ebx, ecx, edx] for a leaf and subleaf. */
export function cpuid(leaf: number, subleaf: number): [number, number, number, number] {
  leaf >>>= 0;
  // Leaves above the maximum return the highest basic leaf's data (Intel, SDM CPUID).
  if ((leaf > MAX_BASIC && leaf < 0x80000000) || leaf > MAX_EXT) leaf = MAX_BASIC;
  switch (leaf) {
    case 0: return [MAX_BASIC, str4('Genu'), str4('ntel'), str4('ineI')];
    case 1: {
      const edx = (1 << 4) | (1 << 5) | (1 << 6) | (1 << 13) | (1 << 15) | (1 << 25) | (1 << 26);
      const ecx = 1 << 23;
      return [0x00050654, 0x00000800, ecx >>> 0, edx >>> 0];
    }
    case 7: return subleaf === 0 ? [0, ((1 << 0) | (1 << 3) | (1 << 7) | (1 << 20)) >>> 0, 0, 0] : [0, 0, 0, 0];
    case 0x80000000: return [MAX_EXT, 0, 0, 0];
    case 0x80000001: return [0, 0, 1 << 5, ((1 << 11) | (1 << 20) | (1 << 26) | (1 << 27) | (1 << 29)) >>> 0];
    case 0x80000002: return brand(0);
    case 0x80000003: return brand(1);
    case 0x80000004: return brand(2);
    case 0x80000008: return [0x302e, 0, 0, 0];
    default: return [0, 0, 0, 0];
  }
}
