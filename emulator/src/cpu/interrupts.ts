// Interrupt and exception delivery in 64-bit mode (SDM Vol. 3A §6.14; Vol. 2A INT n pseudo-code,
// IA-32e branch) and the double-fault / triple-fault rules (§6.15, Tables 6-4 and 6-5).

import type { Machine, StopReason } from './machine.ts';
import { CpuFault, GP, NP, SS as SS_VEC, TS, DF, PF, VECTOR_NAMES, faultClass, pushesErrorCode } from './fault.ts';
import type { StackChoice } from './events.ts';
import { TWO32, TF, NT, RF, VM, IF, CS, SS, ATTR_P, ATTR_S, ATTR_L, ATTR_DB, attrDpl, isCanonicalPair, linearToBig, pairToBig } from './state.ts';
import { readDescriptor, descAttr } from './segments.ts';

export interface DeliveryOptions {
  /** INT n, INT3, INTO: the gate's DPL is checked against CPL (§6.12.1.1). */
  soft: boolean;
  /** The event is external to the program (EXT bit of error codes, §6.13). */
  ext: boolean;
  /** RIP pushed in the frame: the faulting instruction for faults, the next one for traps. */
  returnRip: number;
  /** Fault-class exceptions push RF=1 (§18.3.1.1). */
  isFault: boolean;
}

/** Reads 8 bytes of the current TSS with an implicit supervisor access; #TS if beyond the limit
 *  (§7.7, Figure 7-11 for the 64-bit TSS layout). */
function readTss(m: Machine, offset: number, ext: number): number {
  if (offset + 7 > m.trLimit) throw new CpuFault(TS, (m.trSel & 0xfffc) | ext, `TSS offset ${offset.toString(16)} beyond TSS limit`);
  const lo = m.read(m.trBase + offset, 4, true);
  const hi = m.read(m.trBase + offset + 4, 4, true);
  if (!isCanonicalPair(hi)) throw new CpuFault(SS_VEC, ext, 'non-canonical stack pointer in the TSS');
  return (hi | 0) * TWO32 + lo;
}

/** Delivers one event through the IDT. Throws a CpuFault if delivery itself faults; nothing
 *  architectural (registers, CPL) changes in that case. */
