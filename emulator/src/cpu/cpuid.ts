// CPUID of the one modeled processor (SDM Vol. 2A CPUID, Table 3-8 "Information Returned by
// CPUID"). It is a "GenuineIntel" family 6 model 55h (Skylake server) 64-bit processor, and the
// executor follows Intel's rules where vendors differ (SYSRET's #GP on a non-canonical RCX).
// A machine built with `vendor: 'amd'` follows AMD's rules there (AMD APM Vol. 3 "SYSRET") and
// names itself "AuthenticAMD" in leaf 0 (APM Vol. 3 Appendix E.3.1 "Function 0h"); every other
// leaf stays the Intel processor's: only the vendor's SYSRET is modeled, not an AMD part.
// Feature bits say what the executor implements, and the opcode table's instructions agree with
// them: an instruction whose bit is clear here raises #UD (see `hasFeature`).
//   leaf 1     EDX: TSC, MSR, PAE, CX8, PGE, CMOV, CLFSH, SSE/SSE2 (MXCSR and the fences only: the
//              x86-64 baseline; no SSE arithmetic is modeled); EBX[15:8] CLFLUSH line 8*8 bytes;
//              ECX: CX16, SSE4.2 (for CRC32 only, likewise), MOVBE, POPCNT, RDRAND.
//              No XSAVE: XGETBV raises #UD (CR4.OSXSAVE cannot be set).
//   leaf 7     EBX: FSGSBASE, BMI1, BMI2, SMEP, RDSEED, ADX, SMAP, CLFLUSHOPT. ECX: no RDPID
//              (it arrived after Skylake): RDPID raises #UD.
//   80000001h  EDX: SYSCALL, NX, 1-GByte pages, RDTSCP, LM; ECX: LAHF/SAHF, LZCNT (ABM), PRFCHW.
//   80000008h  46 physical, 48 linear address bits.

/** Feature bits: [leaf, register index (0 eax, 1 ebx, 2 ecx, 3 edx), bit]. */
export const FEATURES = {
  tsc: [1, 3, 4], msr: [1, 3, 5], pae: [1, 3, 6], cx8: [1, 3, 8], pge: [1, 3, 13], cmov: [1, 3, 15], clfsh: [1, 3, 19],
  sse: [1, 3, 25], sse2: [1, 3, 26],
  cx16: [1, 2, 13], sse42: [1, 2, 20], movbe: [1, 2, 22], popcnt: [1, 2, 23], xsave: [0, 0, -1], rdrand: [1, 2, 30],
  fsgsbase: [7, 1, 0], bmi1: [7, 1, 3], smep: [7, 1, 7], bmi2: [7, 1, 8], rdseed: [7, 1, 18], adx: [7, 1, 19],
  smap: [7, 1, 20], clflushopt: [7, 1, 23], rdpid: [0, 0, -1],
  syscall: [0x80000001, 3, 11], nx: [0x80000001, 3, 20], page1gb: [0x80000001, 3, 26], rdtscp: [0x80000001, 3, 27],
  lm: [0x80000001, 3, 29], lahf: [0x80000001, 2, 0], lzcnt: [0x80000001, 2, 5], prfchw: [0x80000001, 2, 8],
} as const satisfies Record<string, readonly [number, number, number]>;
export type Feature = keyof typeof FEATURES;

function bits(leaf: number, reg: number): number {
  let v = 0;
  for (const [l, r, b] of Object.values(FEATURES)) if (l === leaf && r === reg && b >= 0) v |= 1 << b;
  return v >>> 0;
}

/** Whether the modeled CPU enumerates a feature (bit -1: it does not). */
export function hasFeature(f: Feature): boolean { return FEATURES[f][2] >= 0; }

function str4(s: string): number { return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0; }

const BRAND = 'syscall-book modeled x86-64 CPU'.padEnd(48, '\0');
function brand(i: number): [number, number, number, number] {
  const s = BRAND.slice(i * 16, i * 16 + 16);
  return [str4(s.slice(0, 4)), str4(s.slice(4, 8)), str4(s.slice(8, 12)), str4(s.slice(12, 16))];
}

const MAX_BASIC = 7, MAX_EXT = 0x80000008;

/** Returns [eax, ebx, ecx, edx] for a leaf and subleaf. */
export function cpuid(leaf: number, subleaf: number, vendor: 'intel' | 'amd' = 'intel'): [number, number, number, number] {
  leaf >>>= 0;
  // Leaves above the maximum return the highest basic leaf's data (Intel, SDM CPUID).
  if ((leaf > MAX_BASIC && leaf < 0x80000000) || leaf > MAX_EXT) leaf = MAX_BASIC;
  switch (leaf) {
    // The vendor string is EBX, EDX, ECX: "Genu" "ineI" "ntel" / "Auth" "enti" "cAMD".
    case 0: return vendor === 'amd'
      ? [MAX_BASIC, str4('Auth'), str4('cAMD'), str4('enti')]
      : [MAX_BASIC, str4('Genu'), str4('ntel'), str4('ineI')];
    case 1: return [0x00050654, 0x00000800, bits(1, 2), bits(1, 3)];
    case 7: return subleaf === 0 ? [0, bits(7, 1), bits(7, 2), 0] : [0, 0, 0, 0];
    case 0x80000000: return [MAX_EXT, 0, 0, 0];
    case 0x80000001: return [0, 0, bits(0x80000001, 2), bits(0x80000001, 3)];
    case 0x80000002: return brand(0);
    case 0x80000003: return brand(1);
    case 0x80000004: return brand(2);
    case 0x80000008: return [0x302e, 0, 0, 0];
    default: return [0, 0, 0, 0];
  }
}
