// The idle loop and the system services the model implements (between KiServiceRoutinesStart and
// KiServiceRoutinesEnd); services.ts routes each service number to one of them.

import { off } from '../structs.ts';
import { STATUS } from '../build.ts';
import { hex, GS_CURRENT_THREAD, TH_PROCESS, type KernelDataAddresses } from './frame.ts';

/** ProbeForWrite for a user-mode caller (PreviousMode != 0): each address register at or above
 *  MmUserProbeAddress is replaced by it, so that the service's store faults as the real probe
 *  would. A kernel-mode caller goes straight to `done`. */
function probeForWrite(d: KernelDataAddresses, regs: string[], done: string): string {
  return `  mov     rax,qword ptr gs:[${hex(GS_CURRENT_THREAD)}]
  cmp     byte ptr [rax+${hex(off('_KTHREAD.PreviousMode'))}],0
  je      ${done}
  mov     rax,${hex(d.MmUserProbeAddress)}
  mov     rax,qword ptr [rax]
${regs.map((r) => `  cmp     ${r},rax\n  cmovae  ${r},rax`).join('\n')}`;
}

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
${probeForWrite(d, ['rcx'], 'NtQuerySystemTimeStore')}
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
NtQueryInformationProcess:
  ; Five arguments: RCX ProcessHandle, EDX ProcessInformationClass, R8 ProcessInformation,
  ; R9D ProcessInformationLength, and the fifth, ReturnLength, on the stack at [rsp+28h], where
  ; KiSystemServiceCopyStart put it. Shortened (model): one process and no handle table, so only
  ; NtCurrentProcess() (-1) names it; only ProcessBasicInformation (class 0) is answered, other
  ; classes return STATUS_NOT_IMPLEMENTED; the buffer must be exactly 30h bytes.
  mov     rax,rcx
  inc     rax
  je      NtQueryInformationProcessSelf
  mov     eax,${hex(STATUS.INVALID_HANDLE)}
  ret
NtQueryInformationProcessSelf:
  test    edx,edx
  je      NtQueryInformationProcessBasic
  mov     eax,${hex(STATUS.NOT_IMPLEMENTED)}
  ret
NtQueryInformationProcessBasic:
  cmp     r9d,30h
  je      NtQueryInformationProcessProbe
  mov     eax,${hex(STATUS.INFO_LENGTH_MISMATCH)}
  ret
NtQueryInformationProcessProbe:
  ; ProbeForWrite for a user-mode caller, as NtQuerySystemTime's: an address at or above
  ; MmUserProbeAddress is replaced by it, so the store faults as the probe would.
  mov     r10,qword ptr [rsp+28h]
${probeForWrite(d, ['r8', 'r10'], 'NtQueryInformationProcessCopy')}
NtQueryInformationProcessCopy:
  ; PROCESS_BASIC_INFORMATION from the current process's EPROCESS
  mov     rax,qword ptr gs:[${hex(GS_CURRENT_THREAD)}]
  mov     rcx,qword ptr [rax+${hex(TH_PROCESS)}]
  mov     eax,dword ptr [rcx+${hex(off('_EPROCESS.ExitStatus'))}]
  mov     qword ptr [r8],rax
  mov     rax,qword ptr [rcx+${hex(off('_EPROCESS.Peb'))}]
  mov     qword ptr [r8+8],rax
  mov     rax,qword ptr [rcx+${hex(off('_KPROCESS.Affinity') + 8)}]
  mov     qword ptr [r8+10h],rax
  movsx   eax,byte ptr [rcx+${hex(off('_KPROCESS.BasePriority'))}]
  mov     qword ptr [r8+18h],rax
  mov     rax,qword ptr [rcx+${hex(off('_EPROCESS.UniqueProcessId'))}]
  mov     qword ptr [r8+20h],rax
  mov     rax,qword ptr [rcx+${hex(off('_EPROCESS.InheritedFromUniqueProcessId'))}]
  mov     qword ptr [r8+28h],rax
  test    r10,r10
  je      NtQueryInformationProcessDone
  mov     dword ptr [r10],30h
NtQueryInformationProcessDone:
  xor     eax,eax
  ret
KiServiceNotModeled:
  ; A real service of this build that the model does not implement.
  mov     eax,${hex(STATUS.NOT_IMPLEMENTED)}
  ret
KiServiceRoutinesEnd:
`;
}
