// nt's trap handlers (divide error, #DB, #BP, #UD, #GP, #PF, #DF): each a TrapSpec whose body
// runs after the shared frame-building entry in frame.ts.

import { STATUS, BUGCHECK } from '../build.ts';
import { hex, tf, trapHandler, type TrapSpec, type KernelDataAddresses } from './frame.ts';

export function trapsText(d: KernelDataAddresses): string {
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
    // #AC: misaligned user access with CR0.AM and RFLAGS.AC (SDM Vol. 3A §6.15, interrupt 17).
    { name: 'KiAlignmentFault', vector: 17, errorCode: true, body: exceptionCall(STATUS.DATATYPE_MISALIGNMENT, '') },
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

  return traps.map((t) => trapHandler(t, d)).join('\n') + debugTrapEntryCheck(d);
}

/** The May 2018 fix for CVE-2018-8897 (machine option movSsFix; the #DB gate names this routine
 *  then, on IST4). Reconstructed from a public Hex-Rays decompilation of a later build's
 *  nt!KiDebugTrapOrFault: a #DB from kernel mode whose saved RIP is one of the eight entries of
 *  nt!KiDebugTraps (the kernel entry points user mode can reach: a #DB held by MOV SS arrives
 *  there) is dismissed at once with IRETQ, before anything reads GS; every other #DB goes on to
 *  the handler. Later builds have this check at the start of KiDebugTrapOrFault and the handler
 *  in KxDebugTrapOrFault; the model keeps 17134.1's KiDebugTrapOrFault and gives the check a
 *  name of its own. The registers it borrows are pushed on the IST stack and popped again. */
function debugTrapEntryCheck(d: KernelDataAddresses): string {
  return `
KiDebugTrapOrFaultEntryCheck:
  test    byte ptr [rsp+8],1
  jne     KiDebugTrapOrFault
  push    rax
  push    rcx
  push    rdx
  mov     rax,qword ptr [rsp+18h]
  mov     rcx,${hex(d.KiDebugTraps)}
  mov     edx,8
KiDebugTrapOrFaultEntryCheckNext:
  cmp     rax,qword ptr [rcx+rdx*8-8]
  je      KiDebugTrapOrFaultEntryDismiss
  dec     edx
  jne     KiDebugTrapOrFaultEntryCheckNext
  pop     rdx
  pop     rcx
  pop     rax
  jmp     KiDebugTrapOrFault
KiDebugTrapOrFaultEntryDismiss:
  pop     rdx
  pop     rcx
  pop     rax
  iretq
`;
}
