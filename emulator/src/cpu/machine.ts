// The machine: architectural state, memory access through paging, the run loop, hooks, the event
// log, the undo journal and snapshots. Semantics live in semantics/*.ts; exception delivery in
// interrupts.ts; descriptor loads in segments.ts.
//
// Representation: GPRs are unsigned 32-bit halves in a Uint32Array (lo at 2n, hi at 2n+1), so the
// hot paths do number arithmetic, never BigInt. Linear addresses (RIP, segment bases, descriptor
// table bases, LSTAR...) are canonical and held as signed doubles in [-2^47, 2^47), which are exact.
// The API speaks bigint.

import type { Instruction, DecodeResult, Operand } from './instruction.ts';
import { GPR64_NAMES, SEG_NAMES } from './instruction.ts';
import { PhysMemory, PhysPage, PAGE_SIZE } from './memory.ts';
import { Mmu, ACC_READ, ACC_WRITE, ACC_EXEC, T_D, TLB_SIZE } from './paging.ts';

import { CpuFault, GP, PF, SS as SS_VEC, UD, VECTOR_NAMES, DB, AC as AC_VEC } from './fault.ts';
import { EventLog } from './events.ts';
import type { CpuEventBody, CpuEvent } from './events.ts';
import {
  TWO32, CANON_LIMIT, RESERVED1, TF, RF, CS, SS, FS, GS,
  CR0_PE, CR0_PG, CR0_WP, CR0_NE, CR0_ET, CR0_AM, AC as AC_FLAG, CR4_PAE, EFER_LME, EFER_LMA,
  ATTR_P, ATTR_S, ATTR_L, ATTR_G, ATTR_DB,
  pairToBig, bigLo, bigHi, linearToBig, bigToLinear, isCanonicalPair, pairToLinear,
} from './state.ts';
import { deliverEvent, raiseException } from './interrupts.ts';
import { loadSegment } from './segments.ts';
import { readMsr, writeMsr } from './msr.ts';
import { Journal } from './journal.ts';
import { takeSnapshot, applySnapshot } from './snapshot.ts';
import type { Snapshot } from './snapshot.ts';
import { DebugState, updateDebugState, execHits, dataHits, reportInDr6, DR6_BS, DR6_INIT, DR7_INIT } from './debug.ts';

/** Operand kinds of a compiled operand. */
export const K_REG = 0, K_MEM = 1, K_IMM = 2, K_REL = 3, K_SREG = 4, K_CR = 5, K_DR = 6;
const BASE_RIP = 16;

/** An operand with its bigint fields turned into 32-bit halves once, at decode time. */
export interface Opnd {
  kind: number; size: number; reg: number; high8: boolean;
  base: number; index: number; scale: number; dlo: number; dhi: number; seg: number; a32: boolean;
  /** Immediate halves, or for `rel` the target as a signed double (NaN if not canonical). */
  lo: number; hi: number; target: number;
}

export type Semantics = (m: Machine, d: Decoded) => void;

/** A decoded instruction ready to execute, cached by physical page and offset. */
export interface Decoded {
  ins: Instruction;
  fn: Semantics;
  o: Opnd[];
  rip: number;
  next: number;
  nextLo: number;
  nextHi: number;
  len: number;
  size: number;
  /** Condition code (jcc, setcc, cmovcc, loopcc), or -1. */
  cond: number;
  hook: boolean;
  /** Left to step(): a hook address, or SYSCALL/SYSRET, whose single-step trap depends on the TF
   *  they end with (see trapsOnTF), which the fast loop does not check. */
  slow: boolean;
}

export type StopReason =
  | { kind: 'hook'; rip: bigint; reason: string; data?: unknown }
  | { kind: 'exception'; vector: number; name: string; errorCode: number | null; rip: bigint; detail: string }
  | { kind: 'halt'; rip: bigint }
  | { kind: 'triple-fault'; rip: bigint; first: number; second: number }
  | { kind: 'budget'; rip: bigint }
  | { kind: 'internal-error'; rip: bigint; message: string };

export type HookResult = void | undefined | { stop: true; reason: string; data?: unknown };
export type Hook = (m: Machine) => HookResult;

/** A translation as the debugger sees it (rights combined over all levels, SDM Vol. 3A §4.6.1). */
export interface Translation { pa: bigint; user: boolean; writable: boolean; nx: boolean; }

export interface SegmentState { selector: number; base: bigint; limit: number; attributes: number; }

export type CpuVendor = 'intel' | 'amd';

export interface MachineOptions {
  /** Deliver exceptions through the guest IDT (default). When false, `run` stops with
   *  `kind: 'exception'` and the state as it was before the faulting instruction. */
  deliverExceptions?: boolean;
  /** Steps kept for `stepBack()`; 0 disables the journal (default 0). */
  journal?: number;
  /** The processor's vendor where Intel and AMD differ (SYSRET with a non-canonical RCX, the
   *  CPUID vendor string). Default 'intel'. */
  vendor?: CpuVendor;
  /** Decoder; filled in by index.ts so that this module does not depend on the decoder. */
  decode?: (fetch: (off: number) => number, address: bigint) => DecodeResult;
}

const GPR_INDEX: Record<string, number> = {};
GPR64_NAMES.forEach((n, i) => { GPR_INDEX[n] = i; });

let defaultDecode: MachineOptions['decode'] | undefined;
let semanticsTable: Record<string, Semantics> = {};
/** Wires the decoder and the semantics table (done once by index.ts). */
export function installExecutor(decode: NonNullable<MachineOptions['decode']>, table: Record<string, Semantics>): void {
  defaultDecode = decode;
  semanticsTable = table;
}
export function semanticsKeys(): string[] { return Object.keys(semanticsTable); }

function undecodable(m: Machine, d: Decoded): void {
  const info = d.ins as unknown as { reason?: string; tooLong?: boolean };
  // An instruction longer than 15 bytes raises #GP(0), not #UD (SDM Vol. 3A §6.15, interrupt 13
  // causes; the 15-byte limit is Vol. 2A §2.1).
  if (info.tooLong) throw new CpuFault(GP, 0, 'instruction longer than 15 bytes');
  throw new CpuFault(UD, 0, info.reason ?? 'undefined opcode');
}
function unimplemented(m: Machine, d: Decoded): void {
  throw new CpuFault(UD, 0, `no semantics for '${d.ins.op}'`);
}

