// The decoded-instruction record: the one contract between the decoder (which builds it from the
// opcode table), the disassembler and assembler (which print and parse it) and the executor (which
// runs it through the semantics function named by `op`).
//
// Register numbers follow the encoding (SDM Vol. 2A §2.1.5, Table 2-2 / §2.2.1.2 REX):
// 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8..15 r8..r15.
// Segment registers follow the sreg field (SDM Vol. 2A Appendix B, "Encoding of Segment Register
// (sreg) Field"): 0 es, 1 cs, 2 ss, 3 ds, 4 fs, 5 gs.

export type Size = 1 | 2 | 4 | 8 | 10 | 16;
export type SegIndex = 0 | 1 | 2 | 3 | 4 | 5;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;
export const GPR64_NAMES = [
  'rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
] as const;

export type Operand =
  /** A general-purpose register. `high8` marks AH/CH/DH/BH (reg 4..7, size 1, no REX prefix). */
  | { kind: 'reg'; reg: number; size: Size; high8?: boolean }
  /** A memory operand. `base`/`index` are GPR numbers, 'rip' for RIP-relative, or null. `seg` is the
   *  effective segment (override prefix, else the default: SS for rsp/rbp bases, DS otherwise);
   *  `segOverride` says whether a prefix chose it (the disassembler prints only overrides). `size` 0
   *  means "no size" (lea, invlpg); lgdt/lidt/sgdt/sidt's pseudo-descriptor is 10.
   *  `disp` is the signed displacement (-0x80n for [rbp-80h]); for the moffs forms (A0-A3) it is
   *  the absolute address, unsigned. The effective address is (base + index*scale + disp) modulo
   *  2^(8*addrSize); a 'rip' base means the address of the next instruction. */
  | {
      kind: 'mem'; size: Size | 0; seg: SegIndex; segOverride: boolean;
      base: number | 'rip' | null; index: number | null; scale: 1 | 2 | 4 | 8; disp: bigint;
      addrSize: 4 | 8;
    }
  /** An immediate, already extended to `size` exactly as the encoding defines (sign- or zero-),
   *  held as an unsigned value of `size` bytes. */
  | { kind: 'imm'; value: bigint; size: Size }
  /** A relative branch target, resolved to the absolute address (next RIP + displacement). */
  | { kind: 'rel'; target: bigint; size: Size }
  | { kind: 'sreg'; reg: SegIndex }
  | { kind: 'cr'; reg: number }
  | { kind: 'dr'; reg: number };

export interface Prefixes {
  lock: boolean;
  /** F3 / F2 as they apply to this instruction (string ops: rep/repe, repne). */
  rep: 'rep' | 'repne' | null;
  /** Explicit segment override, if any. */
  seg: SegIndex | null;
  opSize: boolean;   // 66
  addrSize: boolean; // 67
  rex: number;       // 0 when absent, else 0x40..0x4F
}

export interface Instruction {
  /** Linear address of the first byte. */
  address: bigint;
  length: number;
  /** Mnemonic exactly as WinDbg prints it (lowercase; string ops carry no size suffix in the
   *  operands form, e.g. `stos` with `qword ptr [rdi]`; see the disassembler). */
  mnemonic: string;
  /** Key of the semantics function in the executor's table (e.g. 'add', 'jcc', 'syscall'). */
  op: string;
  operands: Operand[];
  /** Effective operand size (bytes) and address size (bytes). */
  opSize: Size;
  addrSize: 4 | 8;
  prefixes: Prefixes;
  /** Condition code 0..15 for jcc / setcc / cmovcc (SDM Vol. 1 Appendix B, Table B-1). */
  cond?: number;
  /** Index of the opcode-table row that decoded it (for citations and tests). */
  row: number;
}

/** What the decoder returns for bytes that are not an instruction it knows: the executor raises
 *  #UD (SDM Vol. 3A §6.15, interrupt 6) without touching anything else. */
export interface Undecodable {
  address: bigint;
  invalid: true;
  /** How many bytes were consumed before the decoder gave up (for `u`'s `???` line). */
  length: number;
  reason: string;
  /** Set when the bytes are an instruction longer than 15 bytes: that raises #GP(0), not #UD
   *  (SDM Vol. 3A §6.15, "Interrupt 13—General Protection Exception": "exceeding the instruction
   *  length limit of 15 bytes"). */
  tooLong?: true;
}

export type DecodeResult = Instruction | Undecodable;

/** The decoder reads bytes through this callback so that an instruction fetch that crosses into an
 *  unmapped page faults on the page it really touches (SDM Vol. 3A §4.7). It may throw the
 *  executor's fault object; the decoder must let it propagate. */
export type FetchByte = (offsetFromStart: number) => number;
