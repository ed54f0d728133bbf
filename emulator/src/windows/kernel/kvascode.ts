// nt's KVASCODE section: the only kernel code the user page tables map when KVA shadow is on
// (the Meltdown mitigation: user CR3 maps user memory plus these transition stubs, the IDT, GDT,
// TSS, one KPCR page and the transition/IST stacks). Every entry from user mode goes through a stub
// here that switches CR3 to the kernel's and the stack to the thread's kernel stack, then joins
// the ordinary handler; every return to user mode leaves through here after switching CR3 back.
//
// KiSystemCall64Shadow +00h..+68h is the published KVA-shadow listing (see build.ts: build not
// stated by its author; identical in two independent listings). The trap stubs follow a published
// nt!KiRaiseSecurityCheckFailureShadow listing (test byte ptr [rsp+8],1 / je kernel-origin /
// swapgs / lfence / bt dword ptr gs:[9018h],1 / jb / mov cr3 / mov rsp,gs:[9008h] / copy the
// hardware frame); the register used as scratch and the exit stubs are this model's.

import { off } from '../structs.ts';
import { hex } from './ntoskrnl.ts';

export interface KvaAddresses {
  /** Top of the per-processor transition stack (TSS.RSP0 when KVA shadow is on). */
  transitionStackTop: bigint;
  /** A qword in the KVASCODE data page holding the kernel CR3, for the #DF stub. */
  KiKvaShadowKernelCr3: bigint;
  /** Byte in the same page: 1 when the machine option dfReloadsGs is on (model switch). */
  KiDoubleFaultReloadsGs: bigint;
  /** Qword in the same page: processor 0's KPCR, the value the option writes to IA32_GS_BASE. */
  KiDoubleFaultPcr: bigint;
}

// The KVA-shadow fields of the 17134 KPRCB (Vergilius 10.0.17134.1: KPRCB+6E80h..6E98h).
const GS_KERNEL_CR3 = 0x180 + off('_KPRCB.KernelDirectoryTableBase'); // gs:[7000h]
const GS_RSP_BASE_SHADOW = 0x180 + off('_KPRCB.RspBaseShadow');       // gs:[7008h]
const GS_USER_RSP_SHADOW = 0x180 + off('_KPRCB.UserRspShadow');       // gs:[7010h]
const GS_SHADOW_FLAGS = 0x180 + off('_KPRCB.ShadowFlags');            // gs:[7018h]

/** A user-or-kernel entry stub for one IDT vector. */
function trapShadow(name: string, target: string, errorCode: boolean): string {
  const cs = errorCode ? 0x10 : 8;      // saved CS: above RIP, and above the error code if any
  const words = errorCode ? 6 : 5;      // error code?, RIP, CS, RFLAGS, RSP, SS
  const copies: string[] = [];
  for (let i = words - 1; i >= 0; i--) copies.push(`  push    qword ptr [rsi${i ? '+' + hex(i * 8) : ''}]`);
  return `
${name}:
  test    byte ptr [rsp+${hex(cs)}],1
  je      ${target}
  swapgs
  lfence
  mov     qword ptr gs:[${hex(GS_USER_RSP_SHADOW)}],rsi
  bt      dword ptr gs:[${hex(GS_SHADOW_FLAGS)}],1
  jb      ${name}Cr3Done
  mov     rsi,qword ptr gs:[${hex(GS_KERNEL_CR3)}]
  mov     cr3,rsi
${name}Cr3Done:
  mov     rsi,rsp
  mov     rsp,qword ptr gs:[${hex(GS_RSP_BASE_SHADOW)}]
${copies.join('\n')}
  mov     rsi,qword ptr gs:[${hex(GS_USER_RSP_SHADOW)}]
  jmp     ${target}
`;
}