export function deliverEvent(m: Machine, vector: number, errorCode: number, o: DeliveryOptions): void {
  const ext = o.ext ? 1 : 0;
  const idtErr = vector * 8 + 2 + ext; // IDT flag set, index = vector (§6.13, Figure 6-7)
  // §6.14.1: 16-byte gates; the whole gate must lie within the IDT limit.
  if (vector * 16 + 15 > m.idtrLimit) throw new CpuFault(GP, idtErr, `IDT limit too small for vector ${vector}`);
  const gate = m.idtrBase + vector * 16;
  const d0 = m.read(gate, 4, true);
  const d1 = m.read(gate + 4, 4, true);
  const d2 = m.read(gate + 8, 4, true);
  const type = (d1 >>> 8) & 0xf;
  const gateDpl = (d1 >>> 13) & 3;
  const present = (d1 >>> 15) & 1;
  const ist = d1 & 7;
  // Only 64-bit interrupt (0Eh) and trap (0Fh) gates exist in IA-32e mode (§6.14.1).
  if (type !== 0xe && type !== 0xf) throw new CpuFault(GP, idtErr, `IDT entry ${vector} is not an interrupt or trap gate`);
  // Software interrupts check the gate DPL against CPL (§6.12.1.1; INT n pseudo-code).
  if (o.soft && gateDpl < m.cpl) throw new CpuFault(GP, vector * 8 + 2, `gate DPL ${gateDpl} < CPL ${m.cpl}`);
  if (!present) throw new CpuFault(NP, idtErr, `IDT entry ${vector} not present`);
  const sel = d0 >>> 16;
  if ((sel & 0xfffc) === 0) throw new CpuFault(GP, ext, 'null code selector in IDT gate');
  const [dlo, dhi] = readDescriptor(m, sel, ext);
  const attr = descAttr(dhi);
  const codeDpl = attrDpl(attr);
  // Target must be a 64-bit code segment with DPL <= CPL (INT n pseudo-code, IA-32e mode).
  if (!(attr & ATTR_S) || !(attr & 8) || codeDpl > m.cpl || !(attr & ATTR_L) || (attr & ATTR_DB)) {
    throw new CpuFault(GP, (sel & 0xfffc) | ext, `IDT gate ${vector} selector ${sel.toString(16)} is not a 64-bit code segment usable at CPL ${m.cpl}`);
  }
  if (!(attr & ATTR_P)) throw new CpuFault(NP, (sel & 0xfffc) | ext, `code segment ${sel.toString(16)} not present`);
  void dlo;
  const conforming = (attr & 4) !== 0;
  const oldCpl = m.cpl;
  const newCpl = conforming ? oldCpl : codeDpl;
  const offLo = ((d1 & 0xffff0000) | (d0 & 0xffff)) >>> 0;
  if (!isCanonicalPair(d2)) throw new CpuFault(GP, ext, `IDT gate ${vector} target not canonical`);
  const target = (d2 | 0) * TWO32 + offLo;

  // Stack selection (§6.14.4, §6.14.5): IST always switches; else RSPn on a privilege change.
  let rsp: number;
  let stack: StackChoice;
  const r = m.r;
  const oldRspLo = r[8], oldRspHi = r[9];
  if (ist !== 0) { rsp = readTss(m, 0x24 + (ist - 1) * 8, ext); stack = `ist${ist}`; }
  else if (newCpl < oldCpl) { rsp = readTss(m, 4 + newCpl * 8, ext); stack = `rsp${newCpl}` as StackChoice; }
  else {
    if (!isCanonicalPair(oldRspHi)) throw new CpuFault(SS_VEC, ext, 'non-canonical RSP');
    rsp = (oldRspHi | 0) * TWO32 + oldRspLo; stack = 'none';
  }
  // 16-byte alignment of the new stack, always in IA-32e mode (§6.14.2).
  rsp = rsp - (((rsp % 16) + 16) % 16);

  let flagsImage = m.rflags;
  if (o.isFault) flagsImage |= RF; // §18.3.1.1: RF=1 in the image for faults
  const hasErr = errorCode >= 0;
  const frame = [m.segSel[SS], null, flagsImage >>> 0, m.segSel[CS], null];
  // The pushes are ordinary (explicit) accesses made at the new CPL (§6.14.2; SMAP §4.6.1).
  const savedCpl = m.cpl;
  m.cpl = newCpl;
  try {
    let a = rsp;
    const push = (lo: number, hi: number): void => { a -= 8; m.write(a, 8, lo, hi); };
    push(frame[0] as number, 0);
    push(oldRspLo, oldRspHi);
    push(frame[2] as number, 0);
    push(frame[3] as number, 0);
    push(o.returnRip >>> 0, Math.floor(o.returnRip / TWO32) >>> 0);
    if (hasErr) push(errorCode >>> 0, 0);
    rsp = a;
  } catch (e) {
    m.cpl = savedCpl;
    throw e;
  }
  // Commit: CS, CPL, SS (null with RPL = new CPL on a privilege change), RSP, RFLAGS, RIP.
  m.segSel[CS] = (sel & 0xfffc) | newCpl;
  m.segBase[CS] = 0; m.segLimit[CS] = 0xffffffff; m.segAttr[CS] = attr;
  if (newCpl !== oldCpl) {
    m.segSel[SS] = newCpl; m.segBase[SS] = 0; m.segLimit[SS] = 0; m.segAttr[SS] = 0;
  }
  m.cpl = newCpl;
  r[8] = rsp >>> 0; r[9] = Math.floor(rsp / TWO32) >>> 0;
  // §6.12.1.3: TF, NT, RF, VM cleared; interrupt gates also clear IF. AC is not changed.
  m.rflags &= ~(TF | NT | RF | VM | (type === 0xe ? IF : 0));
  m.rip = target;
  m.event({
    kind: 'exception-delivered', vector, name: VECTOR_NAMES[vector] ?? (o.soft ? `int ${vector.toString(16)}h` : `vector ${vector}`),
    errorCode: hasErr ? errorCode : null, fromCpl: oldCpl, toCpl: newCpl, stack, rsp: linearToBig(rsp), handler: linearToBig(target),
    gate: type === 0xe ? 'interrupt' : 'trap', returnRip: linearToBig(o.returnRip),
  }, stack === 'none' ? 'SDM Vol. 3A §6.14.2 (64-bit frame, 16-byte aligned, no stack switch)'
    : stack.startsWith('ist') ? 'SDM Vol. 3A §6.14.5 (Interrupt Stack Table)' : 'SDM Vol. 3A §6.14.4 (stack switch to TSS.RSPn)');
  if (newCpl !== oldCpl) m.event({ kind: 'cpl-change', from: oldCpl, to: newCpl, cause: `delivery of vector ${vector}` }, 'SDM Vol. 3A §6.14.4');
}

