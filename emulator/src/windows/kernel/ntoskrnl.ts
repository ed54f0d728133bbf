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

import { off } from '../structs.ts';
import { STATUS, BUGCHECK } from '../build.ts';

/** Addresses the kernel source refers to that live outside .text (data, other sections). */
export interface KernelDataAddresses {
  KiKvaShadow: bigint;
  KeSmapEnabled: bigint;
  KdDebuggerEnabled: bigint;
  MmUserProbeAddress: bigint;
  KiBugCheckData: bigint;
  KeServiceDescriptorTable: bigint;
  /** KUSER_SHARED_DATA's kernel alias. */
  SharedUserDataKernel: bigint;
  /** nt!KeUserExceptionDispatcher: holds the address of ntdll!KiUserExceptionDispatcher. */
  KeUserExceptionDispatcher: bigint;
}

/** .text labels the source also needs as 64-bit immediates (known after a first pass). */
export interface KernelSelfAddresses {
  KiServiceRoutinesStart: bigint;
  KiServiceRoutinesEnd: bigint;
}

/** Stand-in for the first pass: a kernel address, so the immediate keeps its 8-byte form. */
export const SELF_PLACEHOLDER: KernelSelfAddresses = {
  KiServiceRoutinesStart: 0xfffff80000000000n,
  KiServiceRoutinesEnd: 0xfffff80000000000n,
};

export function hex(v: bigint | number): string {
  const b = BigInt.asUintN(64, BigInt(v));
  const s = b.toString(16).toUpperCase();
  return (/^[A-F]/.test(s) ? '0' : '') + s + 'h';
}

const TF = {
  // KTRAP_FRAME offsets relative to RBP = frame + 80h, as every Windows x64 handler addresses them.
  rel: (field: string): string => {
    const o = off(`_KTRAP_FRAME.${field}`) - 0x80;
    return o < 0 ? `rbp-${(-o).toString(16).toUpperCase()}h` : `rbp+${o === 0 ? '0' : hex(o)}`;
  },
};
const tf = (field: string): string => `[${TF.rel(field)}]`;

const GS_CURRENT_THREAD = 0x180 + off('_KPRCB.CurrentThread');   // gs:[188h]
const GS_RSP_BASE = 0x180 + off('_KPRCB.RspBase');               // gs:[1A8h]
const GS_MXCSR = 0x180 + off('_KPRCB.MxCsr');                    // gs:[180h]
const PRCB_STATE = off('_KPRCB.ProcessorState');                 // KSPECIAL_REGISTERS first
const TH_PROCESS = off('_KTHREAD.Process');

/** Saves the volatile registers and RBX/RDI/RSI into the frame (RBP = frame + 80h). */
/** Stores CR0, CR2, CR3 and CR4 into the KPRCB's ProcessorState (where kd's `r cr3` and the bug
 *  check data read them), through `prcb` with `scratch` as the carrier; used by KdTrap and
 *  KeBugCheckEx, as both save the control state before anything else. */
function saveControlRegisters(prcb: string, scratch: string): string {
  return ['Cr0', 'Cr2', 'Cr3', 'Cr4'].map((cr) => `  mov     ${scratch},${cr.toLowerCase()}
  mov     qword ptr [${prcb}+${hex(PRCB_STATE + off(`_KSPECIAL_REGISTERS.${cr}`))}],${scratch}`).join('\n');
}

/** The report's save of the debug registers into KPRCB.ProcessorState.SpecialRegisters
 *  (KernelDr0-3, 6, 7), where the debugger reads and writes them: a kernel debugger programs
 *  hardware breakpoints by writing these slots. x64 KdpReport calls KiSaveProcessorControlState,
 *  reports, then KiRestoreProcessorControlState (public decompilations of ntoskrnl's KdpReport);
 *  what those two do with DR0-3/6/7 is ReactOS' amd64 KiSaveProcessorControlState /
 *  KiRestoreProcessorControlState (ntoskrnl/ke/amd64/cpu.c). */
const DEBUG_REGS = [0, 1, 2, 3, 6, 7];
function saveDebugRegisters(prcb: string, scratch: string): string {
  return DEBUG_REGS.map((n) => `  mov     ${scratch},dr${n}
  mov     qword ptr [${prcb}+${hex(PRCB_STATE + off(`_KSPECIAL_REGISTERS.KernelDr${n}`))}],${scratch}`).join('\n');
}
/** KiRestoreProcessorControlState after the report: the debug registers come back from the
 *  KPRCB with whatever the debugger left there (`__writedr(N, ...KernelDrN)` for 0-3, 6, 7). */
