// What kd prints when the target stops, and what it records: a kernel stop (KernelStop) becomes
// kd's event text (breakpoint hit, step, first-chance exception, bug check banner, triple fault,
// exit, break-in, budget) and the StopInfo the session logs. The session keeps the bookkeeping
// (session.ts, report()).

import * as fmt from './format/core.ts';
import type { KdSession, StopInfo } from './session.ts';
import type { KernelStop } from './target.ts';

export const SINGLE_STEP = 0x80000004;
export const BREAKPOINT = 0x80000003;
/** Instructions the kernel may run to deliver and report a single step (#DB path). */
export const STEP_BUDGET = 100_000;

export interface DescribedStop {
  info: StopInfo;
  text: string;
  /** The target cannot run on: why (kd's answer to a resume until .reboot). */
  halted?: string;
  bugcheck?: fmt.BugCheck;
}

/** A stop as kd reports it. `processorHit()` names the processor breakpoint a debug exception hit (DR6). A
 *  one-shot breakpoint that was hit is removed. */
export function describeStop(s: KdSession, stop: KernelStop, how: 'g' | 't', ran: number, processorHit: () => number | undefined): DescribedStop {
  let info: StopInfo;
  let text: string;
  let halted: string | undefined;
  let bugcheck: fmt.BugCheck | undefined;
  switch (stop.kind) {
    case 'debug-break': {
      const address = stop.address;
      const hw = stop.code === SINGLE_STEP ? processorHit() : undefined;
      const bp = hw !== undefined ? s.breakpoints.get(hw) : s.breakpoints.at(address);
      const temp = s.breakpoints.isTemporaryAt(address);
      if (hw !== undefined && bp) {
        info = { kind: 'break', breakpoint: bp.id, address, symbol: s.symbolize(address), code: stop.code };
        text = `${fmt.breakpointHit(bp.id)}
${s.currentLocation()}`;
        if (bp.oneShot) s.breakpoints.remove(bp.id);
      } else if (stop.code === SINGLE_STEP || (temp && !bp)) {
        info = { kind: 'step', address, symbol: s.symbolize(address) };
        text = how === 't' ? `${fmt.registerBlock(s.registerFile())}\n${s.currentLocation()}` : s.currentLocation();
      } else if (bp) {
        info = { kind: 'break', breakpoint: bp.id, address, symbol: s.symbolize(address), code: stop.code };
        text = `${fmt.breakpointHit(bp.id)}\n${s.currentLocation()}`;
        if (bp.oneShot) s.breakpoints.remove(bp.id);
      } else {
        info = { kind: 'break', breakpoint: null, address, symbol: s.symbolize(address), code: stop.code };
        text = `Break instruction exception - code ${fmt.hexN(stop.code, 8)} (first chance)\n${s.currentLocation()}`;
      }
      break;
    }
    case 'bugcheck': {
      const args = [...stop.args, 0n, 0n, 0n, 0n].slice(0, 4) as [bigint, bigint, bigint, bigint];
      bugcheck = { code: stop.code, args };
      info = { kind: 'bugcheck', code: stop.code, args };
      halted = 'The target is stopped in KeBugCheckEx; .reboot restarts it.';
      text = `${fmt.bugCheckBanner(bugcheck)}\n${s.currentLocation()}`;
      break;
    }
    case 'triple-fault':
      info = { kind: 'triple-fault' };
      halted = 'The target has reset (triple fault); use .reboot to start it again.';
      text = [
        'The processor shut down: a fault occurred while it was delivering a double fault (triple fault).',
        'No bug check was raised; the machine resets and the debugger loses the target.',
        'Shutdown occurred...unloading all symbol tables.',
      ].join('\n');
      break;
    case 'exited':
      info = { kind: 'exited', status: stop.status };
      halted = 'The target has no runnable thread left; use .reboot to start it again.';
      text = `The process exited${stop.status !== undefined ? ` with status ${fmt.hexN(stop.status, 8)}` : ''}; the processor is idle.`;
      break;
    case 'halt':
      info = { kind: 'exited' };
      halted = 'The processor is halted; use .reboot to start the target again.';
      text = `The processor halted (hlt) with nothing left to wake it.\n${s.currentLocation()}`;
      break;
    case 'internal-error':
      info = { kind: 'exited' };
      halted = 'The emulator stopped on an internal error; use .reboot to start the target again.';
      text = `Emulator error: ${stop.message}`;
      break;
    case 'break-in':
      info = { kind: 'break-in', address: s.machine.getReg('rip') };
      text = `${fmt.breakInBanner()}\n${s.currentLocation()}`;
      break;
    case 'budget':
    default:
      info = { kind: 'budget', instructions: ran || STEP_BUDGET };
      text = `Instruction budget exhausted: the target ran ${ran || STEP_BUDGET} instructions with no event; stopped here (g continues).\n${s.currentLocation()}`;
      break;
  }
  return { info, text, ...(halted ? { halted } : {}), ...(bugcheck ? { bugcheck } : {}) };
}
