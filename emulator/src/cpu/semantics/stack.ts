// Stack instructions (SDM Vol. 2B PUSH, POP, PUSHF/PUSHFQ, POPF/POPFQ; Vol. 2A LEAVE).

import type { Semantics } from '../machine.ts';
import { K_SREG, K_MEM } from '../machine.ts';
import { CF, PF, AF, ZF, SF, TF, IF, DF, OF, IOPL, NT, AC, ID, RESERVED1, RF, VM } from '../state.ts';
import { loadSegment } from '../segments.ts';

const push: Semantics = (m, d) => {
  const o = d.o[0];
  if (o.kind === K_SREG) { m.push64(m.segSel[o.reg], 0); return; } // zero-extended selector
  const lo = m.rd(o, d);
  const size = d.size; // 8, or 2 with a 66 prefix (an imm operand is already sized to it)
  m.pushN(size, lo, size === 8 ? m.rhi : 0);
};

const pop: Semantics = (m, d) => {
  const o = d.o[0];
  const size = o.kind === K_SREG ? 8 : d.size;
  const lo = m.peek(0, size), hi = m.rhi;
  if (o.kind === K_SREG) {
    loadSegment(m, o.reg, lo & 0xffff, false);
    m.addRsp(8);
    return;
  }
  // RSP is incremented before a memory destination's address is computed (SDM POP "Operation").
  const r = m.r;
  const sl = r[8], sh = r[9];
  m.addRsp(size);
  if (o.kind === K_MEM) {
    try { m.wr(o, d, lo, hi); } catch (e) { r[8] = sl; r[9] = sh; throw e; }
  } else m.setGpr(o.reg, size, false, lo, hi);
};

/** PUSHF: the image has VM and RF cleared (SDM Vol. 2B PUSHF). */
const pushf: Semantics = (m, d) => {
  const img = m.rflags & ~(VM | RF);
  m.pushN(d.size, d.size === 2 ? img & 0xffff : img >>> 0, 0);
};

/** POPF in 64-bit mode (SDM Vol. 2B POPF "Operation"): IOPL only at CPL 0, IF only when
 *  CPL <= IOPL; VIP, VIF, VM and RF are cleared/unaffected; reserved bits keep their values. */
const popf: Semantics = (m, d) => {
  const size = d.size;
  const v = m.peek(0, size);
  const iopl = (m.rflags & IOPL) >>> 12;
  let mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT;
  if (size !== 2) mask |= AC | ID;
  if (m.cpl === 0) mask |= IOPL;
  if (m.cpl <= iopl) mask |= IF;
  m.addRsp(size);
  m.rflags = ((m.rflags & ~mask & ~RF) | (v & mask) | RESERVED1) >>> 0;
};

/** LEAVE: RSP <- RBP, then pop RBP (SDM Vol. 2A LEAVE). */
const leave: Semantics = (m) => {
  const r = m.r;
  const bl = r[10], bh = r[11];
  const sl = r[8], sh = r[9];
  r[8] = bl; r[9] = bh;
  try {
    const lo = m.peek(0, 8), hi = m.rhi;
    m.addRsp(8);
    r[10] = lo; r[11] = hi;
  } catch (e) { r[8] = sl; r[9] = sh; throw e; }
};

export const STACK: Record<string, Semantics> = { push, pop, pushf, popf, leave };