export class Machine {
  // ---- architectural state ----
  readonly r = new Uint32Array(32);
  rip = 0;
  rflags = RESERVED1;
  /** Current privilege level = CS.RPL (SDM Vol. 3A §5.5); cached from segSel[CS]. */
  cpl = 0;
  readonly segSel = [0, 0, 0, 0, 0, 0];
  readonly segBase = [0, 0, 0, 0, 0, 0];
  readonly segLimit = [0, 0, 0, 0, 0, 0];
  readonly segAttr = [0, 0, 0, 0, 0, 0];
  gdtrBase = 0; gdtrLimit = 0; idtrBase = 0; idtrLimit = 0;
  trSel = 0; trBase = 0; trLimit = 0; trAttr = 0;
  cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  cr2lo = 0; cr2hi = 0; cr3lo = 0; cr3hi = 0;
  cr4 = CR4_PAE; cr8 = 0;
  efer = EFER_LME | EFER_LMA;
  starLo = 0; starHi = 0; lstar = 0; cstar = 0; fmask = 0; kernelGsBase = 0; tscAux = 0;
  mxcsr = 0x1f80;
  /** DR0-DR7 (DR4/DR5 unused: MOV DR4/DR5 aliases DR6/DR7). Change DR0-DR3/DR7 only through
   *  MOV DRn or `setDr`, which re-arm the breakpoints (debug.ts). */
  readonly dr: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n, DR6_INIT, DR7_INIT];
  /** Counts writes to DR0-DR7 (the journal compares the registers only when it moved). */
  drWrites = 0;
  /** The breakpoints DR7 enables (debug.ts); `debug.armed` is 0 when none is. */
  readonly debug = new DebugState();
  /** B0-B3 of data breakpoints hit by the instruction in progress (reported after it). */
  dbPending = 0;
  /** 1 after an instruction that loaded SS: debug exceptions wait for the next instruction
   *  boundary (SDM Vol. 3A §6.8.3); `dbHeld` holds the DR6 bits waiting. */
  ssShadow = 0;
  dbHeld = 0;
  /** Stack pointers of the #DB/#BP frames delivered whose IRETQ has not run (kept by the
   *  journal, which tells the debuggee's steps from the debugger's; see journal.ts). */
  readonly dbFrames: number[] = [];
  /** IA32_TIME_STAMP_COUNTER minus the instruction count (WRMSR 10h sets it). */
  tscOffset = 0n;
  /** Instructions retired. RDTSC reads it (deterministic time). */
  icount = 0;
  /** 0 running, 1 halted by HLT (the next step resumes after it), 2 shutdown (triple fault:
   *  nothing executes any more). */
  halted = 0;

  // ---- machinery ----
  readonly phys = new PhysMemory();
  readonly mmu: Mmu;
  readonly events = new EventLog();
  readonly journal: Journal;
  readonly hooks = new Map<number, Hook>();
  deliverExceptions: boolean;
  /** Which vendor's rules the executor follows where the manuals differ (see MachineOptions). */
  vendor: CpuVendor;
  /** Second return value of operand reads: the high half of a 64-bit value. */
  rhi = 0;
  /** Start of the instruction being executed (faults report it). */
  curRip = 0;
  private decodeFn: NonNullable<MachineOptions['decode']> | undefined;
  private skipHookAt = NaN;
  /** Last exception raised (for #DF bookkeeping in interrupts.ts). */
  lastTriple: { first: number; second: number } | null = null;

  constructor(opts: MachineOptions = {}) {
    this.deliverExceptions = opts.deliverExceptions ?? true;
    this.vendor = opts.vendor ?? 'intel';
    this.decodeFn = opts.decode;
    this.mmu = new Mmu(this);
    this.journal = new Journal(this, opts.journal ?? 0);
    // A new physical page replaces the shared zero page: TLB entries may alias it.
    this.phys.onAllocate = () => this.mmu.flush();
    // Flat 64-bit ring-0 code and data (hidden parts only; SDM Vol. 3A §3.4.5). Callers that
    // build a GDT load real selectors with loadSeg().
    this.setSegRaw('cs', { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xb | ATTR_S | ATTR_P | ATTR_L | ATTR_G });
    for (const s of ['ss', 'ds', 'es'] as const) {
      this.setSegRaw(s, { selector: s === 'ss' ? 0x18 : 0, base: 0n, limit: 0xffffffff, attributes: 0x3 | ATTR_S | ATTR_P | ATTR_DB | ATTR_G });
    }
    this.idtrLimit = 0xfff;
  }

  // ================= API (bigint) =================

  getReg(name: string): bigint {
    const n = name.toLowerCase();
    if (n === 'rip') return linearToBig(this.rip);
    if (n === 'rflags' || n === 'eflags') return BigInt(this.rflags >>> 0);
    const i = GPR_INDEX[n];
    if (i === undefined) throw new Error(`unknown register '${name}' (expected rax..r15, rip or rflags)`);
    return pairToBig(this.r[2 * i], this.r[2 * i + 1]);
  }
  setReg(name: string, v: bigint): void {
    const n = name.toLowerCase();
    v = BigInt.asUintN(64, v);
    if (n === 'rip') {
      const la = bigToLinear(v);
      if (la === null) throw new Error(`rip ${v.toString(16)} is not canonical`);
      this.rip = la; return;
    }
    if (n === 'rflags' || n === 'eflags') { this.rflags = (Number(v & 0x3f7fd5n) | RESERVED1) >>> 0; return; }
    const i = GPR_INDEX[n];
    if (i === undefined) throw new Error(`unknown register '${name}' (expected rax..r15, rip or rflags)`);
    this.r[2 * i] = bigLo(v); this.r[2 * i + 1] = bigHi(v);
  }

  getSeg(name: string): SegmentState {
    const i = segIndex(name);
    return { selector: this.segSel[i], base: linearToBig(this.segBase[i]), limit: this.segLimit[i], attributes: this.segAttr[i] };
  }
  /** Sets a segment register's selector and hidden part directly (machine setup). */
  setSegRaw(name: string, s: SegmentState): void {
    const i = segIndex(name);
    const base = bigToLinear(s.base);
    if (base === null) throw new Error(`segment base ${s.base.toString(16)} is not canonical`);
    this.segSel[i] = s.selector & 0xffff; this.segBase[i] = base;
    this.segLimit[i] = s.limit >>> 0; this.segAttr[i] = s.attributes & 0xffff;
    if (i === CS) this.cpl = s.selector & 3;
  }
  /** Loads a segment register from the GDT with the checks of MOV Sreg (SDM Vol. 2B MOV). Throws
   *  a `CpuFault` if the load would fault. CS may be loaded too (setup only: no privilege checks). */
  loadSeg(name: string, selector: number): void {
    loadSegment(this, segIndex(name), selector & 0xffff, true);
  }

  getDr(n: number): bigint { return this.dr[drSlot(n)]; }
  /** Writes DRn as a debugger would (no GD check) and re-arms the breakpoints. */
  setDr(n: number, v: bigint): void {
    this.dr[drSlot(n)] = BigInt.asUintN(64, v);
    updateDebugState(this);
  }
  /** Re-arms the breakpoints after `dr` was changed directly (restore paths). */
  debugRegistersChanged(): void { updateDebugState(this); }

  readMsr(index: number): bigint { return readMsr(this, index); }
  writeMsr(index: number, v: bigint): void { writeMsr(this, index, BigInt.asUintN(64, v), false); }

  getCr(n: number): bigint {
    switch (n) {
      case 0: return BigInt(this.cr0 >>> 0);
      case 2: return pairToBig(this.cr2lo, this.cr2hi);
      case 3: return pairToBig(this.cr3lo, this.cr3hi);
      case 4: return BigInt(this.cr4 >>> 0);
      case 8: return BigInt(this.cr8);
      default: throw new Error(`CR${n} does not exist (CR0, CR2, CR3, CR4, CR8)`);
    }
  }
  setCr(n: number, v: bigint): void {
    v = BigInt.asUintN(64, v);
    switch (n) {
      case 0: this.cr0 = Number(v & 0xffffffffn) >>> 0; break;
      case 2: this.cr2lo = bigLo(v); this.cr2hi = bigHi(v); break;
      case 3: this.cr3lo = bigLo(v); this.cr3hi = bigHi(v); break;
      case 4: this.cr4 = Number(v & 0xffffffffn) >>> 0; break;
      case 8: this.cr8 = Number(v & 0xfn); break;
      default: throw new Error(`CR${n} does not exist (CR0, CR2, CR3, CR4, CR8)`);
    }
    this.mmu.flush();
  }
  setGdtr(base: bigint, limit: number): void { this.gdtrBase = mustLinear(base, 'GDTR base'); this.gdtrLimit = limit & 0xffff; }
  setIdtr(base: bigint, limit: number): void { this.idtrBase = mustLinear(base, 'IDTR base'); this.idtrLimit = limit & 0xffff; }
  /** Loads TR from the GDT like LTR (SDM Vol. 2A LTR), marking the TSS busy. */
  loadTr(selector: number): void { loadSegment(this, -1, selector & 0xffff, true); }

  /** Debugger view of one translation (no faults, no A/D updates); null if unmapped. */
  translate(va: bigint): Translation | null {
    const la = bigToLinear(BigInt.asUintN(64, va));
    if (la === null) return null;
    const t = this.mmu.translate(la);
    return t && { pa: BigInt(t.pa), user: t.user, writable: t.writable, nx: t.nx };
  }
  /** Debugger read through the page tables: never faults, sets no A/D bits; null if any byte is
   *  unmapped or the address is not canonical. */
  readVirtual(va: bigint, n: number): Uint8Array | null {
    const out = new Uint8Array(n);
    for (let i = 0; i < n;) {
      const la = bigToLinear(BigInt.asUintN(64, va + BigInt(i)));
      if (la === null) return null;
      if (this.mmu.walk(la, false) !== 0) return null;
      const off = la - Math.floor(la / PAGE_SIZE) * PAGE_SIZE;
      const k = Math.min(n - i, PAGE_SIZE - off);
      out.set(this.phys.read(this.mmu.wPa + off, k), i);
      i += k;
    }
    return out;
  }
  /** Debugger write through the page tables (ignores R/W, like a debugger does); invalidates the
   *  cached decodes of the pages written. False if any page is unmapped (then nothing is written). */
  writeVirtual(va: bigint, bytes: ArrayLike<number>): boolean {
    const parts: Array<[number, number, number]> = [];
    for (let i = 0; i < bytes.length;) {
      const la = bigToLinear(BigInt.asUintN(64, va + BigInt(i)));
      if (la === null) return false;
      if (this.mmu.walk(la, false) !== 0) return false;
      const off = la - Math.floor(la / PAGE_SIZE) * PAGE_SIZE;
      const k = Math.min(bytes.length - i, PAGE_SIZE - off);
      parts.push([this.mmu.wPa + off, i, k]);
      i += k;
    }
    const src = Uint8Array.from(bytes);
    for (const [pa, i, k] of parts) this.phys.write(pa, src.subarray(i, i + k));
    return true;
  }

  addHook(va: bigint, fn: Hook): void {
    const la = mustLinear(va, 'hook address');
    this.hooks.set(la, fn);
    this.phys.dropDecodes();
  }
  removeHook(va: bigint): void {
    const la = bigToLinear(va);
    if (la !== null && this.hooks.delete(la)) this.phys.dropDecodes();
  }

  /** Appends an architectural event stamped with the count, the RIP and the SDM citation. */
  event(body: CpuEventBody, sdm: string, rip = this.curRip): void {
    const e = body as CpuEvent;
    e.icount = this.icount; e.rip = linearToBig(rip); e.sdm = sdm;
    this.events.push(e);
  }

  // ================= registers (hot) =================

  /** Reads GPR `reg` at `size` bytes; returns the low half, high half in `rhi`. */
  getGpr(reg: number, size: number, high8: boolean): number {
    const r = this.r;
    switch (size) {
      case 8: this.rhi = r[2 * reg + 1]; return r[2 * reg];
      case 4: this.rhi = 0; return r[2 * reg];
      case 2: this.rhi = 0; return r[2 * reg] & 0xffff;
      default:
        this.rhi = 0;
        return high8 ? (r[2 * (reg - 4)] >>> 8) & 0xff : r[2 * reg] & 0xff;
    }
  }
  /** Writes GPR `reg`; 32-bit writes zero the upper half (SDM Vol. 1 §3.4.1.1), 8/16-bit writes
   *  leave the other bits alone. */
  setGpr(reg: number, size: number, high8: boolean, lo: number, hi: number): void {
    const r = this.r;
    switch (size) {
      case 8: r[2 * reg] = lo; r[2 * reg + 1] = hi; return;
      case 4: r[2 * reg] = lo; r[2 * reg + 1] = 0; return;
      case 2: r[2 * reg] = (r[2 * reg] & 0xffff0000) | (lo & 0xffff); return;
      default:
        if (high8) { const i = 2 * (reg - 4); r[i] = (r[i] & 0xffff00ff) | ((lo & 0xff) << 8); }
        else r[2 * reg] = (r[2 * reg] & 0xffffff00) | (lo & 0xff);
    }
  }

  // ================= operands =================

  /** Effective linear address of a memory operand (SDM Vol. 1 §3.7.5; FS/GS add their base in
   *  64-bit mode, §3.4.2.1). Non-canonical -> #GP(0), or #SS(0) for stack references (§6.15). */
  ea(o: Opnd, d: Decoded): number {
    let lo = o.dlo, hi = o.dhi;
    const r = this.r;
    if (o.base >= 0) {
      if (o.base === BASE_RIP) { lo += d.nextLo; hi += d.nextHi; }
      else { lo += r[2 * o.base]; hi += r[2 * o.base + 1]; }
    }
    if (o.index >= 0) { lo += r[2 * o.index] * o.scale; hi += r[2 * o.index + 1] * o.scale; }
    let l = lo >>> 0;
    let h = (hi + (lo - l) / TWO32) >>> 0;
    if (o.a32) h = 0;
    if (o.seg >= FS) {
      const b = this.segBase[o.seg];
      const bl = b >>> 0;
      const s = l + bl;
      l = s >>> 0;
      h = (h + Math.floor(b / TWO32) + (s - l) / TWO32) >>> 0;
    }
    if (!isCanonicalPair(h)) {
      throw o.seg === SS ? new CpuFault(SS_VEC, 0, 'non-canonical stack address') : new CpuFault(GP, 0, 'non-canonical address');
    }
    return (h | 0) * TWO32 + l;
  }

  /** Reads an operand (register, immediate or memory). */
  rd(o: Opnd, d: Decoded): number {
    switch (o.kind) {
      case K_REG: return this.getGpr(o.reg, o.size, o.high8);
      case K_IMM: this.rhi = o.hi; return o.lo;
      case K_MEM: return this.read(this.ea(o, d), o.size);
      default: throw new CpuFault(UD, 0, 'operand kind not readable');
    }
  }
  /** Writes a register or memory operand. */
  wr(o: Opnd, d: Decoded, lo: number, hi: number): void {
    if (o.kind === K_REG) this.setGpr(o.reg, o.size, o.high8, lo, hi);
    else this.write(this.ea(o, d), o.size, lo, hi);
  }
  /** For read-modify-write: the address once (memory), or NaN for a register. */
  loc(o: Opnd, d: Decoded): number { return o.kind === K_MEM ? this.ea(o, d) : NaN; }
  /** Reads the destination of a read-modify-write instruction: a memory operand is translated
   *  as a write (the processor checks write rights at the read, so a #PF reports W=1 and the
   *  first byte that cannot be written: SDM Vol. 3A §4.7, Figure 4-12). */
  rdAt(o: Opnd, la: number): number {
    if (o.kind === K_MEM) return this.readForWrite(la, o.size);
    if (o.kind === K_IMM) { this.rhi = o.hi; return o.lo; }
    return this.getGpr(o.reg, o.size, o.high8);
  }
  wrAt(o: Opnd, la: number, lo: number, hi: number): void {
    if (o.kind === K_MEM) this.write(la, o.size, lo, hi);
    else this.setGpr(o.reg, o.size, o.high8, lo, hi);
  }

  // ================= memory (hot) =================

  /** The physical page for an access, through the TLB; throws #PF (SDM Vol. 3A §4.7). */
  page(la: number, access: number, implicit: boolean, size = 1): PhysPage {
    const vpn = Math.floor(la / PAGE_SIZE);
    const i = vpn & (TLB_SIZE - 1);
    const mmu = this.mmu;
    if (mmu.tag[i] === vpn) {
      const f = mmu.flags[i];
      if (mmu.allowed(f, access, implicit) && (access !== ACC_WRITE || (f & T_D) !== 0)) {
        const p = mmu.page[i];
        if (access !== ACC_WRITE || p !== this.phys.zero) return p;
      }
    }
    return this.tlbFill(la, vpn, i, access, implicit, size);
  }

  private tlbFill(la: number, vpn: number, i: number, access: number, implicit: boolean, size: number): PhysPage {
    const mmu = this.mmu;
    const write = access === ACC_WRITE;
    const st = mmu.walk(la, true);
    if (st !== 0) {
      throw this.pageFault(la, mmu.errorCode(false, st === 2, access, implicit));
    }
    if (!mmu.allowed(mmu.wFlags, access, implicit)) {
      // Rights violation on a present page: P=1 (Figure 4-12); D stays clear (§4.8).
      throw this.pageFault(la, mmu.errorCode(true, false, access, implicit));
    }
    if (write && !(mmu.wFlags & T_D)) mmu.setDirty();
    const ppn = Math.floor(mmu.wPa / PAGE_SIZE);
    const p = write ? this.phys.pageForWrite(ppn) : this.phys.pageForRead(ppn);
    // A page a data breakpoint watches gets no TLB entry, not even from an instruction fetch
    // (code and data may share the page): every access to it comes here, and every data access
    // is compared (debug.ts). Instruction fetches never match a data breakpoint.
    if (this.debug.watchedPages.size !== 0 && this.debug.watchedPages.has(vpn)) {
      if (access !== ACC_EXEC) this.dbPending |= dataHits(this, la, size, write);
      return p;
    }
    mmu.tag[i] = vpn; mmu.flags[i] = mmu.wFlags; mmu.page[i] = p;
    return p;
  }

  pageFault(la: number, code: number): CpuFault {
    return new CpuFault(PF, code, `page fault at ${linearToBig(la).toString(16)}`, la);
  }

  /** #AC(0): a misaligned data or stack access at CPL 3 with CR0.AM and RFLAGS.AC set (SDM Vol. 3A
   *  §6.15 "Interrupt 17"; the alignment is the operand's size, Table 6-7). Implicit supervisor
   *  accesses (descriptor tables, the TSS) are never checked. */
  private misaligned(la: number, size: number): CpuFault | null {
    if (this.cpl !== 3 || (this.rflags & AC_FLAG) === 0 || (this.cr0 & CR0_AM) === 0) return null;
    return new CpuFault(AC_VEC, 0, `misaligned ${size}-byte access at ${linearToBig(la).toString(16)} with alignment checking on`);
  }

  /** Reads `size` bytes (1, 2, 4, 8) at a linear address; 8 puts the high half in `rhi`. */
  read(la: number, size: number, implicit = false): number {
    if ((la & (size - 1)) !== 0 && !implicit) { const f = this.misaligned(la, size); if (f) throw f; }
    const p = this.page(la, ACC_READ, implicit, size);
    const off = la - Math.floor(la / PAGE_SIZE) * PAGE_SIZE;
    if (off + size > PAGE_SIZE) return this.readSplit(la, size, implicit);
    const dv = p.dv;
    switch (size) {
      case 1: this.rhi = 0; return p.data[off];
      case 2: this.rhi = 0; return dv.getUint16(off, true);
      case 4: this.rhi = 0; return dv.getUint32(off, true);
      default: this.rhi = dv.getUint32(off + 4, true); return dv.getUint32(off, true);
    }
  }
  /** `read` translated as a write (read-modify-write destinations, see rdAt). */
  readForWrite(la: number, size: number): number {
    if ((la & (size - 1)) !== 0) { const f = this.misaligned(la, size); if (f) throw f; }
    const off = la - Math.floor(la / PAGE_SIZE) * PAGE_SIZE;
    if (off + size > PAGE_SIZE) return this.readSplit(la, size, false, ACC_WRITE);
    const p = this.page(la, ACC_WRITE, false, size);
    const dv = p.dv;
    switch (size) {
      case 1: this.rhi = 0; return p.data[off];
      case 2: this.rhi = 0; return dv.getUint16(off, true);
      case 4: this.rhi = 0; return dv.getUint32(off, true);
      default: this.rhi = dv.getUint32(off + 4, true); return dv.getUint32(off, true);
    }
  }
  private readSplit(la: number, size: number, implicit: boolean, access = ACC_READ): number {
    const b = new Uint8Array(8);
    // Both pages are checked before the value is used (an access is all or nothing).
    for (let k = 0; k < size; k++) {
      const a = la + k;
      const p = this.page(a, access, implicit);
      b[k] = p.data[a - Math.floor(a / PAGE_SIZE) * PAGE_SIZE];
    }
    const dv = new DataView(b.buffer);
    this.rhi = size === 8 ? dv.getUint32(4, true) : 0;
    return size === 1 ? b[0] : size === 2 ? dv.getUint16(0, true) : dv.getUint32(0, true);
  }

  write(la: number, size: number, lo: number, hi: number, implicit = false): void {
    if ((la & (size - 1)) !== 0 && !implicit) { const f = this.misaligned(la, size); if (f) throw f; }
    const off = la - Math.floor(la / PAGE_SIZE) * PAGE_SIZE;
    if (off + size > PAGE_SIZE) { this.writeSplit(la, size, lo, hi, implicit); return; }
    const p = this.page(la, ACC_WRITE, implicit, size);
    if (this.journal.on) this.journal.recordBytes(p, off, size, la);
    if (p.code !== null) p.code = null;
    const dv = p.dv;
    switch (size) {
      case 1: p.data[off] = lo; return;
      case 2: dv.setUint16(off, lo, true); return;
      case 4: dv.setUint32(off, lo, true); return;
      default: dv.setUint32(off, lo, true); dv.setUint32(off + 4, hi, true);
    }
  }
  private writeSplit(la: number, size: number, lo: number, hi: number, implicit: boolean): void {
    const pages: PhysPage[] = [];
    for (let k = 0; k < size; k++) pages.push(this.page(la + k, ACC_WRITE, implicit));
    for (let k = 0; k < size; k++) {
      const a = la + k;
      const p = pages[k];
      const off = a - Math.floor(a / PAGE_SIZE) * PAGE_SIZE;
      if (this.journal.on) this.journal.recordBytes(p, off, 1, a);
      p.code = null;
      p.data[off] = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
    }
  }

  /** Pushes a 64-bit value (SDM Vol. 2B PUSH: the write happens before RSP changes). */
  push64(lo: number, hi: number): void {
    const r = this.r;
    const sl = r[8] - 8;
    const nl = sl >>> 0;
    const nh = (r[9] + (sl < 0 ? -1 : 0)) >>> 0;
    if (!isCanonicalPair(nh)) throw new CpuFault(SS_VEC, 0, 'non-canonical stack address');
    this.write((nh | 0) * TWO32 + nl, 8, lo, hi);
    r[8] = nl; r[9] = nh;
  }
  /** Pushes `size` bytes (2 or 8). */
  pushN(size: number, lo: number, hi: number): void {
    if (size === 8) { this.push64(lo, hi); return; }
    const r = this.r;
    const sl = r[8] - size;
    const nl = sl >>> 0;
    const nh = (r[9] + (sl < 0 ? -1 : 0)) >>> 0;
    if (!isCanonicalPair(nh)) throw new CpuFault(SS_VEC, 0, 'non-canonical stack address');
    this.write((nh | 0) * TWO32 + nl, size, lo, hi);
    r[8] = nl; r[9] = nh;
  }
  /** Reads the value at RSP + `offset` without popping. */
  peek(offset: number, size: number): number {
    const r = this.r;
    const sl = r[8] + offset;
    const nl = sl >>> 0;
    const nh = (r[9] + (sl >= TWO32 ? 1 : 0)) >>> 0;
    if (!isCanonicalPair(nh)) throw new CpuFault(SS_VEC, 0, 'non-canonical stack address');
    return this.read((nh | 0) * TWO32 + nl, size);
  }
  /** Adds to RSP (after the pops' reads succeeded). */
  addRsp(n: number): void {
    const r = this.r;
    const s = r[8] + n;
    r[8] = s >>> 0;
    r[9] = (r[9] + Math.floor(s / TWO32)) >>> 0;
  }

  // ================= fetch, decode and run =================

  private fetchByte(la: number): number {
    if (la >= CANON_LIMIT || la < -CANON_LIMIT) throw new CpuFault(GP, 0, 'instruction fetch from a non-canonical address');
    const p = this.page(la, ACC_EXEC, false);
    return p.data[la - Math.floor(la / PAGE_SIZE) * PAGE_SIZE];
  }

  /** Returns the decoded instruction at RIP (cached per physical page). */
  fetch(): Decoded {
    const rip = this.rip;
    if (rip >= CANON_LIMIT || rip < -CANON_LIMIT) throw new CpuFault(GP, 0, 'RIP is not canonical');
    const p = this.page(rip, ACC_EXEC, false);
    const off = rip - Math.floor(rip / PAGE_SIZE) * PAGE_SIZE;
    const code = p.code;
    if (code !== null) {
      const d = code[off] as Decoded | undefined;
      if (d !== undefined && d.rip === rip) return d;
    }
    const d = this.decodeAt(rip);
    if (off + d.len <= PAGE_SIZE) {
      if (p.code === null) p.code = new Array(PAGE_SIZE);
      p.code[off] = d;
    }
    return d;
  }

  private decodeAt(rip: number): Decoded {
    const decode = this.decodeFn ?? defaultDecode;
    if (!decode) throw new Error('no decoder installed: import the machine from emulator/src/cpu/index.ts');
    const res = decode((k) => this.fetchByte(rip + k), linearToBig(rip));
    return compile(res, rip, this.hooks.has(rip));
  }

  /** Executes one instruction (or delivers one event). Returns a stop reason or null. */
  step(): StopReason | null {
    if (this.halted === 2) return { kind: 'triple-fault', rip: linearToBig(this.rip), first: this.lastTriple?.first ?? -1, second: this.lastTriple?.second ?? -1 };
    // HLT stopped the previous run; stepping again resumes after it (as an interrupt would).
    if (this.halted === 1) this.halted = 0;
    const startRip = this.rip;
    this.curRip = startRip;
    if (this.journal.on) this.journal.begin();
    let d: Decoded | undefined;
    this.dbPending = 0;
    try {
      // Instruction breakpoints: a fault before the instruction, ignored while RF = 1 (SDM Vol.
      // 3B §18.3.1.1) and in the shadow of a load of SS (Vol. 3A §6.8.3). Above fetch faults in
      // priority (Vol. 3A §6.9, Table 6-2: code breakpoint, then faults fetching it).
      if (this.debug.armed !== 0 && !(this.rflags & RF) && this.ssShadow === 0) {
        const hits = execHits(this, startRip);
        if (hits !== 0) {
          reportInDr6(this, hits);
          const f = new CpuFault(DB, 0, `instruction breakpoint (DR6 B${31 - Math.clz32(hits & -hits)})`);
          f.codeBreakpoint = true;
          return this.handleFault(f, startRip, 'fault');
        }
      }
      d = this.fetch();
      if (d.hook && this.skipHookAt !== startRip) {
        const h = this.hooks.get(startRip);
        const res = h ? h(this) : undefined;
        if (res && res.stop) {
          this.skipHookAt = startRip;
          this.event({ kind: 'hook', address: linearToBig(startRip), reason: res.reason }, 'hook (emulator)');
          return { kind: 'hook', rip: linearToBig(startRip), reason: res.reason, data: res.data };
        }
        if (this.rip !== startRip) { this.skipHookAt = NaN; return null; }
      }
      this.skipHookAt = NaN;
      const flagsBefore = this.rflags;
      this.rip = d.next;
      d.fn(this, d);
      this.icount++;
      if (flagsBefore & RF) this.rflags &= ~RF | (d.ins.op === 'iret' ? RF : 0);
      // Debug traps after the instruction: data breakpoints it hit (SDM Vol. 3B §18.3.1.2) and
      // the single-step trap (§18.3.1.4), one #DB with DR6 naming them all (§18.2.3).
      let db = this.dbPending;
      if (this.trapsOnTF(d, flagsBefore)) db |= DR6_BS;
      // The shadow of a load of SS (Vol. 3A §6.8.3, "Masking Exceptions and Interrupts When
      // Switching Stacks"; MOV and POP pages of Vol. 2B):
      // - a data breakpoint the load hit is inhibited until the boundary after the next
      //   instruction, even when that instruction is SYSCALL (or INT n / INT3), whose #DB then
      //   arrives at the handler's first instruction, at CPL0;
      // - a single-step trap that would follow the load (TF = 1) is suppressed, not held: only
      //   the next instruction's own single-step trap, if any, is delivered;
      // - "only the first" of consecutive SS loads "is guaranteed" to inhibit: in this model a
      //   load inside the shadow opens no new one, so what was held is delivered after it.
      // (POP SS does not exist in 64-bit mode: opcode 17h is #UD there, Vol. 2B POP.)
      const inShadow = this.ssShadow !== 0;
      if (inShadow) { db |= this.dbHeld; this.ssShadow = 0; this.dbHeld = 0; }
      else if (d.ins.op === 'mov_sreg' && d.o[0].reg === SS && (db !== 0 || this.debug.armed !== 0 || (this.rflags & TF))) {
        this.ssShadow = 1; this.dbHeld = db & ~DR6_BS; db = 0;
      }
      if (db !== 0) {
        // The delivery is a journal entry of its own, so history has a boundary between the
        // instruction and its trap (time travel stops there).
        if (this.journal.on) this.journal.begin(true);
        reportInDr6(this, db);
        return this.handleFault(new CpuFault(DB, 0, db & DR6_BS && !(db & 0xf) ? 'single-step trap (TF)' : `debug trap (DR6 ${db.toString(16)}h)`), this.rip, 'trap');
      }
      if (this.halted === 1) { this.event({ kind: 'halt' }, 'SDM Vol. 2A HLT'); return { kind: 'halt', rip: linearToBig(this.rip) }; }
      return null;
    } catch (e) {
      if (e instanceof CpuFault) {
        this.rip = startRip;
        // A fault on the instruction in the shadow ends the shadow (Vol. 3A §6.8.3: "ends after
        // delivery of an exception"), and the #DB it held is dropped: the SDM does not say what
        // becomes of it; processors drop it (observed, Linux tools/testing/selftests/x86/
        // mov_ss_trap.c: "Any fault: drop the pending #DB trap").
        if (this.ssShadow !== 0) { this.ssShadow = 0; this.dbHeld = 0; }
        return this.handleFault(e, startRip, 'fault');
      }
      this.rip = startRip;
      const message = e instanceof Error ? e.message : String(e);
      return { kind: 'internal-error', rip: linearToBig(startRip), message: `emulator error at ${linearToBig(startRip).toString(16)}: ${message}` };
    }
  }

  /** Whether a single-step trap follows this instruction. Most instructions trap on the TF they
   *  started with (SDM Vol. 3A §18.3.1.4: not after the instruction that sets TF). SYSCALL and
   *  SYSRET decide on the TF they end with: a TF masked by IA32_FMASK gives no #DB at the
   *  handler's first instruction, and SYSRET loading TF=1 from R11 traps on the very next user
   *  instruction. The SDM does not spell this out; it is how processors behave (Xen XSA-204 and
   *  the KVM unit tests' syscall/sysret TF test document it). */
  private trapsOnTF(d: Decoded, flagsBefore: number): boolean {
    const op = d.ins.op;
    if (op === 'syscall' || op === 'sysret') return (this.rflags & TF) !== 0;
    if (!(flagsBefore & TF)) return false;
    // INT n / INT3 / INTO clear TF on delivery; no single-step trap follows them (§18.3.1.4).
    return !(op === 'int' || op === 'int3' || op === 'into');
  }

  /** Handles an exception raised by an instruction (fault) or after it (trap). */
  handleFault(f: CpuFault, returnRip: number, kind: 'fault' | 'trap'): StopReason | null {
    if (!this.deliverExceptions) {
      this.recordRaised(f);
      if (f.vector === PF) { this.cr2lo = f.address >>> 0; this.cr2hi = Math.floor(f.address / TWO32) >>> 0; }
      return {
        kind: 'exception', vector: f.vector, name: VECTOR_NAMES[f.vector] ?? `#${f.vector}`,
        errorCode: hasErr(f.vector) ? f.errorCode : null, rip: linearToBig(this.rip), detail: f.detail,
      };
    }
    return raiseException(this, f, returnRip, kind === 'trap');
  }

  recordRaised(f: CpuFault): void {
    const name = VECTOR_NAMES[f.vector] ?? `#${f.vector}`;
    this.event({
      kind: 'exception-raised', vector: f.vector, name, errorCode: hasErr(f.vector) ? f.errorCode : null, detail: f.detail,
      ...(f.vector === PF ? { cr2: linearToBig(f.address) } : {}),
    }, f.vector === PF ? 'SDM Vol. 3A §4.7, §6.15 (Interrupt 14)' : 'SDM Vol. 3A §6.15');
  }

  /** Delivers an external interrupt now, through the IDT, as if it arrived before the next
   *  instruction (SDM Vol. 3A §6.14; no IF check: the caller decides when it is accepted). */
  interrupt(vector: number): StopReason | null {
    this.curRip = this.rip;
    if (this.halted === 1) this.halted = 0;
    try {
      deliverEvent(this, vector & 0xff, -1, { soft: false, ext: true, returnRip: this.rip, isFault: false });
      return null;
    } catch (e) {
      if (e instanceof CpuFault) return this.handleFault(e, this.rip, 'fault');
      throw e;
    }
  }

  run(opts: { budget?: number } = {}): StopReason {
    const budget = opts.budget ?? 1_000_000;
    let n = 0;
    while (n < budget) {
      n = this.runFast(n, budget);
      if (n >= budget) break;
      // Anything the fast loop does not handle (a miss in the decode cache, a hook, TF/RF, the
      // journal, a fault, HLT) goes through step().
      const s = this.step();
      n++;
      if (s !== null) return s;
    }
    return { kind: 'budget', rip: linearToBig(this.rip) };
  }

  /** The hot loop: executes cached decodes on the current code page while nothing special is
   *  pending. Returns the updated step count; leaves the instruction it cannot handle (or the one
   *  that faulted, with its state untouched) for step(). */
  private runFast(n: number, budget: number): number {
    if (this.journal.on || this.halted !== 0 || this.debug.armed !== 0) return n;
    const mmu = this.mmu;
    let rip = this.rip;
    // The code page last validated for execution (TLB entry, rights at this CPL), until the TLB
    // changes (epoch), the CPL changes, or the page is written (its decode array is dropped).
    let base = NaN, code: unknown[] | null = null, page: PhysPage | null = null;
    let epoch = -1, cpl = -1;
    try {
      while (n < budget) {
        if (this.rflags & (TF | RF)) return n;
        let off = rip - base;
        if (!(off >= 0 && off < PAGE_SIZE) || epoch !== mmu.epoch || cpl !== this.cpl || page!.code !== code) {
          const vpn = Math.floor(rip / PAGE_SIZE);
          const i = vpn & (TLB_SIZE - 1);
          if (mmu.tag[i] !== vpn || !mmu.allowed(mmu.flags[i], ACC_EXEC, false)) return n;
          page = mmu.page[i];
          code = page.code;
          if (code === null) return n;
          base = vpn * PAGE_SIZE; epoch = mmu.epoch; cpl = this.cpl;
          off = rip - base;
        }
        const d = code![off] as Decoded | undefined;
        if (d === undefined || d.rip !== rip || d.slow) return n;
        this.curRip = rip;
        this.rip = d.next;
        d.fn(this, d);
        this.icount++;
        n++;
        if (this.halted !== 0) { this.halted = 0; this.rip = d.rip; this.icount--; n--; return n; }
        rip = this.rip;
      }
    } catch (e) {
      // Re-run the faulting instruction through step(), which reports or delivers the fault.
      this.rip = rip;
    }
    return n;
  }

  /** A compact copy of the whole machine (registers, MSRs, memory; not hooks or the event log). */
  snapshot(): Snapshot { return takeSnapshot(this); }
  /** A new machine in a snapshot's state. */
  static restore(s: Snapshot, opts: MachineOptions = {}): Machine {
    const m = new Machine(opts);
    applySnapshot(m, s);
    return m;
  }
  /** Loads a snapshot into this machine (hooks are kept). */
  load(s: Snapshot): void { applySnapshot(this, s); this.journal.clear(); }

  /** Whether the next step runs the hook at RIP (false: the machine stopped on that hook and
   *  resumes past it). For a debugger that moved the machine (time travel). */
  resumeAtHook(stoppedThere: boolean): void { this.skipHookAt = stoppedThere ? this.rip : NaN; }

  /** Undo the last step (requires the journal). */
  stepBack(): boolean { return this.journal.undoStep(); }

  /** Drop every cached translation and decode (after restoring state). */
  invalidateCaches(): void { this.mmu.flush(); this.phys.dropDecodes(); }
}

