// Hardware breakpoints: DR0-DR3 (addresses), DR6 (status), DR7 (control), as SDM Vol. 3B
// chapter 18 "Debug, Branch Profile, TSC, and Intel Resource Director Technology Features"
// specifies them (December 2024 edition, order no. 253669-086; Vol. 3B §18.2 "Debug Registers",
// §18.3.1 "Debug Exception (#DB)—Interrupt Vector 1").
//
// The machine keeps DR0-DR7 as bigints (`m.dr`); writing DR0-DR3 or DR7 (MOV DRn, `setDr`, undo,
// snapshot load) recomputes the armed breakpoints here, so the run loop pays for them only when
// DR7 enables one: with none enabled, `dbgArmed` is 0 and step() tests that one number.
//
// - Instruction breakpoints (R/Wn = 00) are faults, checked before the instruction at the linear
//   address of its first byte, suppressed while RFLAGS.RF = 1 (§18.3.1.1).
// - Data breakpoints (R/Wn = 01 writes, 11 reads or writes) are traps, reported after the
//   instruction that made the access completes (§18.3.1.2). Every byte of an access is compared
//   with the breakpoint's range, which is DRn with its low bits ignored as LENn says (§18.2.5).
// - R/Wn = 10 is an I/O breakpoint with CR4.DE = 1 and undefined otherwise (§18.2.4); this model
//   has no I/O instructions, so such a breakpoint never matches.

import type { Machine } from './machine.ts';
import { bigToLinear } from './state.ts';
import { PAGE_SIZE } from './memory.ts';

/** DR6 bits (§18.2.3): B0-B3, BD (debug-register access), BS (single step), BT (task switch). */
export const DR6_B_MASK = 0xf, DR6_BD = 1 << 13, DR6_BS = 1 << 14, DR6_BT = 1 << 15;
/** DR6 as the processor initialises it: reserved bits 4-11 and 16-31 read as 1 (bit 16 is RTM,
 *  1 when no RTM debugging is pending; §18.2.3, Figure 18-1). */
export const DR6_INIT = 0xffff0ff0n;
/** DR7 bits: L0/G0 .. L3/G3 (bits 0-7), GD (bit 13); R/Wn at 16+4n, LENn at 18+4n (§18.2.4). */
export const DR7_GD = 1 << 13;
/** DR7 as the processor initialises it: bit 10 reads as 1 (§18.2.4). */
export const DR7_INIT = 0x400n;

/** Breakpoint kind from R/Wn (§18.2.4). */
export const RW_EXECUTE = 0, RW_WRITE = 1, RW_IO = 2, RW_READWRITE = 3;

/** Length in bytes from LENn in 64-bit mode: 00 1, 01 2, 10 8, 11 4 (§18.2.4). */
export function lenBytes(lenField: number): number {
  return [1, 2, 8, 4][lenField & 3];
}
/** LENn field for a length in bytes (the inverse of lenBytes). */
export function lenField(bytes: number): number {
  return bytes === 1 ? 0 : bytes === 2 ? 1 : bytes === 8 ? 2 : 3;
}

/** One enabled breakpoint, decoded from DR7 and DRn. */
export interface ArmedBreakpoint {
  index: number;
  rw: number;
  /** First byte covered (DRn with its low LEN-1 bits cleared), as a linear address. */
  start: number;
  length: number;
}

/** What DR7 enables, recomputed whenever DR0-DR3 or DR7 change. */
export class DebugState {
  /** Bit n set when breakpoint n is enabled (Ln or Gn) with a canonical address. */
  armed = 0;
  exec: ArmedBreakpoint[] = [];
  data: ArmedBreakpoint[] = [];
  /** Virtual page numbers a data breakpoint covers; their accesses never get a TLB entry, so each
   *  one comes through the slow path that compares it (see Machine.tlbFill). */
  readonly watchedPages = new Set<number>();
}

/** Decodes DR7 and DR0-DR3 into the armed breakpoints; drops TLB entries of watched pages. */
export function updateDebugState(m: Machine): void {
  const s = m.debug;
  m.drWrites++;
  const dr7 = Number(m.dr[7] & 0xffffffffn);
  s.exec = []; s.data = []; s.watchedPages.clear(); s.armed = 0;
  for (let n = 0; n < 4; n++) {
    if (((dr7 >>> (2 * n)) & 3) === 0) continue;
    const rw = (dr7 >>> (16 + 4 * n)) & 3;
    const length = rw === RW_EXECUTE ? 1 : lenBytes(dr7 >>> (18 + 4 * n));
    const la = bigToLinear(BigInt.asUintN(64, m.dr[n]));
    if (la === null || rw === RW_IO) continue; // non-canonical never matches; I/O: see header
    // The processor ignores the address bits below the length (§18.2.5, "Breakpoint Field
    // Recognition"): a 4-byte breakpoint at 1003h covers 1000h-1003h. For instruction
    // breakpoints LEN must be 00 (other values are undefined); the model uses one byte.
    const start = la - (((la % length) + length) % length);
    const bp: ArmedBreakpoint = { index: n, rw, start, length };
    s.armed |= 1 << n;
    if (rw === RW_EXECUTE) s.exec.push(bp);
    else {
      s.data.push(bp);
      s.watchedPages.add(Math.floor(start / PAGE_SIZE));
      s.watchedPages.add(Math.floor((start + length - 1) / PAGE_SIZE));
    }
  }
  m.mmu.flush();
}

/** B0-B3 bits of the instruction breakpoints at `rip`. */
export function execHits(m: Machine, rip: number): number {
  let hits = 0;
  for (const b of m.debug.exec) if (b.start === rip) hits |= 1 << b.index;
  return hits;
}

/** B0-B3 bits of the data breakpoints an access of `size` bytes at `la` matches. */
export function dataHits(m: Machine, la: number, size: number, write: boolean): number {
  let hits = 0;
  for (const b of m.debug.data) {
    if (!write && b.rw !== RW_READWRITE) continue;
    if (la < b.start + b.length && b.start < la + size) hits |= 1 << b.index;
  }
  return hits;
}

/** DR6 on a debug exception: B0-B3 report this exception's breakpoints (the SDM lets the
 *  processor clear them, "Certain debug exceptions may clear bits 0-3", §18.2.3; the model
 *  always does, so B0-B3 name exactly the breakpoints that caused this #DB); BD, BS and BT are
 *  only ever set by the processor, never cleared. */
export function reportInDr6(m: Machine, bits: number): void {
  const b = BigInt(bits & (DR6_B_MASK | DR6_BD | DR6_BS | DR6_BT));
  m.dr[6] = (m.dr[6] & ~BigInt(DR6_B_MASK)) | b;
  m.drWrites++;
}
