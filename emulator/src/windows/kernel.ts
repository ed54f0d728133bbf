// The running kernel as the debugger sees it: resume the machine until the guest's own code reaches
// one of the kernel's report points, and present the context that code saved.
//
// Report points (addresses of real instructions; the machine stops when RIP reaches them, before
// they execute, and runs them when resumed):
//  - nt!KdpReport: KiDispatchException called KdTrap for a breakpoint or single step; rcx holds
//    the EXCEPTION_RECORD and r8 the KTRAP_FRAME. -> `debug-break`, context = that trap frame.
//  - nt!DbgBreakPointWithStatus: KeBugCheckEx stored the code and arguments in KiBugCheckData and
//    breaks in. -> `bugcheck`, read from KiBugCheckData.
//  - nt!KiIdleLoop: the last thread ended (NtTerminateProcess). -> `exited`, status from EPROCESS.
// Everything else (triple fault, instruction budget) is the CPU's own stop reason.

import type { Machine, StopReason } from '../cpu/machine.ts';
import { linearToBig } from '../cpu/state.ts';
import { boot } from './boot.ts';
import type { WindowsOptions, ResolvedOptions, BootImage } from './boot.ts';
import type { KernelImage } from './image.ts';
import { STRUCTS, off } from './structs.ts';
import type { StructDef } from './structs.ts';
import { Symbols } from './symbols.ts';
import { NT, PAGE, PCR, THREAD, USER } from './layout.ts';
import { trackRoutines } from './routine-tracker.ts';
import { KernelHistory } from './history.ts';

export type KernelStop =
  | { kind: 'debug-break'; code: number; address: bigint; trapFrame: bigint; exceptionRecord: bigint }
  | { kind: 'bugcheck'; code: number; args: readonly bigint[] }
  | { kind: 'triple-fault'; rip: bigint; first: number; second: number }
  | { kind: 'budget'; rip: bigint }
  | { kind: 'break-in'; rip: bigint }
  | { kind: 'exited'; status: number }
  | { kind: 'halt'; rip: bigint }
  | { kind: 'internal-error'; message: string };

const TF_FLAG = 0x100n;
const TRAP = (field: string) => BigInt(off(`_KTRAP_FRAME.${field}`));

/** Registers the trap frame holds (KTRAP_FRAME field per register). r12..r15 are not in a
 *  KTRAP_FRAME (Windows keeps them in a KEXCEPTION_FRAME); the model's path from the trap to the
 *  report never touches them, so the live CPU values are the interrupted ones. */
const FRAME_REG: Record<string, string> = {
  rax: 'Rax', rcx: 'Rcx', rdx: 'Rdx', r8: 'R8', r9: 'R9', r10: 'R10', r11: 'R11',
  rbx: 'Rbx', rdi: 'Rdi', rsi: 'Rsi', rbp: 'Rbp', rip: 'Rip', rsp: 'Rsp', rflags: 'EFlags', eflags: 'EFlags',
};

/**
 * The machine as kd sees it: while the kernel is stopped in its debugger report, registers are
 * the context the trap handler saved (reads and writes go to the trap frame, so the kernel's
 * iretq returns into whatever the user set); otherwise they are the live CPU's. Memory, MSRs and
 * control registers are always the live machine's.
 */
