// nt's system-call path: KiSystemCall64 (its first 7Ch bytes copied from the 17134 listing), the
// service dispatcher, the sysret exit, and the int 2Eh entry KiSystemService.

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
  ; service number: bits 0..11 index, bit 12 selects the table (0 = nt, 20h = win32k)
  mov     edi,eax
  shr     edi,7
  and     edi,20h
  and     eax,0FFFh
KiSystemServiceRepeat:
  mov     r10,${hex(d.KeServiceDescriptorTable)}
  cmp     eax,dword ptr [r10+rdi+10h]
  jae     KiSystemServiceInvalid
  inc     dword ptr gs:[${hex(0x180 + off('_KPRCB.KeSystemCalls'))}]
  mov     r10,qword ptr [r10+rdi]
  movsxd  r11,dword ptr [r10+rax*4]
  mov     rax,r11
  sar     r11,4
  add     r10,r11
  ; (Windows copies (rax & 0Fh) stack arguments here; the modeled services take at most four,
  ; all in registers.)
  mov     rdx,qword ptr ${tf('Rdx')}
  call    r10
  jmp     KiSystemServiceExit
KiSystemServiceInvalid:
  mov     eax,${hex(STATUS.INVALID_SYSTEM_SERVICE)}
KiSystemServiceExit:
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
