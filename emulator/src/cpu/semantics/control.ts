// Control transfer (SDM Vol. 2A JMP, Jcc, CALL, INT n/INT3, IRET/IRETQ, HLT, LOOP/LOOPcc;
// Vol. 2B RET, SYSCALL, SYSRET, UD).

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { K_REL, K_REG } from '../machine.ts';
import { cond } from '../flags.ts';
import { CpuFault, GP, UD, NP, SS as SS_VEC } from '../fault.ts';
import {
  TWO32, CANON_LIMIT, ZF, RF, VM, IF, IOPL, NT, RESERVED1, EFER_SCE, CS, SS, ES, DS, FS, GS,
  ATTR_P, ATTR_S, ATTR_L, ATTR_DB, ATTR_G, attrDpl, isCanonicalPair, linearToBig,
} from '../state.ts';
import { softwareInterrupt } from '../interrupts.ts';
import { readDescriptor, descAttr, descBase, descLimit } from '../segments.ts';

function checkTarget(t: number): number {
  if (Number.isNaN(t) || t >= CANON_LIMIT || t < -CANON_LIMIT) throw new CpuFault(GP, 0, 'branch target not canonical');
  return t;
}

/** Target of a near branch: rel (resolved by the decoder) or r/m64 (absolute). */
function target(m: Machine, d: Decoded): number {
  const o = d.o[0];
  if (o.kind === K_REL) return checkTarget(o.target);
  const lo = m.rd(o, d), hi = m.rhi;
  if (!isCanonicalPair(hi)) throw new CpuFault(GP, 0, 'branch target not canonical');
  return (hi | 0) * TWO32 + lo;
}

const jmp: Semantics = (m, d) => { m.rip = target(m, d); };
const jcc: Semantics = (m, d) => { if (cond(m.rflags, d.cond)) m.rip = checkTarget(d.o[0].target); };

/** CALL near: the target is checked before the return address is pushed (SDM CALL "Operation"). */
const call: Semantics = (m, d) => {
  const t = target(m, d);
  m.push64(d.nextLo, d.nextHi);
  m.rip = t;
};

/** RET near [imm16] (SDM Vol. 2B RET). */
const ret: Semantics = (m, d) => {
  const lo = m.peek(0, 8), hi = m.rhi;
  if (!isCanonicalPair(hi)) throw new CpuFault(GP, 0, 'return address not canonical');
  const extra = d.o.length ? m.rd(d.o[0], d) & 0xffff : 0;
  m.addRsp(8 + extra);
  m.rip = (hi | 0) * TWO32 + lo;
};

/** LOOP / LOOPE / LOOPNE: decrement the count register (RCX, ECX with a 67 prefix) without
 *  touching flags (SDM Vol. 2A LOOP/LOOPcc). */
const loop: Semantics = (m, d) => {
  const r = m.r;
  let lo = r[2], hi = r[3];
  if (d.ins.addrSize === 4) { lo = (lo - 1) >>> 0; hi = 0; }
  else { hi = lo === 0 ? (hi - 1) >>> 0 : hi; lo = (lo - 1) >>> 0; }
  r[2] = lo; r[3] = hi;
  const c = d.cond;
  let take = (lo | hi) !== 0;
  if (c === 4) take = take && (m.rflags & ZF) !== 0;
  else if (c === 5) take = take && (m.rflags & ZF) === 0;
  if (take) m.rip = checkTarget(d.o[0].target);
};

const jrcxz: Semantics = (m, d) => {
  const r = m.r;
  const zero = d.ins.addrSize === 4 ? r[2] === 0 : (r[2] | r[3]) === 0;
  if (zero) m.rip = checkTarget(d.o[0].target);
};

/** INT3 / INT n: software interrupts, delivered with the gate-DPL check; the saved RIP is the
 *  next instruction (trap, SDM Vol. 3A §6.15 Interrupt 3). */
