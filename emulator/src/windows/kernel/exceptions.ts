// nt's exception path: KiExceptionDispatch, KiDispatchException, the kernel debugger's report
// (KdTrap, KdpReport) and the exits back to the interrupted code.

import { off } from '../structs.ts';
import { STATUS, BUGCHECK } from '../build.ts';
import { type KernelSelfAddresses, hex, tf, PRCB_STATE, saveControlRegisters, saveDebugRegisters, restoreDebugRegisters, restoreRegisters, type KernelDataAddresses } from './frame.ts';

export function exceptionsText(d: KernelDataAddresses, self: KernelSelfAddresses): string {
  return `
; ===================== nt!KiExceptionDispatch =====================
; In: ecx code, edx parameter count, r8 address, r9/r10/r11 parameters, RBP = trap frame + 80h.
; Builds an EXCEPTION_RECORD on the stack and calls KiDispatchException.
KiExceptionDispatch:
  sub     rsp,0C8h
  lea     rax,[rsp+30h]
  mov     dword ptr [rax],ecx
  mov     dword ptr [rax+4],0
  mov     qword ptr [rax+8],0
  mov     qword ptr [rax+10h],r8
  mov     dword ptr [rax+18h],edx
  mov     qword ptr [rax+20h],r9
  mov     qword ptr [rax+28h],r10
  mov     qword ptr [rax+30h],r11
  mov     rcx,rax
  xor     edx,edx
  lea     r8,[rbp-80h]
  movzx   r9d,byte ptr ${tf('SegCs')}
  and     r9d,1
  call    KiDispatchException
  add     rsp,0C8h
  ret

; ===================== nt!KiDispatchException =====================
; In: rcx EXCEPTION_RECORD, rdx exception frame (none in the model), r8 trap frame, r9b previous mode.
KiDispatchException:
  push    rbx
  push    rsi
  push    rdi
  sub     rsp,20h
  mov     rbx,rcx
  mov     rsi,r8
  ; KeGetCurrentPrcb()->KeExceptionDispatchCount++ (through GS: gs:[20h] = KPCR.CurrentPrcb)
  mov     rax,qword ptr gs:[20h]
  inc     dword ptr [rax+${hex(off('_KPRCB.KeExceptionDispatchCount'))}]
  ; The context of a breakpoint names the int 3 itself, not the byte after it.
  cmp     dword ptr [rbx],${hex(STATUS.BREAKPOINT)}
  jne     KiDispatchNotBreakpoint
  dec     qword ptr [rsi+${hex(off('_KTRAP_FRAME.Rip'))}]
KiDispatchNotBreakpoint:
  ; Breakpoints and single steps go to the kernel debugger first, from either mode.
  mov     eax,dword ptr [rbx]
  cmp     eax,${hex(STATUS.BREAKPOINT)}
  je      KiDispatchToDebugger
  cmp     eax,${hex(STATUS.SINGLE_STEP)}
  jne     KiDispatchNoDebugger
KiDispatchToDebugger:
  mov     rax,${hex(d.KdDebuggerEnabled)}
  cmp     byte ptr [rax],0
  je      KiDispatchNoDebugger
  mov     rcx,rbx
  mov     rdx,rsi
  call    KdTrap
  test    al,al
  jne     KiDispatchDone
KiDispatchNoDebugger:
  test    byte ptr [rsi+${hex(off('_KTRAP_FRAME.SegCs'))}],1
  jne     KiDispatchUser
  ; model: RtlDispatchException finds no handler (the model's kernel has no exception tables).
  ; An exception raised inside a system-service routine -> 3Bh, anywhere else -> 1Eh.
  mov     rdx,qword ptr [rbx+10h]
  mov     rax,${hex(self.KiServiceRoutinesStart)}
  cmp     rdx,rax
  jb      KiDispatchKmode
  mov     rax,${hex(self.KiServiceRoutinesEnd)}
  cmp     rdx,rax
  jae     KiDispatchKmode
  ; SYSTEM_SERVICE_EXCEPTION(code, address, context record, 0)
  mov     r8,rdx
  mov     edx,dword ptr [rbx]
  mov     r9,rsi
  mov     qword ptr [rsp+20h],0
  mov     ecx,${hex(BUGCHECK.SYSTEM_SERVICE_EXCEPTION)}
  call    KeBugCheckEx
KiDispatchKmode:
  ; KMODE_EXCEPTION_NOT_HANDLED(code, address, parameter 0, parameter 1)
  mov     r8,rdx
  mov     edx,dword ptr [rbx]
  mov     r9,qword ptr [rbx+20h]
  mov     rax,qword ptr [rbx+28h]
  mov     qword ptr [rsp+20h],rax
  mov     ecx,${hex(BUGCHECK.KMODE_EXCEPTION_NOT_HANDLED)}
  call    KeBugCheckEx
KiDispatchUser:
  ; model: no user-mode debugger and no handler search. The thread goes back to user mode at
  ; ntdll!KiUserExceptionDispatcher with the exception code in RCX, on its own stack.
  mov     rax,qword ptr [rsi+${hex(off('_KTRAP_FRAME.Rsp'))}]
  and     rax,0FFFFFFFFFFFFFFF0h
  sub     rax,200h
  mov     qword ptr [rsi+${hex(off('_KTRAP_FRAME.Rsp'))}],rax
  mov     eax,dword ptr [rbx]
  mov     qword ptr [rsi+${hex(off('_KTRAP_FRAME.Rcx'))}],rax
  mov     rax,${hex(d.KeUserExceptionDispatcher)}
  mov     rax,qword ptr [rax]
  mov     qword ptr [rsi+${hex(off('_KTRAP_FRAME.Rip'))}],rax
KiDispatchDone:
  add     rsp,20h
  pop     rdi
  pop     rsi
  pop     rbx
  ret

; ===================== nt!KdTrap =====================
; In: rcx EXCEPTION_RECORD, rdx trap frame. model: KdEnterDebugger's first job, saving the
; processor's control state into the KPRCB where kd reads it, then the report to the debugger.
KdTrap:
  push    rbx
  sub     rsp,20h
  mov     r10,rcx
  mov     r11,rdx
  mov     rbx,qword ptr gs:[20h]
${saveControlRegisters('rbx', 'rax')}
  mov     ecx,0C0000101h
  rdmsr
  shl     rdx,20h
  or      rax,rdx
  mov     qword ptr [rbx+${hex(PRCB_STATE + off('_KSPECIAL_REGISTERS.MsrGsBase'))}],rax
  mov     ecx,0C0000102h
  rdmsr
  shl     rdx,20h
  or      rax,rdx
  mov     qword ptr [rbx+${hex(PRCB_STATE + off('_KSPECIAL_REGISTERS.MsrGsSwap'))}],rax
${saveDebugRegisters('rbx', 'rax')}
  mov     rcx,r10
  mov     rdx,r11
  mov     r8,r11
  call    KdpReport
${restoreDebugRegisters('rbx', 'rcx')}
  add     rsp,20h
  pop     rbx
  ret

; The debugger's report point: kd stops the machine here (rcx = exception record, r8 = trap
; frame) and lets it continue from here when the user resumes. Returns TRUE: "handled, continue".
KdpReport:
  mov     al,1
  ret

; ===================== nt!KiExceptionExit =====================
; Restores the trap frame (which the debugger may have edited) and returns with iretq.
KiExceptionExit:
  cli
  test    byte ptr ${tf('SegCs')},1
  je      KiExitToKernel
  mov     rax,${hex(d.KiKvaShadow)}
  test    byte ptr [rax],1
  jne     KiExitToUserShadow
${restoreRegisters()}
  lea     rsp,[rbp+0E8h]
  mov     rbp,qword ptr [rbp+0D8h]
  swapgs
  iretq
KiExitToUserShadow:
${restoreRegisters()}
  lea     rsp,[rbp+0E8h]
  mov     rbp,qword ptr [rbp+0D8h]
  jmp     KiKernelIretExit
KiExitToKernel:
${restoreRegisters()}
  lea     rsp,[rbp+0E8h]
  mov     rbp,qword ptr [rbp+0D8h]
  iretq

`;
}
