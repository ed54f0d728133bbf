// Integer arithmetic and logic (SDM Vol. 2A ADD, ADC, AND, CMP, DEC, INC; Vol. 2B NEG, NOT, OR, SBB,
// SUB, TEST, XOR). Destination first, as the opcode table orders operands.

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { add, sub, logicFlags, MASK } from '../flags.ts';
import { CF, STATUS_FLAGS } from '../state.ts';

/** Generic form that restores flags when the memory write faults (faults leave state unchanged,
 *  SDM Vol. 3A §6.5: a fault is reported before the instruction changes anything). */
function aluOp(kind: string): Semantics {
  const store = kind !== 'cmp' && kind !== 'test';
  return (m: Machine, d: Decoded): void => {
    const dst = d.o[0], src = d.o[1];
    const size = dst.size;
    const before = m.rflags;
    const la = m.loc(dst, d);
    const a = m.rdAt(dst, la), ah = m.rhi;
    const b = m.rd(src, d), bh = m.rhi;
    let r: number, rh: number;
    switch (kind) {
      case 'add': r = add(m, a, ah, b, bh, 0, size); rh = m.rhi; break;
      case 'adc': r = add(m, a, ah, b, bh, before & CF, size); rh = m.rhi; break;
      case 'sub': case 'cmp': r = sub(m, a, ah, b, bh, 0, size); rh = m.rhi; break;
      case 'sbb': r = sub(m, a, ah, b, bh, before & CF, size); rh = m.rhi; break;
      case 'and': case 'test': r = (a & b) >>> 0; rh = (ah & bh) >>> 0; logicFlags(m, r, rh, size); break;
      case 'or': r = (a | b) >>> 0; rh = (ah | bh) >>> 0; logicFlags(m, r, rh, size); break;
      default: r = (a ^ b) >>> 0; rh = (ah ^ bh) >>> 0; logicFlags(m, r, rh, size); break;
    }
    if (!store) return;
    if (dst.kind === 1) {
      const after = m.rflags;
      m.rflags = before;
      m.wrAt(dst, la, r, rh);
      m.rflags = after;
    } else m.wrAt(dst, la, r, rh);
  };
}

/** INC / DEC: like ADD/SUB 1 but CF is not affected (SDM Vol. 2A INC, DEC). */
function incdec(isInc: boolean): Semantics {
  return (m: Machine, d: Decoded): void => {
    const dst = d.o[0];
    const before = m.rflags;
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
  add: aluOp('add'), adc: aluOp('adc'), sub: aluOp('sub'), sbb: aluOp('sbb'), cmp: aluOp('cmp'),
  and: aluOp('and'), or: aluOp('or'), xor: aluOp('xor'), test: aluOp('test'),
  inc: incdec(true), dec: incdec(false), neg, not,
};