const int3: Semantics = (m, d) => { softwareInterrupt(m, 3, d.next); };
const int: Semantics = (m, d) => { softwareInterrupt(m, m.rd(d.o[0], d) & 0xff, d.next); };

/** HLT: CPL 0 only (SDM Vol. 2A HLT). */
const hlt: Semantics = (m) => {
  if (m.cpl !== 0) throw new CpuFault(GP, 0, 'HLT at CPL > 0');
  m.halted = 1;
};

const ud2: Semantics = () => { throw new CpuFault(UD, 0, 'UD2'); };

/** IRET/IRETQ in 64-bit mode (SDM Vol. 2A IRET "Operation", IA-32e mode; Vol. 3A §6.14.3): pops
 *  RIP, CS, RFLAGS, RSP and SS unconditionally. Only returns to 64-bit code are modeled. */
const iret: Semantics = (m, d) => {
  // IA-32e mode: "IF NT = 1 THEN #GP(0)" comes before any pop (SDM Vol. 2A IRET, Operation).
  if (m.rflags & NT) throw new CpuFault(GP, 0, 'IRET with RFLAGS.NT set in IA-32e mode (task return is not supported)');
  const size = d.size;
  const rd = (k: number): [number, number] => { const lo = m.peek(k * size, size); return [lo, m.rhi]; };
  const [ripLo, ripHi0] = rd(0);
  const ripHi = size === 8 ? ripHi0 : 0;
  const csSel = rd(1)[0] & 0xffff;
  const flags = rd(2)[0];
  const [rspLo, rspHi0] = rd(3);
  const rspHi = size === 8 ? rspHi0 : 0;
  const ssSel = rd(4)[0] & 0xffff;
  const cpl = m.cpl;
  const rpl = csSel & 3;
  if ((csSel & 0xfffc) === 0) throw new CpuFault(GP, 0, 'IRET to a null CS');
  if (rpl < cpl) throw new CpuFault(GP, csSel & 0xfffc, 'IRET to a more privileged level');
  const [clo, chi] = readDescriptor(m, csSel);
  const cattr = descAttr(chi);
  if (!(cattr & ATTR_S) || !(cattr & 8)) throw new CpuFault(GP, csSel & 0xfffc, 'IRET CS is not a code segment');
  const conforming = (cattr & 4) !== 0;
  if ((!conforming && attrDpl(cattr) !== rpl) || (conforming && attrDpl(cattr) > rpl)) throw new CpuFault(GP, csSel & 0xfffc, 'IRET CS DPL does not match RPL');
  if (!(cattr & ATTR_P)) throw new CpuFault(NP, csSel & 0xfffc, 'IRET CS not present');
  if (!(cattr & ATTR_L) || (cattr & ATTR_DB)) throw new CpuFault(GP, csSel & 0xfffc, 'IRET to compatibility mode is not modeled');
  if (!isCanonicalPair(ripHi)) throw new CpuFault(GP, 0, 'IRET to a non-canonical RIP');
  // SS: a null SS is allowed only when returning to CPL < 3 in 64-bit mode.
  let sattr = 0, sbase = 0, slimit = 0;
  if ((ssSel & 0xfffc) === 0) {
    if (rpl === 3 || (ssSel & 3) !== rpl) throw new CpuFault(GP, 0, 'IRET with a null SS to CPL 3');
  } else {
    if ((ssSel & 3) !== rpl) throw new CpuFault(GP, ssSel & 0xfffc, 'IRET SS RPL differs from CS RPL');
    const [slo, shi] = readDescriptor(m, ssSel);
    sattr = descAttr(shi);
    if (!(sattr & ATTR_S) || (sattr & 8) || !(sattr & 2) || attrDpl(sattr) !== rpl) throw new CpuFault(GP, ssSel & 0xfffc, 'IRET SS is not a writable data segment at the return CPL');
    if (!(sattr & ATTR_P)) throw new CpuFault(SS_VEC, ssSel & 0xfffc, 'IRET SS not present');
    sbase = 0; slimit = descLimit(slo, shi);
  }
  // RFLAGS: IOPL only at CPL 0, IF only when CPL <= IOPL; VM stays 0 in 64-bit mode.
  const iopl = (m.rflags & IOPL) >>> 12;
  let mask = 0x3f7fd5 & ~VM & ~(0x180000); // status, TF, DF, NT, RF, AC, ID (VIF/VIP below)
  mask |= 0x180000; // VIF, VIP load at CPL 0 (no virtual-8086 in 64-bit mode)
  if (cpl !== 0) mask &= ~(IOPL | 0x180000);
  if (cpl > iopl) mask &= ~IF;
  if (size === 2) mask &= 0xffff;
  const newFlags = ((m.rflags & ~mask) | (flags & mask) | RESERVED1) >>> 0;
  // Commit.
  m.segSel[CS] = csSel; m.segBase[CS] = 0; m.segLimit[CS] = descLimit(clo, chi); m.segAttr[CS] = cattr;
  m.segSel[SS] = ssSel; m.segBase[SS] = sbase; m.segLimit[SS] = slimit; m.segAttr[SS] = sattr;
  m.r[8] = rspLo; m.r[9] = rspHi;
  m.rflags = newFlags;
  const target = (ripHi | 0) * TWO32 + ripLo;
  m.rip = target;
  if (rpl !== cpl) {
    m.cpl = rpl;
    // Returning outward: data segment registers the new CPL may not use are nulled (IRET
    // "RETURN-TO-OUTER-PRIVILEGE-LEVEL"); FS/GS bases are kept.
    for (const s of [ES, DS, FS, GS]) {
      const a = m.segAttr[s];
      const code = (a & 8) !== 0, conf = (a & 4) !== 0;
      if ((m.segSel[s] & 0xfffc) !== 0 && (!code || !conf) && attrDpl(a) < rpl) { m.segSel[s] = 0; m.segAttr[s] = 0; }
    }
  }
  void descBase;
  m.event({ kind: 'iretq', target: linearToBig(target), fromCpl: cpl, toCpl: rpl, rsp: linearToBig((rspHi | 0) * TWO32 + rspLo) }, 'SDM Vol. 2A IRET (IA-32e mode), Vol. 3A §6.14.3');
  if (rpl !== cpl) m.event({ kind: 'cpl-change', from: cpl, to: rpl, cause: 'iretq' }, 'SDM Vol. 2A IRET');
};

