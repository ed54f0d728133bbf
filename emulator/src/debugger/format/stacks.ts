// Layouts of the stack and trap-frame commands beyond k/kb (format.ts): kc, the trap-frame
// register block of .trap / .cxr, and the FAULTING_IP / TRAP_FRAME lines of !analyze -v.
// Sources: Microsoft's "k, kb, kc, kd, kp, kP, kv (Display Stack Backtrace)", ".trap (Display
// Trap Frame)", "!analyze"; the expected bytes are cited in tests/unit/kd-stacks.test.ts.

import { hex16, registerLines, type RegisterFile } from '../format.ts';

/** `kc`: the clean stack, `module!function` per frame, numbered. */
export function cleanStack(callSites: string[]): string {
  return [' # Call Site', ...callSites.map((c, i) => `${i.toString(16).padStart(2, '0')} ${c}`)].join('\n');
}

/** `.trap` / `.cxr`: the register block without the segment line, after WinDbg's note that a
 *  trap frame does not hold the non-volatile registers (they print as zero). */
export function trapRegisterBlock(r: RegisterFile, withNote: boolean): string {
  return [
    ...(withNote ? ['NOTE: The trap frame does not contain all registers.', 'Some register values may be zeroed or incorrect.'] : []),
    ...registerLines(r),
  ].join('\n');
}

/** The line a stack command prints first while a `.trap` / `.cxr` context is set. */
export const LAST_SET_CONTEXT = '  *** Stack trace for last set context - .thread/.cxr resets it';

/** `TRAP_FRAME:  <addr> -- (.trap 0x<addr>)` of !analyze -v (addresses without backtick there). */
export function trapFrameLine(frame: bigint): string {
  return `TRAP_FRAME:  ${hex16(frame)} -- (.trap 0x${hex16(frame)})`;
}

/** `FAULTING_IP:` then the symbol line and the instruction line. */
export function faultingIp(symbol: string | undefined, instructionLine: string): string[] {
  return ['FAULTING_IP: ', ...(symbol ? [symbol] : []), instructionLine];
}

