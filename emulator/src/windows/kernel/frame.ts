// What every part of nt's assembly source shares: the addresses it is given, hex immediates in
// WinDbg's form, KTRAP_FRAME operands relative to RBP, the register save/restore sequences, and the
// frame-building entry of the trap handlers. The parts themselves: traps.ts, syscall.ts,
// exceptions.ts, bugcheck.ts, service-routines.ts; ntoskrnl.ts puts them in order.

import { off } from '../structs.ts';

/** Addresses the kernel source refers to that live outside .text (data, other sections). */
export interface KernelDataAddresses {
  KiKvaShadow: bigint;
  KeSmapEnabled: bigint;
  KdDebuggerEnabled: bigint;
  MmUserProbeAddress: bigint;
  KiBugCheckData: bigint;
  KeServiceDescriptorTable: bigint;
  /** Its shadow: the nt descriptor again, then the win32k one (present, empty in the model). */
  KeServiceDescriptorTableShadow: bigint;
  /** KUSER_SHARED_DATA's kernel alias. */
  SharedUserDataKernel: bigint;
  /** nt!KeUserExceptionDispatcher: holds the address of ntdll!KiUserExceptionDispatcher. */
  KeUserExceptionDispatcher: bigint;
  /** nt!KiDebugTraps: the kernel entry points a #DB may arrive at from the shadow of a load of SS
   *  (8 qwords, zero when the machine option movSsFix is off). */
  KiDebugTraps: bigint;
  /** Model switch: 1 when the machine option sysretUnchecked is on (not a symbol of nt). */
  KiSysretUnchecked: bigint;
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

export const TF = {
  // KTRAP_FRAME offsets relative to RBP = frame + 80h, as every Windows x64 handler addresses them.
  rel: (field: string): string => {
    const o = off(`_KTRAP_FRAME.${field}`) - 0x80;
    return o < 0 ? `rbp-${(-o).toString(16).toUpperCase()}h` : `rbp+${o === 0 ? '0' : hex(o)}`;
  },
};
export const tf = (field: string): string => `[${TF.rel(field)}]`;

export const GS_CURRENT_THREAD = 0x180 + off('_KPRCB.CurrentThread');   // gs:[188h]
export const GS_RSP_BASE = 0x180 + off('_KPRCB.RspBase');               // gs:[1A8h]
export const GS_MXCSR = 0x180 + off('_KPRCB.MxCsr');                    // gs:[180h]
export const PRCB_STATE = off('_KPRCB.ProcessorState');                 // KSPECIAL_REGISTERS first
export const TH_PROCESS = off('_KTHREAD.Process');

/** Saves the volatile registers and RBX/RDI/RSI into the frame (RBP = frame + 80h). */
/** Stores CR0, CR2, CR3 and CR4 into the KPRCB's ProcessorState (where kd's `r cr3` and the bug
 *  check data read them), through `prcb` with `scratch` as the carrier; used by KdTrap and
 *  KeBugCheckEx, as both save the control state before anything else. */
export function saveControlRegisters(prcb: string, scratch: string): string {
  return ['Cr0', 'Cr2', 'Cr3', 'Cr4'].map((cr) => `  mov     ${scratch},${cr.toLowerCase()}
  mov     qword ptr [${prcb}+${hex(PRCB_STATE + off(`_KSPECIAL_REGISTERS.${cr}`))}],${scratch}`).join('\n');
}

/** The report's save of the debug registers into KPRCB.ProcessorState.SpecialRegisters
 *  (KernelDr0-3, 6, 7), where the debugger reads and writes them: a kernel debugger programs
 *  hardware breakpoints by writing these slots. x64 KdpReport calls KiSaveProcessorControlState,
 *  reports, then KiRestoreProcessorControlState (public decompilations of ntoskrnl's KdpReport);
 *  what those two do with DR0-3/6/7 is ReactOS' amd64 KiSaveProcessorControlState /
 *  KiRestoreProcessorControlState (ntoskrnl/ke/amd64/cpu.c). */
export const DEBUG_REGS = [0, 1, 2, 3, 6, 7];
export function saveDebugRegisters(prcb: string, scratch: string): string {
  return DEBUG_REGS.map((n) => `  mov     ${scratch},dr${n}
  mov     qword ptr [${prcb}+${hex(PRCB_STATE + off(`_KSPECIAL_REGISTERS.KernelDr${n}`))}],${scratch}`).join('\n');
}
/** KiRestoreProcessorControlState after the report: the debug registers come back from the
 *  KPRCB with whatever the debugger left there (`__writedr(N, ...KernelDrN)` for 0-3, 6, 7). */
export function restoreDebugRegisters(prcb: string, scratch: string): string {
  return DEBUG_REGS.map((n) => `  mov     ${scratch},qword ptr [${prcb}+${hex(PRCB_STATE + off(`_KSPECIAL_REGISTERS.KernelDr${n}`))}]
  mov     dr${n},${scratch}`).join('\n');
}

export function saveRegisters(): string {
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
export function restoreRegisters(): string {
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

export interface TrapSpec {
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
export function trapHandler(t: TrapSpec, d: KernelDataAddresses): string {
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