/** SYSCALL (SDM Vol. 2B SYSCALL "Operation", 64-bit mode): RCX <- RIP, R11 <- RFLAGS,
 *  RFLAGS &= ~FMASK, CS/SS from STAR[47:32] with fixed flat descriptors, CPL 0, RIP <- LSTAR.
 *  RSP is not changed. RF is cleared in R11 and RFLAGS (AMD APM; what processors do). */
const syscall: Semantics = (m, d) => {
  if (!(m.efer & EFER_SCE)) throw new CpuFault(UD, 0, 'SYSCALL with IA32_EFER.SCE = 0');
  const r = m.r;
  const from = m.cpl;
  r[2] = d.nextLo; r[3] = d.nextHi;
  r[22] = (m.rflags & ~RF) >>> 0; r[23] = 0;
  m.rflags = ((m.rflags & ~m.fmask & ~RF) | RESERVED1) >>> 0;
  const sel = m.starHi & 0xffff;
  m.segSel[CS] = sel & 0xfffc; m.segBase[CS] = 0; m.segLimit[CS] = 0xffffffff;
  m.segAttr[CS] = 0xb | ATTR_S | ATTR_P | ATTR_L | ATTR_G; // type 11, DPL 0, L=1, G=1
  m.segSel[SS] = (sel + 8) & 0xffff; m.segBase[SS] = 0; m.segLimit[SS] = 0xffffffff;
  m.segAttr[SS] = 0x3 | ATTR_S | ATTR_P | ATTR_DB | ATTR_G; // type 3, DPL 0, B=1, G=1
  m.cpl = 0;
  m.rip = m.lstar;
  m.event({ kind: 'syscall', returnRip: linearToBig(d.next), target: linearToBig(m.lstar), rflags: BigInt(m.rflags) }, 'SDM Vol. 2B SYSCALL');
  if (from !== 0) m.event({ kind: 'cpl-change', from, to: 0, cause: 'syscall' }, 'SDM Vol. 2B SYSCALL');
};