/** Raises a processor exception: records it, sets CR2 for #PF, and delivers it, turning faults
 *  during delivery into #DF or a triple fault per Table 6-5. */
export function raiseException(m: Machine, f: CpuFault, returnRip: number, isTrap: boolean): StopReason | null {
  let vector = f.vector;
  let err = pushesErrorCode(vector) ? f.errorCode : -1;
  // EXT = 1: a fault while delivering this exception happens during delivery of an event
  // external to the program (SDM Vol. 3A §6.13); only INT n / INT3 deliver with EXT = 0.
  const ext = true;
  // RF = 1 in the frame of every fault but an instruction breakpoint's (SDM Vol. 3B §18.3.1.1).
  let isFault = !isTrap && vector !== 3 && vector !== 4 && !f.codeBreakpoint;
  m.recordRaised(f);
  // CR2 is loaded when the page fault is detected (§6.15, Interrupt 14).
  if (vector === PF) { m.cr2lo = f.address >>> 0; m.cr2hi = Math.floor(f.address / TWO32) >>> 0; }
  for (;;) {
    try {
      deliverEvent(m, vector, err, { soft: false, ext, returnRip, isFault });
      return null;
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      m.recordRaised(e);
      if (e.vector === PF) { m.cr2lo = e.address >>> 0; m.cr2hi = Math.floor(e.address / TWO32) >>> 0; }
      if (vector === DF) {
        // A fault while invoking the #DF handler: shutdown (§6.15, Interrupt 8).
        m.halted = 2;
        m.lastTriple = { first: DF, second: e.vector };
        m.event({ kind: 'triple-fault', first: DF, second: e.vector }, 'SDM Vol. 3A §6.15 (Interrupt 8: triple fault, shutdown)');
        return { kind: 'triple-fault', rip: pairToBig(returnRip >>> 0, Math.floor(returnRip / TWO32) >>> 0), first: DF, second: e.vector };
      }
      const c1 = faultClass(vector), c2 = faultClass(e.vector);
      if ((c1 === 'contributory' && c2 === 'contributory') || (c1 === 'page-fault' && c2 !== 'benign')) {
        m.event({ kind: 'double-fault', first: vector, second: e.vector }, 'SDM Vol. 3A §6.15, Table 6-5');
        vector = DF; err = 0;
      } else {
        // Handled serially: the second exception is delivered (its error code already carries
        // EXT where the format has one; a #PF error code has no EXT bit).
        vector = e.vector; err = pushesErrorCode(vector) ? e.errorCode : -1;
      }
      isFault = true;
    }
  }
}

/** INT n / INT3 / INTO (SDM Vol. 2A INT n): a software interrupt delivered with the DPL check.
 *  Faults during its delivery are faults of the INT instruction itself (RIP = the INT). */
export function softwareInterrupt(m: Machine, vector: number, returnRip: number): void {
  deliverEvent(m, vector, -1, { soft: true, ext: false, returnRip, isFault: false });
}
