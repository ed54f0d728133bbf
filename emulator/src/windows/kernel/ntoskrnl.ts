// nt's .text as assembly source (WinDbg's Intel syntax), assembled at boot by the CPU's own
// assembler. Three kinds of code live here:
//  - copied: instruction sequences taken byte for byte from a published listing of build 17134
//    (KiSystemCall64 +00h..+7Bh); each such block says so;
//  - shaped after Windows: code whose steps follow published listings of other Windows 10 builds
//    (trap-frame building in the trap handlers, the service dispatcher, the sysret exit), written
//    out by us;
//  - shortened: the parts of Windows too large to model (exception dispatch with unwinding, the
//    kernel debugger transport, memory manager) reduced to the decision they take, marked
//    "model:" in the comments.
// No code here knows which scenario is running: every branch is decided by the CPU state the
// instructions read (saved CS, GS base, CR2, error code, kernel globals).
//
// Global variables are addressed through a register loaded with their absolute address
// (`mov rax,0FFFFF803...h`), where Windows uses RIP-relative operands: same effect, and the
// source needs no RIP-relative label arithmetic.

import { trapsText } from './traps.ts';
import { syscallText } from './syscall.ts';
import { exceptionsText } from './exceptions.ts';
import { bugcheckText } from './bugcheck.ts';
import { serviceRoutinesText } from './service-routines.ts';
import type { KernelDataAddresses, KernelSelfAddresses } from './frame.ts';

export { hex, SELF_PLACEHOLDER, type KernelDataAddresses, type KernelSelfAddresses } from './frame.ts';

/** nt's .text in the order the image lays it out. */
export function ntoskrnlText(d: KernelDataAddresses, self: KernelSelfAddresses): string {
  return `${syscallText(d, self)}

; ===================== trap handlers =====================
${trapsText(d)}

${exceptionsText(d, self)}
${bugcheckText(d)}
${serviceRoutinesText(d)}`;
}

// The service table's routing lives in services.ts, so that boot can fill KiServiceTable without
// this source.
export { SERVICE_ROUTINES } from './services.ts';