/** SYSRET to 64-bit mode, by vendor. Intel (SDM Vol. 2B SYSRET "Operation", June 2023,
 *  325462-080): #UD if IA32_EFER.SCE = 0; #GP(0) if CPL != 0; #GP(0) if RCX is not canonical,
 *  raised at CPL 0 before anything changes, so the handler runs at CPL 0 on whatever RSP and GS
 *  base the kernel had already restored. AMD (APM Vol. 3 "SYSRET", "Operation"): no canonical
 *  check; RIP <- RCX and the return completes, so a non-canonical RIP faults on the next fetch,
 *  at CPL 3; the SS selector is loaded but its hidden part is left as it was ("SS.base, limit,
 *  attr not changed"). Both: RFLAGS <- R11 with RF and VM cleared and bit 1 set (Intel's mask
 *  3C7FD7h; AMD clears RF/VM and keeps the reserved bits at their fixed values); CS from
 *  STAR[63:48] + 16, SS from STAR[63:48] + 8, RPL 3; CPL 3. RSP is not changed. */
const sysret: Semantics = (m, d) => {
  if (!(m.efer & EFER_SCE)) throw new CpuFault(UD, 0, 'SYSRET with IA32_EFER.SCE = 0');
  if (m.cpl !== 0) throw new CpuFault(GP, 0, 'SYSRET at CPL != 0');
  const r = m.r;
  const to64 = d.size === 8;
  if (!to64) throw new CpuFault(GP, 0, 'SYSRET to compatibility mode is not modeled');
  const amd = m.vendor === 'amd';
  if (!amd && !isCanonicalPair(r[3])) throw new CpuFault(GP, 0, 'SYSRET with a non-canonical RCX (Intel: #GP at CPL 0)');
  const base = m.starHi >>> 16;
  m.rflags = ((r[22] & 0x3c7fd7) | RESERVED1) >>> 0;
  m.segSel[CS] = ((base + 16) | 3) & 0xffff; m.segBase[CS] = 0; m.segLimit[CS] = 0xffffffff;
  m.segAttr[CS] = 0xb | ATTR_S | (3 << 5) | ATTR_P | ATTR_L | ATTR_G;
  m.segSel[SS] = ((base + 8) | 3) & 0xffff;
  if (!amd) { m.segBase[SS] = 0; m.segLimit[SS] = 0xffffffff; m.segAttr[SS] = 0x3 | ATTR_S | (3 << 5) | ATTR_P | ATTR_DB | ATTR_G; }
  m.cpl = 3;
  // A non-canonical RCX (AMD only) is kept as the double it reads as; fetch() faults on it.
  m.rip = (r[3] | 0) * TWO32 + r[2];
  const src = amd ? 'AMD APM Vol. 3 SYSRET' : 'SDM Vol. 2B SYSRET';
  m.event({ kind: 'sysret', target: BigInt.asUintN(64, (BigInt(r[3]) << 32n) | BigInt(r[2])), rflags: BigInt(m.rflags) }, src);
  m.event({ kind: 'cpl-change', from: 0, to: 3, cause: 'sysret' }, src);
};

void K_REG; void IF; void descBase;
export const CONTROL: Record<string, Semantics> = {
  jmp, jcc, call, ret, loop, jrcxz, int3, int, hlt, ud2, iret, syscall, sysret,
};
