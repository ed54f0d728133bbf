// Integer arithmetic and logic (SDM Vol. 2A ADD, ADC, AND, CMP, DEC, INC; Vol. 2B NEG, NOT, OR, SBB,
// SUB, TEST, XOR). Destination first, as the opcode table orders operands.

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { K_REG, K_IMM, K_MEM } from '../machine.ts';
import { add, sub, logicFlags, MASK } from '../flags.ts';
import { CF, STATUS_FLAGS } from '../state.ts';

const ADD = 0, ADC = 1, SUB = 2, SBB = 3, CMP = 4, AND = 5, OR = 6, XOR = 7, TEST = 8;

/** The eight ALU operations and TEST. Register operands of 32 and 64 bits are read from the
 *  register file directly (the common case); other forms go through the generic accessors. A
 *  faulting memory store leaves the flags as they were (SDM Vol. 3A §6.5: faults are restartable). */
function aluOp(k: number): Semantics {
  const store = k !== CMP && k !== TEST;
  return (m: Machine, d: Decoded): void => {
    const dst = d.o[0], src = d.o[1];
    const size = dst.size;
    const before = m.rflags;
    const r = m.r;
    let a: number, ah: number, b: number, bh: number;
    let la = NaN;
    const fast = dst.kind === K_REG && size >= 4;
    if (fast) { a = r[2 * dst.reg]; ah = size === 8 ? r[2 * dst.reg + 1] : 0; }
    else if (store) { la = m.loc(dst, d); a = m.rdAt(dst, la); ah = m.rhi; } // RMW: translated as a write
    else { a = m.rd(dst, d); ah = m.rhi; } // CMP/TEST only read
    if (src.kind === K_IMM) { b = src.lo; bh = src.hi; }
    else if (src.kind === K_REG && size >= 4) { b = r[2 * src.reg]; bh = size === 8 ? r[2 * src.reg + 1] : 0; }
    else { b = m.rd(src, d); bh = m.rhi; }
    let res: number, rh: number;
    switch (k) {
      case ADD: res = add(m, a, ah, b, bh, 0, size); rh = m.rhi; break;
      case ADC: res = add(m, a, ah, b, bh, before & CF, size); rh = m.rhi; break;
      case SUB: case CMP: res = sub(m, a, ah, b, bh, 0, size); rh = m.rhi; break;
      case SBB: res = sub(m, a, ah, b, bh, before & CF, size); rh = m.rhi; break;
      case AND: case TEST: res = (a & b) >>> 0; rh = (ah & bh) >>> 0; logicFlags(m, res, rh, size); break;
      case OR: res = (a | b) >>> 0; rh = (ah | bh) >>> 0; logicFlags(m, res, rh, size); break;
      default: res = (a ^ b) >>> 0; rh = (ah ^ bh) >>> 0; logicFlags(m, res, rh, size); break;
    }
    if (!store) return;
    if (fast) { r[2 * dst.reg] = res; r[2 * dst.reg + 1] = rh; return; } // size 4: rh is 0 (zero-extension)
    if (dst.kind === K_MEM) {
      const after = m.rflags;
      m.rflags = before;
      m.wrAt(dst, la, res, rh);
      m.rflags = after;
    } else m.wrAt(dst, la, res, rh);
  };
}

/** INC / DEC: like ADD/SUB 1 but CF is not affected (SDM Vol. 2A INC, DEC). */
function incdec(isInc: boolean): Semantics {
  return (m: Machine, d: Decoded): void => {
    const dst = d.o[0];
    const before = m.rflags;
    if (dst.kind === K_REG && dst.size >= 4) {
      const regs = m.r, i = 2 * dst.reg, ah = dst.size === 8 ? regs[i + 1] : 0;
      const res = isInc ? add(m, regs[i], ah, 1, 0, 0, dst.size) : sub(m, regs[i], ah, 1, 0, 0, dst.size);
      regs[i] = res; regs[i + 1] = m.rhi;
      m.rflags = (m.rflags & ~CF) | (before & CF);
      return;
    }
    const la = m.loc(dst, d);
    const a = m.rdAt(dst, la), ah = m.rhi;
    const r = isInc ? add(m, a, ah, 1, 0, 0, dst.size) : sub(m, a, ah, 1, 0, 0, dst.size);
    const rh = m.rhi;
    const after = (m.rflags & ~CF) | (before & CF);
    m.rflags = before;
    m.wrAt(dst, la, r, rh);
    m.rflags = after;
  };
}

/** NEG: 0 - dest; CF = (dest != 0) (SDM Vol. 2B NEG). */
const neg: Semantics = (m, d) => {
  const dst = d.o[0];
  const before = m.rflags;
  const la = m.loc(dst, d);
  const a = m.rdAt(dst, la), ah = m.rhi;
  const r = sub(m, 0, 0, a, ah, 0, dst.size);
  const rh = m.rhi;
  const after = m.rflags;
  m.rflags = before;
  m.wrAt(dst, la, r, rh);
  m.rflags = after;
};

/** NOT: one's complement, no flags (SDM Vol. 2B NOT). */
const not: Semantics = (m, d) => {
  const dst = d.o[0];
  const la = m.loc(dst, d);
  const a = m.rdAt(dst, la), ah = m.rhi;
  const size = dst.size;
  m.wrAt(dst, la, size === 8 ? ~a >>> 0 : (~a & MASK[size]) >>> 0, size === 8 ? ~ah >>> 0 : 0);
};

void STATUS_FLAGS;

export const ALU: Record<string, Semantics> = {
  add: aluOp(ADD), adc: aluOp(ADC), sub: aluOp(SUB), sbb: aluOp(SBB), cmp: aluOp(CMP),
  and: aluOp(AND), or: aluOp(OR), xor: aluOp(XOR), test: aluOp(TEST),
  inc: incdec(true), dec: incdec(false), neg, not,
};
