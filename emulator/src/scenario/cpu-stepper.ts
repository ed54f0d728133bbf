// Stepping the processor itself, one instruction at a time, the way a hardware debugger (or a
// hypervisor's) does: no int3, no #DB, nothing the guest can see. kd cannot do this at
// KiSystemCall64+0 (its breakpoint is an exception the guest itself must handle, on a user stack);
// an outside view can, and that is what shows RSP still pointing at the user stack until +0Ch.
// Step back uses the CPU's undo journal, so the previous state is restored exactly.

import type { Machine } from '../cpu/machine.ts';
import { KdSession } from '../debugger/session.ts';
import type { KernelView } from '../debugger/target.ts';
import { evaluateAll, type BootKernel } from './run.ts';
import { captureState, hex64, type Hex64, type MachineState, type ScenarioOptions } from './trace.ts';

/** A kernel whose processor can be driven directly (the modeled kernel's `cpu`). */
export type SteppableKernel = KernelView & { cpu: Machine };

export interface StackSlot {
  address: Hex64;
  /** Offset from RSP in bytes. */
  offset: number;
  value: Hex64 | null;
  /** The page's U/S bit (SDM Vol. 3A §4.6): true = user page, false = supervisor, null = unmapped. */
  user: boolean | null;
  /** The _KTRAP_FRAME field this slot is, when it lies in the frame the system-call entry builds
   *  below the thread's initial kernel stack (KPRCB.RspBase, gs:[1A8h]). */
  frameField?: string;
}

export interface StepView {
  state: MachineState;
  /** `nt!KiSystemCall64+0x3` */
  at: string;
  /** kd's disassembly line of the next instruction. */
  line: string;
  /** Instructions retired since boot. */
  icount: number;
  /** Which half of the address space RSP points into: Windows x64 gives user mode the lower half
   *  and the kernel the upper half of the canonical addresses (SDM Vol. 1 §3.3.7.1). */
  rspSpace: 'user' | 'kernel';
  stack: StackSlot[];
  /** The last processor event of the step, in the log's words (exception, SWAPGS, ...). */
  event?: string;
  /** The per-processor slots the entry reads through GS, as the current GS base resolves them. */
  memory: MemoryWatch[];
}

export interface MemoryWatch {
  /** `gs:[1A8h]` */
  operand: string;
  address: Hex64;
  value: Hex64 | null;
  /** The page's U/S bit, null when unmapped. */
  user: boolean | null;
}

/** gs:[10h] is where the entry parks the user RSP (KPCR.UserRsp), gs:[1A8h] the thread's kernel
 *  stack top (KPRCB.RspBase at KPCR + 180h + 28h). Read through a user GS base, the same offsets
 *  land in the TEB. */
const GS_WATCH = [0x10n, 0x1a8n];

export class StepperError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepperError';
  }
}

/** Instructions the machine may run from boot to the starting point. */
const START_BUDGET = 2_000_000;
/** Instructions a step over (a call, a rep string) may take. */
const OVER_BUDGET = 1_000_000;
/** Instructions the undo journal keeps. */
const JOURNAL_STEPS = OVER_BUDGET + 1000;
const STACK_SLOTS = 6;

export class CpuStepper {
  readonly kernel: SteppableKernel;
  readonly session: KdSession;
  /** Machine instructions each reader step took, for step back. */
  private readonly taken: number[] = [];

  private constructor(kernel: SteppableKernel) {
    this.kernel = kernel;
    this.session = new KdSession({ kernel });
  }

  /** Boots a kernel and runs its processor, unobserved, until RIP reaches `from` (a kd expression)
   *  for the `passes`-th time (kd's `bp Address Passes` counts the same way; default the first). */
  static start(boot: BootKernel, options: ScenarioOptions, from: string, passes = 1): CpuStepper {
    const kernel = boot(options) as SteppableKernel;
    if (!kernel.cpu || typeof kernel.cpu.step !== 'function') throw new StepperError('This kernel does not expose its processor; the stepper needs one.');
    const s = new CpuStepper(kernel);
    const target = evaluateAll(s.session, [from])[from];
    if (!/^[0-9a-f]{16}$/.test(target)) throw new StepperError(`Cannot start the stepper at "${from}": ${target}`);
    const address = BigInt('0x' + target);
    const cpu = kernel.cpu;
    if (!Number.isInteger(passes) || passes < 1) throw new StepperError(`passes=${passes} should be a whole number of at least 1.`);
    let seen = 0;
    cpu.addHook(address, () => (++seen >= passes ? { stop: true, reason: 'stepper start' } : undefined));
    const stop = cpu.run({ budget: START_BUDGET });
    cpu.removeHook(address);
    if (stop.kind !== 'hook' || stop.rip !== address) {
      throw new StepperError(`The machine never reached ${from}${passes > 1 ? ` ${passes} times` : ''}: it stopped with ${stop.kind} at ${hex64(stop.rip)} first.`);
    }
    cpu.journal.enable(JOURNAL_STEPS);
    return s;
  }

  get steps(): number {
    return this.taken.length;
  }