export class ContextView {
  private readonly k: Kernel;
  constructor(k: Kernel) { this.k = k; }
  private get cpu(): Machine { return this.k.cpu; }
  private frameSlot(name: string): bigint | null {
    const tf = this.k.reportedTrapFrame;
    const f = FRAME_REG[name.toLowerCase()];
    return tf !== null && f ? tf + TRAP(f) : null;
  }
  getReg(name: string): bigint {
    const slot = this.frameSlot(name);
    if (slot === null) return this.cpu.getReg(name);
    const size = name.toLowerCase().endsWith('flags') ? 4 : 8;
    return readLe(this, slot, size);
  }
  setReg(name: string, value: bigint): void {
    const slot = this.frameSlot(name);
    if (slot === null) { this.cpu.setReg(name, value); return; }
    const size = name.toLowerCase().endsWith('flags') ? 4 : 8;
    writeLe(this, slot, BigInt.asUintN(size * 8, value), size);
  }
  getSeg(name: string): { selector: number; base: bigint; limit: number; attributes: number } {
    const live = this.cpu.getSeg(name);
    const tf = this.k.reportedTrapFrame;
    const n = name.toLowerCase();
    if (tf !== null && (n === 'cs' || n === 'ss')) {
      return { ...live, selector: Number(readLe(this, tf + TRAP(n === 'cs' ? 'SegCs' : 'SegSs'), 2)) };
    }
    return live;
  }
  readMsr(index: number): bigint { return this.cpu.readMsr(index); }
  writeMsr(index: number, value: bigint): void { this.cpu.writeMsr(index, value); }
  getCr(n: number): bigint { return this.cpu.getCr(n); }
  /** GDTR, IDTR, TR (SDM Vol. 3A §2.4.1-2.4.4). The model has no LDT: LDTR stays null, as the
   *  x64 Windows kernel leaves it (assumption: no process of the model uses an LDT). */
  tables() {
    const c = this.cpu;
    return {
      gdtr: { base: linearToBig(c.gdtrBase), limit: c.gdtrLimit },
      idtr: { base: linearToBig(c.idtrBase), limit: c.idtrLimit },
      tr: { selector: c.trSel, base: linearToBig(c.trBase), limit: c.trLimit },
      ldtr: { selector: 0, base: 0n, limit: 0 },
    };
  }
  // Memory as the kernel sees it. On Windows the debugger's memory accesses are made by the
  // kernel's debugger stub, which runs with the kernel page tables; with KVA shadow the CPU may be
  // stopped on the user CR3, which maps almost no kernel memory, so the view uses the kernel's.
  readVirtual(va: bigint, n: number): Uint8Array | null { return this.k.withKernelCr3(() => this.cpu.readVirtual(va, n)); }
  writeVirtual(va: bigint, bytes: ArrayLike<number>): boolean { return this.k.withKernelCr3(() => this.cpu.writeVirtual(va, bytes)); }
  translate(va: bigint) { return this.k.withKernelCr3(() => this.cpu.translate(va)); }
  /** Physical memory as it is (no page tables): kd's page-table walks read it. */
  readPhysical(pa: bigint, n: number): Uint8Array { return this.cpu.phys.read(pa, n); }
  get events() { return this.cpu.events; }
}

function readLe(m: Machine | ContextView, va: bigint, n: number): bigint {
  const b = m.readVirtual(va, n);
  if (!b) return 0n;
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}
function writeLe(m: Machine | ContextView, va: bigint, v: bigint, n: number): void {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) { out[i] = Number((v >> BigInt(8 * i)) & 0xffn); }
  m.writeVirtual(va, out);
}

export class Kernel {
  /** The emulated processor and memory. */
  readonly cpu: Machine;
  /** What kd reads and writes: the reported context while stopped in a report (see ContextView). */
  readonly machine: ContextView;
  readonly options: ResolvedOptions;
  readonly symbols: Symbols;
  readonly structs: Readonly<Record<string, StructDef>> = STRUCTS;
  readonly kpcr = PCR.kpcr;
  readonly image: BootImage;
  /** Trap frame of the current debug-break, or null when not stopped in the debugger report. */
  reportedTrapFrame: bigint | null = null;
  lastStop: KernelStop | null = null;
  private breakRequested = false;
  private stepping = false;
  /** Time travel on the CPU's undo journal (off until `history.enable`). */
  readonly history: KernelHistory;

