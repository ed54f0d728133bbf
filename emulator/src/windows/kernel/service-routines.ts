// The idle loop and the system services the model implements (between KiServiceRoutinesStart and
// KiServiceRoutinesEnd); services.ts routes each service number to one of them.

import { off } from '../structs.ts';
import { STATUS } from '../build.ts';
import { hex, GS_CURRENT_THREAD, TH_PROCESS, type KernelDataAddresses } from './frame.ts';

export function serviceRoutinesText(d: KernelDataAddresses): string {
  return `
; ===================== the idle loop =====================
; Where the processor goes when the last thread has exited.
KiIdleLoop:
  hlt
  jmp     KiIdleLoop

; ===================== system services =====================
KiServiceRoutinesStart:
NtClose:
  ; model: the process has no handle table, so no handle value names an object.
  mov     eax,${hex(STATUS.INVALID_HANDLE)}
  ret
NtYieldExecution:
  ; one thread: nothing else is ready to run.
  mov     eax,${hex(STATUS.NO_YIELD_PERFORMED)}
  ret
NtQuerySystemTime:
  ; ProbeForWrite for a user-mode caller: an address at or above MmUserProbeAddress is replaced
  ; by it, so that the store faults as the real probe would.
  mov     rax,qword ptr gs:[${hex(GS_CURRENT_THREAD)}]
  cmp     byte ptr [rax+${hex(off('_KTHREAD.PreviousMode'))}],0
  je      NtQuerySystemTimeStore
  mov     rax,${hex(d.MmUserProbeAddress)}
  mov     rax,qword ptr [rax]
  cmp     rcx,rax
  cmovae  rcx,rax
NtQuerySystemTimeStore:
  ; KUSER_SHARED_DATA.SystemTime (+14h), through its kernel alias
  mov     rax,${hex(d.SharedUserDataKernel + 0x14n)}
  mov     rax,qword ptr [rax]
  mov     qword ptr [rcx],rax
  xor     eax,eax
  ret
NtTerminateProcess:
  ; model: the only process, whatever the handle. Records the exit status; its only thread
  ; never returns to user mode, and the processor goes idle.
  mov     rax,qword ptr gs:[${hex(GS_CURRENT_THREAD)}]
  mov     rax,qword ptr [rax+${hex(TH_PROCESS)}]
  mov     dword ptr [rax+${hex(off('_EPROCESS.ExitStatus'))}],edx
  cli
  jmp     KiIdleLoop
KiServiceNotModeled:
  ; A real service of this build that the model does not implement.
  mov     eax,${hex(STATUS.NOT_IMPLEMENTED)}
  ret
KiServiceRoutinesEnd:
`;
}
