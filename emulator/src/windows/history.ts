// Time travel on the modeled machine: the CPU's undo journal (cpu/journal.ts) seen as the kernel
// debugger needs it. A position is the number of the debuggee's instructions retired since the
// journal was enabled (the kernel's own #DB/#BP path to the debugger report and back is not
// counted, so positions do not depend on how often kd stopped on the way). Going back restores the
// machine exactly; going forward runs it again.

import type { Kernel, KernelStop } from './kernel.ts';
import type { EntryInfo } from '../cpu/journal.ts';

export class KernelHistory {
  private readonly k: Kernel;
  constructor(k: Kernel) { this.k = k; }

  private get journal() { return this.k.cpu.journal; }

  /** Keeps at least `instructions` steps of history (0 turns time travel off). */
  enable(instructions: number): void { this.journal.enable(instructions); }
  get enabled(): boolean { return this.journal.on; }
  /** Steps the window keeps at least. */
  get capacity(): number { return this.journal.capacity; }
  /** Bytes the history holds now. */
  get bytes(): number { return this.journal.bytes; }
  /** The debuggee's retired instructions so far (see header). */
  get position(): number { return this.journal.position; }
  /** The position at the window's start. */
  get startPosition(): number { return this.journal.startPosition; }
  /** Absolute index of the current journal boundary (for returning to a recorded stop). */
  get index(): number { return this.journal.current; }
  /** #DB/#BP handler frames open: 0 when the machine is in the debuggee's own code. */
  get frames(): number { return this.journal.frames; }
  /** What the last entry did, or null at the window's start. */
  last(): EntryInfo | null { return this.journal.last(); }
  /** What the entry `back` places before the last did, without undoing it. */
  peek(back: number): EntryInfo | null { return this.journal.peek(back); }
  /** Undoes the last entry; false at the window's start. The kernel is no longer in a report. */
  back(): boolean {
    const ok = this.journal.undo();
    if (ok) this.leaveReport();
    return ok;
  }

  /** Runs `f` (a debugger planting or removing its int 3 bytes) without recording its writes:
   *  history holds the machine's own bytes. */
  unrecorded<T>(f: () => T): T {
    const j = this.journal;
    const was = j.paused;
    j.paused = true;
    try { return f(); } finally { j.paused = was; }
  }

  /** After travel the machine is somewhere in the debuggee, not in the report: kd shows the live
   *  registers and resumes from them. */
  leaveReport(): void { this.k.reportedTrapFrame = null; this.k.lastStop = null; this.k.cpu.resumeAtHook(false); }
  /** Back at a recorded stop: the kernel is in that report again. */
  enterReport(stop: KernelStop, trapFrame: bigint | null): void {
    this.k.reportedTrapFrame = trapFrame;
    this.k.lastStop = stop;
    this.k.cpu.resumeAtHook(true);
  }
  get trapFrame(): bigint | null { return this.k.reportedTrapFrame; }
  get kernelStop(): KernelStop | null { return this.k.lastStop; }

  /** Runs forward, unobserved, until the debuggee has retired `position` instructions, or the
   *  kernel stops on its own (a report, a bug check...) or `budget` steps have run. */
  runTo(position: number, budget: number): KernelStop | null {
    if (this.k.reportedTrapFrame !== null) {
      // Stopped in a report (a breakpoint or a step kd showed): the report returns first, as a
      // resume does, rather than reporting the same event again.
      this.k.reportedTrapFrame = null;
      this.k.lastStop = null;
      this.k.cpu.resumeAtHook(true);
    } else {
      this.leaveReport();
    }
    const cpu = this.k.cpu;
    for (let n = 0; n < budget && this.journal.position < position; n++) {
      const r = cpu.step();
      if (r !== null) return this.k.stopFrom(r);
    }
    return this.journal.position >= position ? null : { kind: 'budget', rip: cpu.getReg('rip') };
  }
}