function restoreDebugRegisters(prcb: string, scratch: string): string {
  return DEBUG_REGS.map((n) => `  mov     ${scratch},qword ptr [${prcb}+${hex(PRCB_STATE + off(`_KSPECIAL_REGISTERS.KernelDr${n}`))}]
  mov     dr${n},${scratch}`).join('\n');
}

function saveRegisters(): string {
  return `
  mov     qword ptr ${tf('Rax')},rax
  mov     qword ptr ${tf('Rcx')},rcx
  mov     qword ptr ${tf('Rdx')},rdx
  mov     qword ptr ${tf('R8')},r8
  mov     qword ptr ${tf('R9')},r9
  mov     qword ptr ${tf('R10')},r10
  mov     qword ptr ${tf('R11')},r11
  mov     qword ptr ${tf('Rbx')},rbx
  mov     qword ptr ${tf('Rdi')},rdi
  mov     qword ptr ${tf('Rsi')},rsi`;
}

/** Restores everything the frame holds except RBP and the hardware part. */
function restoreRegisters(): string {
  return `
  ldmxcsr dword ptr ${tf('MxCsr')}
  mov     rax,qword ptr ${tf('Rax')}
  mov     rcx,qword ptr ${tf('Rcx')}
  mov     rdx,qword ptr ${tf('Rdx')}
  mov     r8,qword ptr ${tf('R8')}
  mov     r9,qword ptr ${tf('R9')}
  mov     r10,qword ptr ${tf('R10')}
  mov     r11,qword ptr ${tf('R11')}
  mov     rbx,qword ptr ${tf('Rbx')}
  mov     rdi,qword ptr ${tf('Rdi')}
  mov     rsi,qword ptr ${tf('Rsi')}`;
}

interface TrapSpec {
  name: string;
  vector: number;
  /** The CPU pushes an error code for this vector (SDM Vol. 3A §6.15, Table 6-1). */
  errorCode: boolean;
  /** Body after the frame is built and GS is settled; RBP = frame + 80h. */
  body: string;
}

/** Entry shared by every trap handler: the frame-building sequence of Windows 10's handlers
 *  (e.g. nt!KiOverflowTrap in a public disassembly: sub rsp,8 / push rbp / sub rsp,158h /
 *  lea rbp,[rsp+80h] / mov byte ptr [rbp-55h],1 / save volatiles / test byte ptr [rbp+0F0h],1 /
 *  swapgs only when the trap came from user mode and KVA shadow did not already swap). */
function trapHandler(t: TrapSpec, d: KernelDataAddresses): string {
  const n = t.name;
  return `
${n}:
  ${t.errorCode ? '; the CPU pushed an error code into the ErrorCode slot' : 'sub     rsp,8'}
  push    rbp
  sub     rsp,158h
  lea     rbp,[rsp+80h]
  mov     byte ptr ${tf('ExceptionActive')},1
${saveRegisters()}
  test    byte ptr ${tf('SegCs')},1
  je      ${n}FromKernel
  mov     rax,${hex(d.KiKvaShadow)}
  test    byte ptr [rax],1
  jne     ${n}GsReady
  swapgs
  jmp     ${n}GsReady
${n}FromKernel:
  ; kernel origin: GS is taken as it is (the saved CS is the only test Windows makes)
${n}GsReady:
  cld
  stmxcsr dword ptr ${tf('MxCsr')}
  ldmxcsr dword ptr gs:[${hex(GS_MXCSR)}]
  mov     rax,${hex(d.KeSmapEnabled)}
  test    byte ptr [rax],0FFh
  je      ${n}NoStac
  test    byte ptr ${tf('SegCs')},1
  je      ${n}NoStac
  stac
${n}NoStac:
${t.body}
  jmp     KiExceptionExit
`;
}

