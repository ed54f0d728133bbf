// The size in bytes of one operand, from its size suffix in the opcode table (opcodes.ts; the
// suffixes follow the SDM's operand-type codes, Vol. 2D §A.2.2, with `t` and `x` the table's own):
// the one reading for the decoder taking an instruction apart and the assembler choosing one.
import type { Size } from './instruction.ts';

/** `opSize` is the instruction's operand size (the assembler passes 0 while it cannot tell yet);
 *  0 comes back for an operand without a size (`n`, the fixed operands). */
export function operandSizeOf(code: string, opSize: Size, isMem: boolean): Size | 0;
export function operandSizeOf(code: string, opSize: number, isMem: boolean): number;
export function operandSizeOf(code: string, opSize: number, isMem: boolean): number {
  switch (code) {
    case 'b': return 1;
    case 'w': return 2;
    case 'd': return 4;
    case 'q': return 8;
    case 'v': case 'y': case 's': return opSize;
    // Iz: an immediate is at most 32 bits, sign-extended at operand size 64 (Vol. 2D §A.2.2 `z`).
    case 'z': return opSize === 8 ? 4 : opSize;
    // LGDT/SGDT and LIDT/SIDT: 2-byte limit + 8-byte base in 64-bit mode (Vol. 2A, LGDT/LIDT).
    case 't': return 10;
    // MOV to/from Sreg, STR: a memory operand is always a word (Vol. 2B, MOV "Move to/from Segment Registers").
    case 'x': return isMem ? 2 : opSize;
    // CRC32's destination: 32 bits, 64 with REX.W (Vol. 2A CRC32); 66 sizes only the source.
    case 'r': return opSize === 8 ? 8 : 4;
    // CMPXCHG8B / CMPXCHG16B (Vol. 2A): m64, or m128 with REX.W.
    case 'c': return opSize === 8 ? 16 : 8;
    default: return 0;
  }
}
