// Run control: kd resuming the target. `g` steps off the breakpoint it stands on, plants the
// breakpoints, runs in slices (yielding between them, polling for a break-in), takes the
// breakpoints out and reports the event; `t`/`p` are one step through the kernel's #DB path.
// Before any run the stop is marked for time travel and the processor breakpoints go into the
// KPRCB's KernelDr slots; an exception kd did not cause follows `sx` (event-filters.ts).

import * as fmt from './format/core.ts';
import { recordMark } from './time-travel-marks.ts';
import { SLICE, type KdSession, type RunSteps } from './session.ts';
import { BREAKPOINT, SINGLE_STEP, STEP_BUDGET } from './stop-report.ts';
import type { KernelStop } from './target.ts';

const RF = 0x10000n;

export interface GoOptions {
  /** A one-shot breakpoint (`p` over a call, `gu`, `g Address`). */
  tempAt?: bigint;
  /** Print the register block with the event (the steps of `p`). */
  showRegisters?: boolean;
  /** Answer the pending exception report with "not handled" (`gn`). */
  notHandled?: boolean;
}

/** `go` as a run that yields after each slice; `notHandled` answers the pending exception
 *  report with "not handled" (`gn`). */
export function* goSteps(s: KdSession, options: GoOptions = {}): RunSteps {
  if (s.halted) return s.halted;
  if (options.tempAt !== undefined) s.breakpoints.addTemporary(options.tempAt);
  try {
    const refused = beforeRun(s);
    if (refused) return refused;
    if (!options.notHandled) skipHardcodedBreak(s);
    const rip = s.machine.getReg('rip');
    const out: string[] = [];
    // Resuming from a breakpoint: execute the original instruction first (with its byte
    // restored, single-stepped through the kernel's #DB path), then plant and run.
    if (s.breakpoints.at(rip) || s.breakpoints.isTemporaryAt(rip)) {
      const stop = s.kernel.resume({ budget: STEP_BUDGET, singleStep: true });
      if (!(stop.kind === 'debug-break' && stop.code === SINGLE_STEP)) return s.report(stop, 'g');
    }
    const failed = unrecorded(s, () => s.breakpoints.insert(s.machine));
    if (failed.length) {
      for (const b of failed) out.push(fmt.breakpointInsertFailure(b.id, b.address!));
      return out.join('\n');
    }
    let stop: KernelStop = { kind: 'budget' };
    let ran = 0;
    let notHandled = options.notHandled === true && s.lastEvent?.kind === 'break';
    try {
      while (ran < s.budget) {
        const n = Math.min(SLICE, s.budget - ran);
        stop = s.kernel.resume(notHandled ? { budget: n, notHandled } : { budget: n });
        notHandled = false;
        ran += n;
        // An exception kd did not cause, which sx says not to break on: print it (or not) and
        // continue with it not handled.
        const passed = filteredEvent(s, stop);
        if (passed !== null) {
          if (passed !== '') out.push(passed);
          notHandled = true;
          continue;
        }
        if (stop.kind !== 'budget') break;
        yield;
        if (s.options.interruptRequested?.() || s.stopPoll?.()) {
          stop = { kind: 'break-in' };
          break;
        }
      }
    } finally {
      unrecorded(s, () => s.breakpoints.restore(s.machine));
    }
    return [...out, s.report(stop, options.showRegisters ? 't' : 'g', ran)].join('\n');
  } finally {
    s.breakpoints.clearTemporaries();
  }
}

/** The sx decision for a stop (null: report it and break in). Only exceptions kd did not cause:
 *  not its breakpoints (int 3 or debug register), not its temporary breakpoints. */
function filteredEvent(s: KdSession, stop: KernelStop): string | null {
  if (stop.kind !== 'debug-break') return null;
  if (stop.code === SINGLE_STEP && processorBreakpointHit(s) !== undefined) return null;
  if (stop.code === BREAKPOINT && (s.breakpoints.at(stop.address) || s.breakpoints.isTemporaryAt(stop.address))) return null;
  return s.filters.decide(stop.code);
}

/**
 * Continuing from an `int 3` that is in the code (not one of ours, whose bytes are out while
 * the target is stopped): Windows' KdpTrap moves the context's RIP past the one-byte `int 3`
 * when the debugger left it unchanged, so the target does not break on it again.
 */
function skipHardcodedBreak(s: KdSession): void {
  const last = s.lastEvent;
  if (!last || last.kind !== 'break' || last.breakpoint !== null || last.code !== BREAKPOINT) return;
  const rip = s.machine.getReg('rip');
  if (rip !== last.address || s.machine.readVirtual(rip, 1)?.[0] !== 0xcc) return;
  s.machine.setReg('rip', rip + 1n);
}

/** One instruction through the kernel's single-step path (TF set, #DB reported). */
export function stepOnce(s: KdSession): string {
  if (s.halted) return s.halted;
  const refused = beforeRun(s);
  if (refused) return refused;
  skipHardcodedBreak(s);
  const stop = s.kernel.resume({ budget: STEP_BUDGET, singleStep: true });
  return s.report(stop, 't');
}

/**
 * Before the target runs: the stop is marked for time travel, and the processor breakpoints go
 * into the debug registers as kd puts them there (the KPRCB's KernelDr slots, which the kernel
 * loads when it continues). Continuing from an execute breakpoint sets RF in the context, so the
 * instruction runs once without faulting again (SDM Vol. 3B §18.3.1.1). Returns kd's refusal.
 */
function beforeRun(s: KdSession): string | null {
  recordMark(s, s.marks);
  const regs = s.breakpoints.debugRegisters();
  if (!regs) return 'Too many data breakpoints for processor 0';
  s.drSlots = regs.slots;
  s.kernel.setDebugRegisters?.(regs.addresses, regs.dr7);
  const last = s.lastEvent;
  if (last?.kind === 'break' && last.breakpoint !== null && s.breakpoints.get(last.breakpoint)?.access === 'e' && s.machine.getReg('rip') === last.address) {
    s.machine.setReg('rflags', s.machine.getReg('rflags') | RF);
  }
  return null;
}

/** The processor breakpoint a debug exception reports in DR6 (B0-B3 -> the ids in DR0-DR3). */
export function processorBreakpointHit(s: KdSession): number | undefined {
  if (!s.kernel.debugStatus || s.drSlots.length === 0) return undefined;
  const b = Number(s.kernel.debugStatus() & 0xfn);
  for (let n = 0; n < s.drSlots.length; n++) if (b & (1 << n)) return s.drSlots[n];
  return undefined;
}

/** Runs `f` without recording its memory writes in the time-travel history (kd's int 3s). */
function unrecorded<T>(s: KdSession, f: () => T): T {
  const h = s.kernel.history;
  return h?.enabled ? h.unrecorded(f) : f();
}
