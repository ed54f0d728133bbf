// Stack instructions (SDM Vol. 2B PUSH, POP, PUSHF/PUSHFQ, POPF/POPFQ; Vol. 2A LEAVE).

import type { Semantics } from '../machine.ts';
import { K_SREG, K_MEM } from '../machine.ts';
import { CF, PF, AF, ZF, SF, TF, IF, DF, OF, IOPL, NT, AC, ID, RESERVED1, RF, VM } from '../state.ts';
import { loadSegment } from '../segments.ts';
import { CpuFault, SS as SS_VEC } from '../fault.ts';

const push: Semantics = (m, d) => {
  const o = d.o[0];
  // PUSH FS/GS: the selector zero-extended to 64 bits, or 16 bits with a 66 prefix (SDM PUSH).
  if (o.kind === K_SREG) { m.pushN(d.size, m.segSel[o.reg], 0); return; }
  const lo = m.rd(o, d);
  const size = d.size; // 8, or 2 with a 66 prefix (an imm operand is already sized to it)
  m.pushN(size, lo, size === 8 ? m.rhi : 0);
};

const pop: Semantics = (m, d) => {
  const o = d.o[0];
  const size = d.size; // 8, or 2 with a 66 prefix (POP FS/GS then pops 16 bits, SDM POP)
  const lo = m.peek(0, size), hi = m.rhi;
  if (o.kind === K_SREG) {
    loadSegment(m, o.reg, lo & 0xffff, false);
    m.addRsp(size);
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

/** LEAVE: RSP <- RBP, then pop RBP, or BP alone with a 66 prefix (SDM Vol. 2A LEAVE, 64-bit
 *  mode: "IF OperandSize = 16 THEN BP <- Pop()"; RBP's upper bits stay). */
const leave: Semantics = (m, d) => {
  const r = m.r;
  const bl = r[10], bh = r[11];
  const sl = r[8], sh = r[9];
  r[8] = bl; r[9] = bh;
  try {
    const size = d.size;
    const lo = m.peek(0, size), hi = m.rhi;
    m.addRsp(size);
    if (size === 2) r[10] = ((bl & 0xffff0000) | lo) >>> 0;
    else { r[10] = lo; r[11] = hi; }
  } catch (e) { r[8] = sl; r[9] = sh; throw e; }
};

/** ENTER imm16, imm8 (SDM Vol. 2A ENTER, 64-bit mode), in the pseudo-code's order: push RBP, copy
 *  NestingLevel - 1 frame pointers from the enclosing frame, push the new frame pointer, then
 *  RBP <- it and RSP -= AllocSize, with #PF "if a write using the final value of the stack pointer
 *  ... would cause a page fault". RBP and RSP change only at the end; a fault part-way leaves the
 *  pushes made so far in memory below RSP, as the host processor does (differential fuzzer). */
const enter: Semantics = (m, d) => {
  const size = d.size; // 8, or 2 with 66
  const alloc = d.o[0].lo & 0xffff, level = d.o[1].lo & 31;
  const n = BigInt(size);
  const lin = (v: bigint): number => {
    const a = BigInt.asIntN(64, v);
    if (a >= 0x800000000000n || a < -0x800000000000n) throw new CpuFault(SS_VEC, 0, 'non-canonical stack address');
    return Number(a);
  };
  let sp = m.getReg('rsp');
  const push = (lo: number, hi: number): void => {
    sp = BigInt.asUintN(64, sp - n);
    m.write(lin(sp), size, size === 2 ? lo & 0xffff : lo, size === 2 ? 0 : hi);
  };
  const rbp = m.getReg('rbp');
  push(m.r[10], m.r[11]);
  const frame = sp;
  let bp = rbp;
  for (let i = 1; i < level; i++) {
    bp = size === 8 ? BigInt.asUintN(64, bp - n) : (bp & ~0xffffn) | BigInt.asUintN(16, bp - n);
    const lo = m.read(lin(bp), size);
    push(lo, m.rhi);
  }
  if (level > 0) push(Number(frame & 0xffffffffn), Number(frame >> 32n));
  const newRsp = BigInt.asUintN(64, sp - BigInt(alloc));
  m.page(lin(newRsp), 1, false);
  if (size === 8) m.setReg('rbp', frame);
  else m.setGpr(5, 2, false, Number(frame & 0xffffn), 0);
  m.setReg('rsp', newRsp);
};

export const STACK: Record<string, Semantics> = { push, pop, pushf, popf, leave, enter };
