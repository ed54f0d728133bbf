// Stack instructions (SDM Vol. 2B PUSH, POP, PUSHF/PUSHFQ, POPF/POPFQ; Vol. 2A LEAVE).

import type { Semantics } from '../machine.ts';
import { K_SREG, K_MEM } from '../machine.ts';
import { CF, PF, AF, ZF, SF, TF, IF, DF, OF, IOPL, NT, AC, ID, RESERVED1, RF, VM } from '../state.ts';
import { loadSegment } from '../segments.ts';
import { CpuFault, SS as SS_VEC } from '../fault.ts';

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

/** ENTER imm16, imm8 (SDM Vol. 2A ENTER, 64-bit mode): push RBP, copy NestingLevel - 1 frame
 *  pointers from the enclosing frame, push the new frame pointer, RBP <- it, RSP -= AllocSize.
 *  The pushes are checked before any is written; the final RSP after them (see below). */
const enter: Semantics = (m, d) => {
  const size = d.size; // 8, or 2 with 66
  const alloc = d.o[0].lo & 0xffff, level = d.o[1].lo & 31;
  const r = m.r;
  const rsp = m.getReg('rsp'), rbp = m.getReg('rbp');
  const n = BigInt(size);
  const reads: bigint[] = [];
  for (let i = 1; i < level; i++) reads.push(size === 8 ? rbp - BigInt(i) * n : (rbp & ~0xffffn) | BigInt.asUintN(16, rbp - BigInt(i) * n));
  const pushes = 1 + (level > 0 ? level : 0);
  const frame = rsp - n; // RSP after pushing RBP
  const lin = (v: bigint): number => {
    const a = BigInt.asIntN(64, v);
    if (a >= 0x800000000000n || a < -0x800000000000n) throw new CpuFault(SS_VEC, 0, 'non-canonical stack address');
    return Number(a);
  };
  // Reads of the enclosing frame, then the writes, in the order the pseudo-code makes them.
  const values: Array<[number, number]> = [[r[10], r[11]]];
  for (const a of reads) { const lo = m.read(lin(a), size); values.push([lo, m.rhi]); }
  if (level > 0) values.push([Number(BigInt.asUintN(32, frame)), Number(BigInt.asUintN(32, frame >> 32n))]);
  for (let k = 0; k < pushes; k++) { m.page(lin(rsp - BigInt(k + 1) * n), 1, false); m.page(lin(rsp - BigInt(k + 1) * n + n - 1n), 1, false); }
  const newRsp = BigInt.asUintN(64, frame - BigInt(pushes - 1) * n - BigInt(alloc));
  for (let k = 0; k < pushes; k++) m.write(lin(rsp - BigInt(k + 1) * n), size, size === 2 ? values[k][0] & 0xffff : values[k][0], size === 2 ? 0 : values[k][1]);
  // #PF "if a write using the final value of the stack pointer ... would cause a page fault"
  // (SDM Vol. 2A ENTER, Protected Mode Exceptions). Intel processors check it after the pushes,
  // which stay in memory below RSP when it faults (the fuzzer's host shows both); the registers
  // are unchanged.
  m.page(lin(newRsp), 1, false);
  if (size === 8) m.setReg('rbp', BigInt.asUintN(64, frame));
  else m.setGpr(5, 2, false, Number(frame & 0xffffn), 0);
  m.setReg('rsp', newRsp);
};

export const STACK: Record<string, Semantics> = { push, pop, pushf, popf, leave, enter };
