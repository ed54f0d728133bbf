// nt's system-call path: KiSystemCall64 (its first 7Ch bytes copied from the 17134 listing), the
// service dispatcher (table choice, compact entries, stack-argument copy), the sysret exit, and the int 2Eh entry KiSystemService.

import { off } from '../structs.ts';
import { STATUS } from '../build.ts';
import { hex, tf, GS_CURRENT_THREAD, GS_RSP_BASE, GS_MXCSR, TH_PROCESS, type KernelDataAddresses, type KernelSelfAddresses } from './frame.ts';

export function syscallText(d: KernelDataAddresses, self: KernelSelfAddresses): string {
  return `
; ===================== nt!KiSystemCall64 =====================
; +00h..+7Bh copied from the build 17134 listing (bytes identical).
KiSystemCall64:
  swapgs
  mov     qword ptr gs:[10h],rsp
  mov     rsp,qword ptr gs:[${hex(GS_RSP_BASE)}]
  push    2Bh
  push    qword ptr gs:[10h]
  push    r11
  push    33h
  push    rcx
  mov     rcx,r10
  sub     rsp,8
  push    rbp
  sub     rsp,158h
  lea     rbp,[rsp+80h]
  mov     qword ptr [rbp+0C0h],rbx
  mov     qword ptr [rbp+0C8h],rdi
  mov     qword ptr [rbp+0D0h],rsi
  mov     qword ptr [rbp-50h],rax
  mov     qword ptr [rbp-48h],rcx
  mov     qword ptr [rbp-40h],rdx
  mov     rcx,qword ptr gs:[${hex(GS_CURRENT_THREAD)}]
  mov     rcx,qword ptr [rcx+${hex(TH_PROCESS)}]
  mov     rcx,qword ptr [rcx+${hex(off('_EPROCESS.SecurityDomain'))}]
  mov     qword ptr gs:[${hex(0x180 + off('_KPRCB.TrappedSecurityDomain'))}],rcx
  ; --- end of the copied bytes (+7Bh). 17134 goes on with speculation-control code that no
  ; public listing shows, and only then reaches the KiSystemServiceUser label.
  ; model (assumption): that block reduced to its first decision, in the shape of later builds'
  ; trap entries (lfence; IBRS present? write IA32_SPEC_CTRL, MSR 48h; else lfence), with the
  ; 17134 KPRCB fields (Vergilius 10.0.17134.1: BpbState bit 0 BpbIbrsPresent at +F8h,
  ; BpbSpecCtrlValue at +FAh). The modeled processor has no IBRS: BpbState is 0.
  lfence
  test    byte ptr gs:[${hex(0x180 + off('_KPRCB.BpbState'))}],1
  je      KiSystemCall64NoIbrs
  mov     ecx,48h
  movzx   eax,byte ptr gs:[${hex(0x180 + off('_KPRCB.BpbSpecCtrlValue'))}]
  xor     edx,edx
  wrmsr
  mov     rax,qword ptr ${tf('Rax')}
  jmp     KiSystemServiceUser
KiSystemCall64NoIbrs:
  lfence
; From here on: shaped after Windows 10 listings of KiSystemServiceUser (mov byte ptr [rbp-55h],2
; / mov rbx,gs:[188h] / stmxcsr / ldmxcsr ...), shortened. Entered with the trap frame built and
; RAX, RCX, RDX saved in it (KiSystemService and KiSystemCall64Shadow jump here).
KiSystemServiceUser:
  mov     byte ptr ${tf('ExceptionActive')},2
  mov     rbx,qword ptr gs:[${hex(GS_CURRENT_THREAD)}]
  stmxcsr dword ptr ${tf('MxCsr')}
  ldmxcsr dword ptr gs:[${hex(GS_MXCSR)}]
  mov     rcx,qword ptr ${tf('Rcx')}
  ; With SMAP on, a user caller's buffers are reachable only with RFLAGS.AC set.
  mov     rdi,${hex(d.KeSmapEnabled)}
  test    byte ptr [rdi],0FFh
  je      KiSystemServiceNoStac
  test    byte ptr ${tf('SegCs')},1
  je      KiSystemServiceNoStac
  stac
KiSystemServiceNoStac:
  sti
  mov     qword ptr [rbx+${hex(off('_KTHREAD.FirstArgument'))}],rcx
  mov     dword ptr [rbx+${hex(off('_KTHREAD.SystemCallNumber'))}],eax
  mov     qword ptr [rbx+${hex(off('_KTHREAD.TrapFrame'))}],rsp
  mov     sil,byte ptr [rbx+${hex(off('_KTHREAD.PreviousMode'))}]
  mov     byte ptr ${tf('PreviousMode')},sil
  mov     byte ptr [rbx+${hex(off('_KTHREAD.PreviousMode'))}],1
KiSystemServiceStart:
  ; Service dispatch, after the Windows 10 listings of KiSystemServiceStart/KiSystemServiceRepeat
  ; and the WRK's trap.asm: bits 0..11 of the number index a table, bits 12..13 pick the descriptor
  ; (shr 7 / and 20h: the descriptor's offset, 0 for nt, 20h for win32k).
  mov     edi,eax
  shr     edi,7
  and     edi,20h
  and     eax,0FFFh
KiSystemServiceRepeat:
  lea     r10,[KeServiceDescriptorTable]
  lea     r11,[KeServiceDescriptorTableShadow]
  ; KTHREAD.ThreadFlags bit 7, GuiThread: a GUI thread dispatches through the shadow descriptors.
  ; (Windows also tests RestrictedGuiThread, bit 21, for KeServiceDescriptorTableFilter; the model
  ; has no filter table.)
  test    dword ptr [rbx+${hex(off('_KTHREAD.ThreadFlags'))}],80h
  je      KiSystemServiceNotGui
  mov     r10,r11
KiSystemServiceNotGui:
  cmp     eax,dword ptr [r10+rdi+10h]
  jae     KiSystemServiceInvalid
  inc     dword ptr gs:[${hex(0x180 + off('_KPRCB.KeSystemCalls'))}]
  mov     r10,qword ptr [r10+rdi]
  ; the compact entry: routine = table + (entry >> 4), arithmetic; the low 4 bits count the
  ; arguments passed on the stack
  movsxd  r11,dword ptr [r10+rax*4]
  mov     rax,r11
  sar     r11,4
  add     r10,r11
  ; (Windows flushes the GDI batch here for a win32k service; the model's win32k table is empty.)
  and     eax,0Fh
  je      KiSystemServiceCopyEnd
  shl     eax,3
  lea     rsp,[rsp-70h]
  lea     rdi,[rsp+18h]
  mov     rsi,qword ptr ${tf('Rsp')}
  lea     rsi,[rsi+20h]
  test    byte ptr ${tf('SegCs')},1
  je      KiSystemServiceCopyKernel
  ; a user caller's stack must lie below MmUserProbeAddress: above it, copy from it (and fault)
  cmp     rsi,qword ptr [MmUserProbeAddress]
  cmovae  rsi,qword ptr [MmUserProbeAddress]
KiSystemServiceCopyKernel:
  ; exactly 8 bytes of code per argument: jump 8 x count bytes before the end
  lea     r11,[KiSystemServiceCopyEnd]
  sub     r11,rax
  jmp     r11
  align   10h
KiSystemServiceCopyStart:
${[0x70, 0x68, 0x60, 0x58, 0x50, 0x48, 0x40, 0x38, 0x30, 0x28, 0x20, 0x18, 0x10, 0x08].map((o) => `  mov     rax,qword ptr [rsi+${hex(o)}]
  mov     qword ptr [rdi+${hex(o)}],rax`).join('\n')}
KiSystemServiceCopyEnd:
  mov     rdx,qword ptr ${tf('Rdx')}
  mov     rax,r10
  call    rax
  jmp     KiSystemServiceExit
KiSystemServiceInvalid:
  ; Out of range. Windows tries to make the thread a GUI thread for a win32k number
  ; (KiConvertToGuiThread) and repeats; model (assumption): there is no win32k.sys to convert to,
  ; so the conversion is taken as failed and every out-of-range number ends here.
  mov     eax,${hex(STATUS.INVALID_SYSTEM_SERVICE)}
KiSystemServiceExit:
  ; model (assumption): the MS12-042 check. Before sysretq may take the saved RIP, the exit makes
  ; sure it is canonical (bits 63..47 all equal: RIP >> 47 is 0 or -1); if not, the thread gets
  ; the fault a user-mode fetch from there would raise, an access violation at that address
  ; (the general-protection trap's parameters), and leaves through KiExceptionExit's iretq, which
  ; restores RCX (sysretq cannot: it returns through RCX) to the thread's exception dispatcher.
  ; No public listing shows the 17134 form of the check. The machine option sysretUnchecked
  ; skips it, as the exit did before the update.
  mov     rdx,${hex(d.KiSysretUnchecked)}
  test    byte ptr [rdx],1
  jne     KiSystemServiceExitRestore
  mov     rdx,qword ptr ${tf('Rip')}
  sar     rdx,2Fh
  inc     rdx
  cmp     rdx,1
  jbe     KiSystemServiceExitRestore
  mov     ecx,${hex(STATUS.ACCESS_VIOLATION)}
  mov     edx,2
  mov     r8,qword ptr ${tf('Rip')}
  xor     r9d,r9d
  mov     r10,0FFFFFFFFFFFFFFFFh
  call    KiExceptionDispatch
  jmp     KiExceptionExit
KiSystemServiceExitRestore:
  ; From here: the restore of the user context as public Windows 10 listings of the sysret exit
  ; show it (PreviousMode back, MXCSR, nonvolatiles, then r8 = user RSP, r9 = user RBP,
  ; rcx = user RIP, r11 = user RFLAGS; rbp and rsp last, then swapgs and sysretq), shortened.
  mov     rbx,qword ptr gs:[${hex(GS_CURRENT_THREAD)}]
  cli
  mov     cl,byte ptr ${tf('PreviousMode')}
  mov     byte ptr [rbx+${hex(off('_KTHREAD.PreviousMode'))}],cl
  ldmxcsr dword ptr ${tf('MxCsr')}
  mov     rbx,qword ptr [rbp+0C0h]
  mov     rdi,qword ptr [rbp+0C8h]
  mov     rsi,qword ptr [rbp+0D0h]
  xor     edx,edx
  xor     r10d,r10d
  mov     r8,qword ptr [rbp+100h]
  mov     r9,qword ptr [rbp+0D8h]
  mov     rcx,qword ptr [rbp+0E8h]
  mov     r11,qword ptr [rbp+0F8h]
  mov     rdi,${hex(d.KiKvaShadow)}
  test    byte ptr [rdi],1
  mov     rdi,qword ptr [rbp+0C8h]
  jne     KiKernelSysretExit
  ; The order matters: after mov rsp,r8 the stack is the user's, after swapgs GS is the user's
  ; TEB, and only sysretq returns to CPL 3. A fault in between runs at CPL 0 on both.
  mov     rbp,r9
  mov     rsp,r8
  swapgs
  sysretq

; ===================== nt!KiSystemService (int 2Eh) =====================
; Taken when KUSER_SHARED_DATA.SystemCall bit 0 is set (the ntdll stub's jne). The CPU has
; already switched to RSP0 and pushed the hardware frame; build the rest and join the dispatcher.
KiSystemService:
  sub     rsp,8
  push    rbp
  sub     rsp,158h
  lea     rbp,[rsp+80h]
  mov     qword ptr [rbp+0C0h],rbx
  mov     qword ptr [rbp+0C8h],rdi
  mov     qword ptr [rbp+0D0h],rsi
  mov     rcx,r10
  mov     qword ptr ${tf('Rax')},rax
  mov     qword ptr ${tf('Rcx')},rcx
  mov     qword ptr ${tf('Rdx')},rdx
  test    byte ptr ${tf('SegCs')},1
  je      KiSystemServiceUser
  mov     rbx,${hex(d.KiKvaShadow)}
  test    byte ptr [rbx],1
  jne     KiSystemServiceUser
  swapgs
  jmp     KiSystemServiceUser

`;
}