export function kvascodeText(a: KvaAddresses): string {
  return `
; ===================== nt!KiSystemCall64Shadow =====================
KiSystemCall64Shadow:
  swapgs
  mov     qword ptr gs:[${hex(GS_USER_RSP_SHADOW)}],rsp
  mov     rsp,qword ptr gs:[${hex(GS_KERNEL_CR3)}]
  bt      dword ptr gs:[${hex(GS_SHADOW_FLAGS)}],1
  jb      KiSystemCall64ShadowCr3Done
  mov     cr3,rsp
KiSystemCall64ShadowCr3Done:
  mov     rsp,qword ptr gs:[${hex(GS_RSP_BASE_SHADOW)}]
  push    2Bh
  push    qword ptr gs:[${hex(GS_USER_RSP_SHADOW)}]
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
  ; (the published listing goes on with KeSmapEnabled / stac and speculation-control work; the
  ; model saves RAX, RCX, RDX as KiSystemCall64 does and does the SMAP part in KiSystemServiceUser)
  mov     qword ptr [rbp-50h],rax
  mov     qword ptr [rbp-48h],rcx
  mov     qword ptr [rbp-40h],rdx
  jmp     KiSystemServiceUser

; ===================== trap entry stubs =====================
${trapShadow('KiDivideErrorFaultShadow', 'KiDivideErrorFault', false)}
${trapShadow('KiDebugTrapOrFaultShadow', 'KiDebugTrapOrFault', false)}
${trapShadow('KiBreakpointTrapShadow', 'KiBreakpointTrap', false)}
${trapShadow('KiInvalidOpcodeFaultShadow', 'KiInvalidOpcodeFault', false)}
${trapShadow('KiGeneralProtectionFaultShadow', 'KiGeneralProtectionFault', true)}
${trapShadow('KiPageFaultShadow', 'KiPageFault', true)}
${trapShadow('KiAlignmentFaultShadow', 'KiAlignmentFault', true)}
${trapShadow('KiSystemServiceShadow', 'KiSystemService', false)}

; #DF arrives on its IST stack from any state, including "kernel CS with the user CR3" (the window
; at the top of KiSystemCall64Shadow, or a shadow stub's kernel-origin path). It cannot take the
; kernel CR3 from GS (which GS?), so it reads a copy kept in this section's data page (model).
; Machine option dfReloadsGs (off by default): later builds' KiDoubleFaultAbortShadow also writes
; IA32_GS_BASE with its processor's KPCR before joining KiDoubleFaultAbort (public decompilation
; of a Windows 11 kernel; whether 17134's does is not public). With the option, boot points the
; #DF gate here with or without KVA shadow, and the model reads the KPCR from the data page.
KiDoubleFaultAbortShadow:
  push    rax
  mov     rax,${hex(a.KiKvaShadowKernelCr3)}
  mov     rax,qword ptr [rax]
  mov     cr3,rax
  mov     rax,${hex(a.KiDoubleFaultReloadsGs)}
  test    byte ptr [rax],1
  je      KiDoubleFaultAbortShadowGsDone
  push    rcx
  push    rdx
  mov     rax,${hex(a.KiDoubleFaultPcr)}
  mov     rax,qword ptr [rax]
  mov     rdx,rax
  shr     rdx,20h
  mov     ecx,0C0000101h
  wrmsr
  pop     rdx
  pop     rcx
KiDoubleFaultAbortShadowGsDone:
  pop     rax
  jmp     KiDoubleFaultAbort

; ===================== exits to user mode =====================
; From KiSystemServiceExit: r8 = user RSP, r9 = user RBP, rcx = user RIP, r11 = user RFLAGS;
; still on the kernel stack and page tables, GS = KPCR. Instruction for instruction the public IDA
; listing of a kernel with 17134's offsets (gs:[7018h] ShadowFlags, KPROCESS+278h): bit 1 of
; ShadowFlags set = this process runs without the shadow (no CR3 switch); bit 0 of the user DTB =
; PCID in use, then bit 63 (keep the TLB) unless ShadowFlags bit 0 asks for a flush. The model has
; no PCID: its user DTB has bit 0 clear, so the path is the plain mov cr3.
KiKernelSysretExit:
  mov     esp,dword ptr gs:[${hex(GS_SHADOW_FLAGS)}]
  bt      esp,1
  jb      KiKernelSysretExitCr3Done
  mov     rbp,qword ptr gs:[${hex(0x180 + off('_KPRCB.CurrentThread'))}]
  mov     rbp,qword ptr [rbp+${hex(off('_KTHREAD.Process'))}]
  mov     rbp,qword ptr [rbp+${hex(off('_KPROCESS.UserDirectoryTableBase'))}]
  bt      ebp,0
  jae     KiKernelSysretExitLoad
  bt      esp,0
  jb      KiKernelSysretExitFlush
  bts     rbp,3Fh
  jmp     KiKernelSysretExitLoad
KiKernelSysretExitFlush:
  and     dword ptr gs:[${hex(GS_SHADOW_FLAGS)}],0FFFFFFFEh
KiKernelSysretExitLoad:
  mov     cr3,rbp
KiKernelSysretExitCr3Done:
  mov     rbp,r9
  mov     rsp,r8
  swapgs
  sysretq

; From KiExceptionExit: RSP = the iretq frame on the kernel stack, every register restored. The
; kernel stack is not mapped in the user page tables, so the frame moves to the transition stack
; first; gs:[9010h] (in the one KPCR page both page tables map) is the scratch slot.
KiKernelIretExit:
  mov     qword ptr gs:[${hex(GS_USER_RSP_SHADOW)}],rdi
  mov     rdi,rsp
  mov     rsp,${hex(a.transitionStackTop)}
  push    qword ptr [rdi+20h]
  push    qword ptr [rdi+18h]
  push    qword ptr [rdi+10h]
  push    qword ptr [rdi+8]
  push    qword ptr [rdi]
  mov     rdi,qword ptr gs:[${hex(0x180 + off('_KPRCB.CurrentThread'))}]
  mov     rdi,qword ptr [rdi+${hex(off('_KTHREAD.Process'))}]
  mov     rdi,qword ptr [rdi+${hex(off('_KPROCESS.UserDirectoryTableBase'))}]
  mov     cr3,rdi
  mov     rdi,qword ptr gs:[${hex(GS_USER_RSP_SHADOW)}]
  swapgs
  iretq
`;
}