  constructor(image: BootImage) {
    this.image = image;
    this.cpu = image.machine;
    this.options = image.options;
    this.machine = new ContextView(this);
    this.history = new KernelHistory(this);
    const dataInNt: Record<string, bigint> = {};
    // Model-only slots (the dfReloadsGs switch, the KPCR copy) are not symbols of nt. The
    // sysretUnchecked switch keeps its name: the exit's first instruction reads it, and without a
    // name kd would call it after the nearest real symbol (nt!MmPteBase+0x10), which Windows never reads.
    const hidden = new Set(['SharedUserDataKernel', 'KiDoubleFaultReloadsGs', 'KiDoubleFaultPcr']);
    // nt!KiDebugTraps came with the May 2018 update: a symbol only on a machine that has it.
    if (!image.options.movSsFix) hidden.add('KiDebugTraps');
    for (const [k, v] of Object.entries(image.data)) if (!hidden.has(k)) dataInNt[k] = v;
    this.symbols = new Symbols(image.labels.nt, dataInNt, image.labels.ntdll, image.labels.app);
    const nt = image.labels.nt;
    this.cpu.addHook(nt.get('KdpReport')!, () => ({ stop: true, reason: 'nt!KdpReport: exception reported to the kernel debugger' }));
    this.cpu.addHook(nt.get('DbgBreakPointWithStatus')!, () => ({ stop: true, reason: 'nt!DbgBreakPointWithStatus: bug check' }));
    this.cpu.addHook(nt.get('KiIdleLoop')!, () => ({ stop: true, reason: 'nt!KiIdleLoop: no thread left to run' }));
  }

  /** Runs `f` with CR3 = the kernel's page tables (which also map all user memory), then puts the
   *  CPU's CR3 back. */
  withKernelCr3<T>(f: () => T): T {
    const saved = this.cpu.getCr(3);
    if (saved === this.image.kernelCr3) return f();
    this.cpu.setCr(3, this.image.kernelCr3);
    try { return f(); } finally { this.cpu.setCr(3, saved); }
  }

  /** Records the public nt and ntdll routines the processor enters from now on; the returned
   *  function stops recording and lists them (routine-tracker.ts). */
  trackRoutines(): () => string[] {
    return trackRoutines(this.cpu, this.symbols, (a) =>
      (a >= NT.text && a < NT.text + NT.textSize) || (a >= NT.kvascode && a < NT.kvascode + PAGE) ||
      (a >= USER.ntdllBase && a < USER.ntdllBase + USER.ntdllSize));
  }

  // ---- debug registers, as a kernel debugger reaches them ----

  private specialRegister(name: string): bigint {
    return PCR.kpcr + BigInt(off('_KPCR.Prcb') + off('_KPRCB.ProcessorState') + off(`_KSPECIAL_REGISTERS.${name}`));
  }
  /** Programs DR0-DR3 and DR7 the way kd does: while stopped in the report, into
   *  KPRCB.ProcessorState.SpecialRegisters.KernelDr* (KdTrap loads them into the processor when the
   *  target continues) with KernelDr6 reset; stopped anywhere else (a time-travel position), into
   *  the processor itself, as a hardware debugger would. */
  setDebugRegisters(addresses: readonly bigint[], dr7: bigint): void {
    if (this.reportedTrapFrame !== null) {
      for (let n = 0; n < 4; n++) writeLe(this.machine, this.specialRegister(`KernelDr${n}`), addresses[n] ?? 0n, 8);
      writeLe(this.machine, this.specialRegister('KernelDr7'), dr7, 8);
      writeLe(this.machine, this.specialRegister('KernelDr6'), 0xffff0ff0n, 8);
      return;
    }
    for (let n = 0; n < 4; n++) this.cpu.setDr(n, addresses[n] ?? 0n);
    this.cpu.setDr(7, dr7);
  }
  /** DR6 of the last debug exception: KernelDr6 as KdTrap saved it while stopped in the report,
   *  else the processor's. */
  debugStatus(): bigint {
    return this.reportedTrapFrame !== null ? readLe(this.machine, this.specialRegister('KernelDr6'), 8) : this.cpu.getDr(6);
  }

  /** Asks a running `resume` to stop at its next slice (Ctrl+Break). */
  breakIn(): void { this.breakRequested = true; }