  view(): StepView {
    const cpu = this.kernel.cpu;
    const rip = cpu.getReg('rip');
    const rsp = cpu.getReg('rsp');
    const d = this.session.disassemble(rip);
    const frame = this.trapFrameBase();
    const stack: StackSlot[] = [];
    for (let i = -2; i < STACK_SLOTS - 2; i++) {
      const a = BigInt.asUintN(64, rsp + BigInt(8 * i));
      const t = cpu.translate(a);
      const bytes = cpu.readVirtual(a, 8);
      let value: Hex64 | null = null;
      if (bytes) {
        let v = 0n;
        for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]);
        value = hex64(v);
      }
      const field = frame ? this.frameFieldAt(frame, a) : undefined;
      stack.push({ address: hex64(a), offset: 8 * i, value, user: t ? t.user : null, ...(field ? { frameField: field } : {}) });
    }
    const gsBase = cpu.getSeg('gs').base;
    const memory: MemoryWatch[] = GS_WATCH.map((off) => {
      const a = BigInt.asUintN(64, gsBase + off);
      const t = cpu.translate(a);
      const q = this.readQword(a);
      return { operand: `gs:[${off.toString(16).toUpperCase()}h]`, address: hex64(a), value: q === null ? null : hex64(q), user: t ? t.user : null };
    });
    const last = cpu.events.events[cpu.events.events.length - 1] as { kind: string; icount: number; name?: string } | undefined;
    const fresh = last && last.icount >= cpu.icount - 1 && this.taken.length > 0;
    return {
      state: captureState(cpu),
      at: this.session.symbolize(rip) ?? hex64(rip),
      line: d.line,
      icount: cpu.icount,
      rspSpace: rsp >> 63n ? 'kernel' : 'user',
      stack,
      memory,
      ...(fresh && last ? { event: last.name ? `${last.kind} ${last.name}` : last.kind } : {}),
    };
  }

  /** Where the system-call entry builds its _KTRAP_FRAME: right below KPRCB.RspBase, the
   *  stack pointer it loads from gs:[1A8h] (KPCR + 180h + 28h), frame size 190h. */
  private trapFrameBase(): { base: bigint; size: number } | null {
    const layout = this.kernel.structs['_KTRAP_FRAME'];
    const size = layout?.fields.reduce((m, f) => Math.max(m, f.offset + f.size), 0) ?? 0;
    const rspBase = this.session.readQword(this.session.kpcr() + 0x1a8n);
    if (!layout || !size || rspBase === undefined || rspBase === 0n) return null;
    return { base: rspBase - BigInt(size), size };
  }

  private frameFieldAt(frame: { base: bigint; size: number }, a: bigint): string | undefined {
    if (a < frame.base || a >= frame.base + BigInt(frame.size)) return undefined;
    const off = Number(a - frame.base);
    const f = this.kernel.structs['_KTRAP_FRAME'].fields.find((x) => x.offset === off);
    return f ? `_KTRAP_FRAME.${f.name} (+0x${off.toString(16)})` : undefined;
  }

  private readQword(a: bigint): bigint | null {
    const bytes = this.kernel.cpu.readVirtual(a, 8);
    if (!bytes) return null;
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]);
    return v;
  }

  /** One instruction (F11). Returns a message if the machine cannot go on. */
  step(): string | null {
    const cpu = this.kernel.cpu;
    const before = cpu.icount;
    const stop = cpu.step();
    this.taken.push(1);
    if (stop && cpu.icount === before && stop.kind !== 'exception') return describeStop(stop);
    return null;
  }

  /** Steps over (F10), as kd's `p` does: over a `call`, and over a `syscall`, whose system call
   *  runs in the kernel until `sysret` comes back to the next instruction, it runs until RIP
   *  reaches the instruction after it; any other instruction is one step. */
  stepOver(): string | null {
    const cpu = this.kernel.cpu;
    const rip = cpu.getReg('rip');
    const d = this.session.disassemble(rip);
    if (!d.ins || !/^(call|syscall)/.test(d.ins.mnemonic ?? String((d.ins as { op?: string }).op ?? ''))) return this.step();
    const next = rip + BigInt(d.length);
    let n = 0;
    let message: string | null = null;
    while (n < OVER_BUDGET) {
      const stop = cpu.step();
      n++;
      if (cpu.getReg('rip') === next) break;
      if (stop && (stop.kind === 'triple-fault' || stop.kind === 'halt' || stop.kind === 'internal-error' || stop.kind === 'hook')) {
        message = describeStop(stop);
        break;
      }
    }
    if (n >= OVER_BUDGET && cpu.getReg('rip') !== next) message = `The ${d.ins.mnemonic} did not come back to the next instruction within ${OVER_BUDGET} instructions.`;
    this.taken.push(n);
    return message;
  }

  /** Undoes the last reader step exactly (registers, memory, TLB, event log). */
  back(): boolean {
    const n = this.taken.pop();
    if (n === undefined) return false;
    for (let i = 0; i < n; i++) if (!this.kernel.cpu.stepBack()) return false;
    return true;
  }

  /** kd expressions on the current machine (hex or kd's error text). */
  evaluate(expressions: string[]): Record<string, string> {
    return evaluateAll(this.session, expressions);
  }
}

function describeStop(stop: { kind: string; rip?: bigint; message?: string; reason?: string }): string {
  switch (stop.kind) {
    case 'triple-fault': return 'The processor shut down (triple fault); step back to look at how it got there.';
    case 'halt': return 'The processor is halted (HLT).';
    case 'hook': return `The kernel reached a debugger report point (${stop.reason ?? 'hook'}).`;
    case 'internal-error': return `The emulator could not execute this instruction: ${stop.message}`;
    default: return `The processor stopped (${stop.kind}).`;
  }
}