/** DR index as MOV DRn names it: DR4/DR5 alias DR6/DR7 when CR4.DE = 0 (SDM Vol. 3B §18.2.2). */
export function drSlot(n: number): number { return n === 4 ? 6 : n === 5 ? 7 : n; }

function hasErr(v: number): boolean { return v === 8 || (v >= 10 && v <= 14) || v === 17 || v === 21; }

export function segIndex(name: string): number {
  const i = (SEG_NAMES as readonly string[]).indexOf(name.toLowerCase());
  if (i < 0) throw new Error(`unknown segment register '${name}' (es, cs, ss, ds, fs, gs)`);
  return i;
}

function mustLinear(v: bigint, what: string): number {
  const la = bigToLinear(BigInt.asUintN(64, v));
  if (la === null) throw new Error(`${what} ${v.toString(16)} is not canonical`);
  return la;
}

function compileOperand(op: Operand): Opnd {
  const o: Opnd = { kind: 0, size: 0, reg: 0, high8: false, base: -1, index: -1, scale: 1, dlo: 0, dhi: 0, seg: 3, a32: false, lo: 0, hi: 0, target: 0 };
  switch (op.kind) {
    case 'reg': o.kind = K_REG; o.reg = op.reg; o.size = op.size; o.high8 = !!op.high8; break;
    case 'mem': {
      o.kind = K_MEM; o.size = op.size; o.seg = op.seg;
      o.base = op.base === 'rip' ? BASE_RIP : op.base === null ? -1 : op.base;
      o.index = op.index === null ? -1 : op.index; o.scale = op.scale;
      const disp = BigInt.asUintN(64, op.disp);
      o.dlo = bigLo(disp); o.dhi = bigHi(disp); o.a32 = op.addrSize === 4;
      break;
    }
    case 'imm': { o.kind = K_IMM; o.size = op.size; const v = BigInt.asUintN(64, op.value); o.lo = bigLo(v); o.hi = bigHi(v); break; }
    case 'rel': { o.kind = K_REL; o.size = op.size; const t = bigToLinear(BigInt.asUintN(64, op.target)); o.target = t === null ? NaN : t; break; }
    case 'sreg': o.kind = K_SREG; o.reg = op.reg; o.size = 2; break;
    case 'cr': o.kind = K_CR; o.reg = op.reg; o.size = 8; break;
    case 'dr': o.kind = K_DR; o.reg = op.reg; o.size = 8; break;
  }
  return o;
}

function compile(res: DecodeResult, rip: number, hook: boolean): Decoded {
  if ('invalid' in res) {
    const ins = { address: res.address, length: Math.max(1, res.length), mnemonic: '???', op: '#ud', operands: [], opSize: 4, addrSize: 8,
      prefixes: { lock: false, rep: null, seg: null, opSize: false, addrSize: false, rex: 0 }, row: -1, reason: res.reason, tooLong: res.tooLong === true } as unknown as Instruction;
    const next = rip + ins.length;
    return { ins, fn: undecodable, o: [], rip, next, nextLo: next >>> 0, nextHi: Math.floor(next / TWO32) >>> 0, len: ins.length, size: 4, cond: -1, hook, slow: hook };
  }
  const fn = semanticsTable[res.op] ?? unimplemented;
  const next = rip + res.length;
  return {
    ins: res, fn, o: res.operands.map(compileOperand), rip, next,
    nextLo: next >>> 0, nextHi: Math.floor(next / TWO32) >>> 0, len: res.length, size: res.opSize, cond: res.cond ?? -1, hook,
    slow: hook || res.op === 'syscall' || res.op === 'sysret',
  };
}

export { pairToLinear, isCanonicalPair };
