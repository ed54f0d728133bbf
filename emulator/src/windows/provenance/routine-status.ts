// Each routine's provenance status and a few words for a badge, by kd name. Kept apart from the
// evidence (routines.ts: sources, build, notes) so that a page's causal chain can mark assumed
// steps of a live run without loading the notes. The two tables have the same keys (tested).

import type { ProvenanceStatus } from './types.ts';

/** symbol -> [status, summary]: the summary says in a few words what the model does there. */
export const ROUTINE_STATUS: Record<string, readonly [ProvenanceStatus, string]> = {
  'nt!KiSystemCall64': ['exact', 'system-call entry (bytes of 17134 to +7Bh)'],
  'nt!KiSystemServiceUser': ['reconstructed', 'system-call dispatch set-up, shortened'],
  'nt!KiSystemServiceStart': ['reconstructed', 'service-table selection'],
  'nt!KiSystemServiceRepeat': ['reconstructed', 'service-table lookup and stack-argument copy set-up'],
  'nt!KiSystemServiceCopyStart': ['reconstructed', 'stack-argument copy'],
  'nt!KiSystemServiceCopyEnd': ['reconstructed', 'call to the service, tracing left out'],
  'nt!KiSystemServiceExit': ['assumption', 'sysret exit; its canonical check of the saved RIP (MS12-042) is assumed'],
  'nt!KiSystemService': ['reconstructed', 'int 2Eh entry'],
  'nt!KiDivideErrorFault': ['reconstructed', '#DE handler'],
  'nt!KiDebugTrapOrFault': ['reconstructed', '#DB handler'],
  'nt!KiBreakpointTrap': ['reconstructed', '#BP handler'],
  'nt!KiInvalidOpcodeFault': ['reconstructed', '#UD handler'],
  'nt!KiGeneralProtectionFault': ['reconstructed', '#GP handler'],
  'nt!KiAlignmentFault': ['reconstructed', '#AC handler'],
  'nt!KiPageFault': ['assumption', 'MmAccessFault reduced to one rule'],
  'nt!KiDoubleFaultAbort': ['reconstructed', '#DF handler: swapgs from the saved CS only'],
  'nt!KiDebugTrapOrFaultEntryCheck': ['reconstructed', 'May 2018 fix: #DB at a kernel entry point dismissed (model name)'],
  'nt!KiExceptionDispatch': ['reconstructed', 'exception record built on the stack'],
  'nt!KiDispatchException': ['assumption', 'no exception tables'],
  'nt!KdTrap': ['assumption', 'debugger entry reduced to a report'],
  'nt!KdpReport': ['assumption', 'where kd hears of an exception'],
  'nt!KiExceptionExit': ['reconstructed', 'iretq exit from a trap frame'],
  'nt!KiBugCheckDispatch': ['reconstructed', 'bug-check dispatch, no exception frame'],
  'nt!KeBugCheckEx': ['reconstructed', 'bug check: PRCB through GS first, shortened'],
  'nt!KeBugCheck2': ['assumption', 'records KiBugCheckData and breaks in'],
  'nt!KiBugCheckDebugBreak': ['reconstructed', 'calls DbgBreakPointWithStatus'],
  'nt!DbgBreakPointWithStatus': ['reconstructed', 'int 3 for the debugger'],
  'nt!KiIdleLoop': ['assumption', 'idle is hlt'],
  'nt!NtClose': ['assumption', 'no handle table'],
  'nt!NtQueryInformationProcess': ['assumption', 'current process, basic information only'],
  'nt!NtYieldExecution': ['assumption', 'one thread, nothing to yield to'],
  'nt!NtQuerySystemTime': ['assumption', 'probe and copy of SystemTime'],
  'nt!NtTerminateProcess': ['assumption', 'records the exit status and idles'],
  'nt!KiServiceNotModeled': ['assumption', 'model-only routine'],
  'nt!KiSystemCall64Shadow': ['reconstructed', 'KVA-shadow entry of a later build'],
  'nt!KiDivideErrorFaultShadow': ['reconstructed', 'KVA-shadow trap entry stub'],
  'nt!KiDebugTrapOrFaultShadow': ['reconstructed', 'KVA-shadow trap entry stub'],
  'nt!KiBreakpointTrapShadow': ['reconstructed', 'KVA-shadow trap entry stub'],
  'nt!KiInvalidOpcodeFaultShadow': ['reconstructed', 'KVA-shadow trap entry stub'],
  'nt!KiGeneralProtectionFaultShadow': ['reconstructed', 'KVA-shadow trap entry stub'],
  'nt!KiAlignmentFaultShadow': ['reconstructed', 'KVA-shadow trap entry stub'],
  'nt!KiPageFaultShadow': ['reconstructed', 'KVA-shadow trap entry stub'],
  'nt!KiSystemServiceShadow': ['reconstructed', 'KVA-shadow trap entry stub'],
  'nt!KiDoubleFaultAbortShadow': ['assumption', 'kernel CR3 (and, with dfReloadsGs, GS base) from a model data slot'],
  'nt!KiKernelSysretExit': ['reconstructed', 'KVA-shadow sysret exit of a neighbouring build'],
  'nt!KiKernelIretExit': ['assumption', 'KVA-shadow iretq exit, model shape'],
  'ntdll!NtQueryInformationProcess': ['exact', 'ntdll system-call stub'],
  'ntdll!ZwQueryInformationProcess': ['exact', 'ntdll system-call stub'],
  'ntdll!NtClose': ['exact', 'ntdll system-call stub'],
  'ntdll!ZwClose': ['exact', 'ntdll system-call stub'],
  'ntdll!NtYieldExecution': ['exact', 'ntdll system-call stub'],
  'ntdll!ZwYieldExecution': ['exact', 'ntdll system-call stub'],
  'ntdll!NtQuerySystemTime': ['exact', 'ntdll system-call stub'],
  'ntdll!ZwQuerySystemTime': ['exact', 'ntdll system-call stub'],
  'ntdll!NtTerminateProcess': ['exact', 'ntdll system-call stub'],
  'ntdll!ZwTerminateProcess': ['exact', 'ntdll system-call stub'],
  'ntdll!KiUserExceptionDispatcher': ['assumption', 'unhandled exception ends the process'],
};

/** The status of the routine a kd name falls in (`nt!KiPageFault+0x1c` -> its routine's). */
export function routineStatus(symbol: string): readonly [ProvenanceStatus, string] | undefined {
  return ROUTINE_STATUS[symbol.replace(/\+0x[0-9a-f]+$/i, '')];
}