  /**
   * Runs the machine until the kernel reports something or `budget` instructions have run.
   * `singleStep` sets the trap flag in the context first (as kd does for `t`), so the next
   * instruction ends in the kernel's #DB handler and its report; TF is cleared from the reported
   * context afterwards. `notHandled` answers the pending report with "not handled".
   */
  resume(opts: { budget?: number; singleStep?: boolean; notHandled?: boolean } = {}): KernelStop {
    if (this.lastStop?.kind === 'bugcheck' || this.lastStop?.kind === 'triple-fault' || this.lastStop?.kind === 'exited') {
      return this.lastStop; // the target cannot run on; kd offers .reboot
    }
    if (opts.notHandled && this.reportedTrapFrame !== null) {
      // The debugger continues with DBG_EXCEPTION_NOT_HANDLED (kd's `gn`, or an exception it only
      // reports, `sxd`/`sxn`): the report returns FALSE to KdTrap, whose caller, KiDispatchException,
      // goes on as without a debugger. The processor stands at KdpReport's first instruction;
      // returning from it with al = 0 is that answer (x64 calling convention: the result in rax).
      const rsp = this.cpu.getReg('rsp');
      this.cpu.setReg('rax', this.cpu.getReg('rax') & ~0xffn);
      this.cpu.setReg('rip', readLe(this.machine, rsp, 8));
      this.cpu.setReg('rsp', rsp + 8n);
    }
    if (opts.singleStep) {
      this.machine.setReg('rflags', this.machine.getReg('rflags') | TF_FLAG);
      this.stepping = true;
    }
    this.reportedTrapFrame = null;
    const budget = opts.budget ?? 1_000_000;
    const slice = 100_000;
    let left = budget;
    let reason: StopReason = { kind: 'budget', rip: this.cpu.getReg('rip') };
    while (left > 0) {
      if (this.breakRequested) {
        this.breakRequested = false;
        return this.finish({ kind: 'break-in', rip: this.cpu.getReg('rip') });
      }
      const n = Math.min(slice, left);
      reason = this.cpu.run({ budget: n });
      left -= n;
      if (reason.kind !== 'budget') break;
    }
    return this.finish(this.translate(reason));
  }

  /** A CPU stop as the kernel reports it (after a run the CPU did outside `resume`). */
  stopFrom(r: StopReason): KernelStop { return this.finish(this.translate(r)); }

  private finish(stop: KernelStop): KernelStop {
    if (this.stepping) {
      this.machine.setReg('rflags', this.machine.getReg('rflags') & ~TF_FLAG);
      this.stepping = false;
    }
    this.lastStop = stop;
    return stop;
  }

  private translate(r: StopReason): KernelStop {
    const nt = this.image.labels.nt;
    switch (r.kind) {
      case 'hook': {
        if (r.rip === nt.get('KdpReport')) {
          const rec = this.cpu.getReg('rcx');
          const tf = this.cpu.getReg('r8');
          this.reportedTrapFrame = tf;
          const code = Number(readLe(this.machine, rec, 4));
          return { kind: 'debug-break', code, address: readLe(this.machine, tf + TRAP('Rip'), 8), trapFrame: tf, exceptionRecord: rec };
        }
        if (r.rip === nt.get('DbgBreakPointWithStatus')) {
          const d = this.image.data.KiBugCheckData;
          const q = (i: number) => readLe(this.machine, d + BigInt(i * 8), 8);
          return { kind: 'bugcheck', code: Number(q(0) & 0xffffffffn), args: [q(1), q(2), q(3), q(4)] };
        }
        if (r.rip === nt.get('KiIdleLoop')) {
          const status = readLe(this.machine, THREAD.eprocess + BigInt(off('_EPROCESS.ExitStatus')), 4);
          return { kind: 'exited', status: Number(status) };
        }
        return { kind: 'internal-error', message: `unexpected hook stop at ${r.rip.toString(16)}: ${r.reason}` };
      }
      case 'triple-fault': return { kind: 'triple-fault', rip: r.rip, first: r.first, second: r.second };
      case 'budget': return { kind: 'budget', rip: r.rip };
      case 'halt': return { kind: 'halt', rip: r.rip };
      case 'exception': return { kind: 'internal-error', message: `exception ${r.name} not delivered: ${r.detail}` };
      case 'internal-error': return { kind: 'internal-error', message: r.message };
      default: return { kind: 'internal-error', message: 'unknown stop' };
    }
  }
}

/** Boots the modeled Windows 10 (build 17134) machine and returns its kernel, stopped at the user
 *  program's first instruction. The code comes from the committed pre-assembled image unless
 *  `image` is given (`assembleKernelImage()` assembles it from source). */
export function bootWindows(options: WindowsOptions = {}, image?: KernelImage): Kernel {
  return new Kernel(boot(options, image));
}
