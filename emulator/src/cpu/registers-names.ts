// Register names by encoding number and size, as WinDbg and the SDM spell them (SDM Vol. 1
// §3.4.1.1 "General-Purpose Registers in 64-Bit Mode"; Vol. 2A §2.2.1.2 on REX and byte
// registers: without REX, byte registers 4..7 are AH, CH, DH, BH; with any REX, SPL, BPL, SIL, DIL).

export const GPR_NAMES: Record<number, readonly string[]> = {
  8: ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'],
  4: ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'],
  2: ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'],
  1: ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'],
};

/** AH, CH, DH, BH: byte registers 4..7 when the instruction has no REX prefix. */
export const HIGH8_NAMES = ['ah', 'ch', 'dh', 'bh'] as const;

export function gprName(reg: number, size: number, high8?: boolean): string {
  if (high8) return HIGH8_NAMES[reg - 4];
  return GPR_NAMES[size][reg];
}

export interface ParsedRegister {
  reg: number;
  size: 1 | 2 | 4 | 8;
  high8: boolean;
}

const BY_NAME = new Map<string, ParsedRegister>();
for (const size of [1, 2, 4, 8] as const) {
  GPR_NAMES[size].forEach((n, reg) => BY_NAME.set(n, { reg, size, high8: false }));
}
HIGH8_NAMES.forEach((n, i) => BY_NAME.set(n, { reg: i + 4, size: 1, high8: true }));
// Intel's alternative spellings of the r8..r15 byte registers.
for (let r = 8; r < 16; r++) BY_NAME.set(`r${r}l`, { reg: r, size: 1, high8: false });

/** Parses a general-purpose register name (lowercase), or returns null. */
export function parseGpr(name: string): ParsedRegister | null {
  return BY_NAME.get(name) ?? null;
}
