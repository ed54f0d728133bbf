// nt's bug-check path: KiBugCheckDispatch -> KeBugCheckEx -> KeBugCheck2 -> KiBugCheckDebugBreak ->
// DbgBreakPointWithStatus, the chain public live-kd stacks show.

import { hex, saveControlRegisters, type KernelDataAddresses } from './frame.ts';

export function bugcheckText(d: KernelDataAddresses): string {
  return `
; ===================== nt!KiBugCheckDispatch =====================
; In: ecx code, edx/r8/r9/r10 the four arguments (how the trap handlers call it in public
; disassemblies of Windows 10). Shortened: Windows first saves the nonvolatile registers into a
; KEXCEPTION_FRAME in the 138h bytes it reserves; the model only passes r10 as the fifth argument.
KiBugCheckDispatch:
  sub     rsp,138h
  mov     qword ptr [rsp+20h],r10
  call    KeBugCheckEx
  nop

; ===================== nt!KeBugCheckEx =====================
; In: ecx code, rdx/r8/r9/[rsp+28h] arguments. Like the x64 KeBugCheckEx (Windows Research
; Kernel, procstat.asm): homes its arguments, disables interrupts and, before anything else,
; saves the processor state into the KPRCB it finds through GS (gs:[20h] = KPCR.CurrentPrcb);
; shortened to the control registers. Then KeBugCheck2 with the same five values.
KeBugCheckEx:
  mov     qword ptr [rsp+8],rcx
  mov     qword ptr [rsp+10h],rdx
  mov     qword ptr [rsp+18h],r8
  mov     qword ptr [rsp+20h],r9
  pushfq
  sub     rsp,30h
  cli
  mov     rax,qword ptr gs:[20h]
${saveControlRegisters('rax', 'rcx')}
  mov     rcx,qword ptr [rsp+40h]
  mov     rdx,qword ptr [rsp+48h]
  mov     r8,qword ptr [rsp+50h]
  mov     r9,qword ptr [rsp+58h]
  mov     rax,qword ptr [rsp+60h]
  mov     qword ptr [rsp+20h],rax
  call    KeBugCheck2
  nop

; ===================== nt!KeBugCheck2 =====================
; model: Windows' KeBugCheck2 is thousands of instructions (freezing the other processors,
; callbacks, the crash dump, the blue screen). Shortened to the two steps kd sees: it records
; the code and arguments in KiBugCheckData, then breaks into the debugger through
; KiBugCheckDebugBreak(DBG_STATUS_BUGCHECK_FIRST = 3), the order of public stacks of a bug
; check under kd (DbgBreakPointWithStatus <- KiBugCheckDebugBreak <- KeBugCheck2 <- KeBugCheckEx).
KeBugCheck2:
  sub     rsp,28h
  mov     rax,${hex(d.KiBugCheckData)}
  mov     qword ptr [rax],rcx
  mov     qword ptr [rax+8],rdx
  mov     qword ptr [rax+10h],r8
  mov     qword ptr [rax+18h],r9
  mov     rcx,qword ptr [rsp+50h]
  mov     qword ptr [rax+20h],rcx
  mov     ecx,3
  call    KiBugCheckDebugBreak
KeBugCheckHalt:
  hlt
  jmp     KeBugCheckHalt

KiBugCheckDebugBreak:
  sub     rsp,28h
  call    DbgBreakPointWithStatus
  add     rsp,28h
  ret

; The kernel debugger is told of the crash here (kd stops on this int 3 and prints the bug check).
DbgBreakPointWithStatus:
  int     3
  ret

`;
}