export function ntoskrnlText(d: KernelDataAddresses, self: KernelSelfAddresses): string {
  const exceptionCall = (code: number, addressExpr: string, params: string[] = []): string => `
  mov     ecx,${hex(code)}
  mov     edx,${params.length}
  mov     r8,qword ptr ${tf('Rip')}${addressExpr}
${params.map((p, i) => `  mov     ${['r9', 'r10', 'r11'][i]},${p}`).join('\n')}
  call    KiExceptionDispatch`;

  const traps: TrapSpec[] = [
    { name: 'KiDivideErrorFault', vector: 0, errorCode: false, body: exceptionCall(STATUS.INTEGER_DIVIDE_BY_ZERO, '') },
    { name: 'KiDebugTrapOrFault', vector: 1, errorCode: false, body: exceptionCall(STATUS.SINGLE_STEP, '') },
    {
      name: 'KiBreakpointTrap', vector: 3, errorCode: false,
      // INT3 is a trap: the saved RIP is past the CC; the exception address is the CC itself.
      body: exceptionCall(STATUS.BREAKPOINT, '\n  dec     r8', ['0']),
    },
    { name: 'KiInvalidOpcodeFault', vector: 6, errorCode: false, body: exceptionCall(STATUS.ILLEGAL_INSTRUCTION, '') },
    {
      name: 'KiGeneralProtectionFault', vector: 13, errorCode: true,
      body: exceptionCall(STATUS.ACCESS_VIOLATION, '', ['0', '0FFFFFFFFFFFFFFFFh']),
    },
    {
      name: 'KiPageFault', vector: 14, errorCode: true,
      body: `
  mov     rax,cr2
  mov     qword ptr ${tf('FaultAddress')},rax
  test    dword ptr ${tf('EFlags')},200h
  je      KiPageFaultIntsOff
  sti
KiPageFaultIntsOff:
  ; model: MmAccessFault. Every page of the model is resident, so no fault is ever resolved by
  ; paging in. A kernel-mode reference to a not-present system address is fatal at once (bug
  ; check 50h); any other fault becomes an access-violation exception.
  mov     rcx,qword ptr ${tf('ErrorCode')}
  test    byte ptr ${tf('SegCs')},1
  jne     KiPageFaultRaise
  test    ecx,1
  jne     KiPageFaultRaise
  mov     rdx,qword ptr ${tf('FaultAddress')}
  test    rdx,rdx
  jns     KiPageFaultRaise
  ; PAGE_FAULT_IN_NONPAGED_AREA: address, 0 read / 2 write / 10h execute, RIP, 2 (not present)
  xor     r8d,r8d
  test    ecx,2
  je      KiPageFaultNotWrite
  mov     r8d,2
KiPageFaultNotWrite:
  test    ecx,10h
  je      KiPageFaultNotExec
  mov     r8d,10h
KiPageFaultNotExec:
  mov     r9,qword ptr ${tf('Rip')}
  mov     qword ptr [rsp+20h],2
  mov     ecx,${hex(BUGCHECK.PAGE_FAULT_IN_NONPAGED_AREA)}
  call    KeBugCheckEx
KiPageFaultRaise:
  ; EXCEPTION_ACCESS_VIOLATION parameters: 0 read, 1 write, 8 execute; then the address
  xor     r9d,r9d
  test    ecx,2
  je      KiPageFaultRaiseNotWrite
  mov     r9d,1
KiPageFaultRaiseNotWrite:
  test    ecx,10h
  je      KiPageFaultRaiseNotExec
  mov     r9d,8
KiPageFaultRaiseNotExec:
  mov     r10,qword ptr ${tf('FaultAddress')}
  mov     ecx,${hex(STATUS.ACCESS_VIOLATION)}
  mov     edx,2
  mov     r8,qword ptr ${tf('Rip')}
  call    KiExceptionDispatch`,
    },
    {
      // Reconstructed from a public disassembly of KiDoubleFaultAbort (Windows 10 x64, build not
      // named; the same shape in four later builds' decompilations): swapgs only when the saved
      // CS is user mode, the kernel-origin path uses GS as it is; then
      // KiBugCheckDispatch(7Fh, 8, rsp = trap frame, TrapFrame.Rsp, TrapFrame.Rip).
      // UNEXPECTED_KERNEL_MODE_TRAP(8 = EXCEPTION_DOUBLE_FAULT, trap frame, interrupted RSP, RIP).
      // Left out: the speculation-control (IBRS/RSB) work of both paths.
      name: 'KiDoubleFaultAbort', vector: 8, errorCode: true,
      body: `
  mov     r10,qword ptr ${tf('Rip')}
  mov     r9,qword ptr ${tf('Rsp')}
  mov     r8,rsp
  mov     edx,8
  mov     ecx,${hex(BUGCHECK.UNEXPECTED_KERNEL_MODE_TRAP)}
  call    KiBugCheckDispatch`,
    },
  ];

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

; ===================== trap handlers =====================
${traps.map((t) => trapHandler(t, d)).join('\n')}

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

// The service table's routing lives in services.ts, so that boot can fill KiServiceTable without
// this source.
export { SERVICE_ROUTINES } from './services.ts';
