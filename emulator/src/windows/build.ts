// The one Windows build this kernel models, and where each fact about it comes from.
//
// Modeled build: Windows 10 version 1803 (April 2018 Update, "Redstone 4"), build 17134, x64,
// kernel ntkrnlmp.exe. The copied bytes come from a serviced 17134 kernel: the crash dump's
// !analyze output gives OSBUILD_TIMESTAMP 2018-09-19 19:40:30 (a September 2018 update), while its
// build-lab string reads 10.0.17134.1.amd64fre.rs4_release.180410-1804, as every serviced 17134
// kernel's does (public dumps of December 2018 kernels show the same string). Its revision number
// (10.0.17134.x) is not printed. Structure layouts follow Vergilius' 10.0.17134.1.
//
// Why this build: it is the one for which a public crash-dump write-up prints both the bytes of
// nt!KiSystemCall64 from its first instruction through the speculation-control code (+0x00..+0x7B)
// and the bytes of an ntdll system-call stub (ntdll!NtTerminateProcess, number 2Ch), so the entry
// sequence and the stub shape are copied from one build rather than stitched from several
// (Ry Auscitte, "Bringing My OS Back from the Abyss: Windows Crash Dump Analysis (Part 1)").
//
// Facts and their sources (all public):
// - KiSystemCall64 +0x00..+0x7B bytes: the 17134 listing above. The first 0x50 bytes are also
//   identical in Windows 7 and other Windows 10 listings.
// - KiSystemCall64Shadow +0x00..+0x68: the shape of a 2023 WinDbg listing of a KVA-shadow kernel
//   whose build is not stated ("From Userland to Kernel: Deep Dive into SYSCALLs using WinDbg and
//   Binary Patching"; a 2004-or-later kernel, gs:[9000h]), cross-checked with a second listing,
//   with 17134's offsets: its KVA-shadow fields are at KPRCB+0x6E80 = gs:[7000h..7018h]
//   (Vergilius 10.0.17134.1 _KPRCB). Reconstructed: no public 17134 listing of it was found.
// - KiDoubleFaultAbort: public disassembly and decompilations of Windows 10/11 kernels (builds not
//   named; IDA dumps "XREFs of KiDoubleFaultAbort"): swapgs only when the saved CS is user mode,
//   then KiBugCheckDispatch(7Fh, 8, trap frame, TrapFrame.Rsp, TrapFrame.Rip). The bug-check path
//   KiBugCheckDispatch -> KeBugCheckEx -> KeBugCheck2 -> KiBugCheckDebugBreak ->
//   DbgBreakPointWithStatus is the one public kd stacks of 0x7F/8 crashes show (GitHub issues
//   asamy/ksm #19, Windows 7 x64; dokan-dev/dokany #944, Windows 10). Windows 10 0x7F/8 dumps give
//   Arg2 = a trap frame on the #DF stack and Arg3 = a kernel-stack address, the interrupted RSP
//   (sandboxie-plus/Sandboxie #141; can1357/ByePg #9, build 18362).
// - KiDoubleFaultAbortShadow reloading IA32_GS_BASE: a public decompilation of a Windows 11 kernel
//   (KPRCB shadow fields at +0x9E80). Offered as the machine option dfReloadsGs, off by default.
// - _KPCR top (0x000..0x180): PDB-derived headers of several Windows 10 x64 builds (identical in
//   all of them, including 15063) and ReactOS' ndk.
// - Every structure layout `dt` prints (_KPRCB, _KTHREAD, _KPROCESS, _EPROCESS, _KTRAP_FRAME,
//   _TEB, _KSPECIAL_REGISTERS): the Vergilius layouts of 10.0.17134.1, field by field (tested),
//   except the four KVA-shadow _KPRCB fields, still at the later build's 8E80h (17134: 6E80h).
//   The 17134 KiSystemCall64 itself reads gs:[188h], gs:[1A8h] and gs:[270h] at those offsets.
// - Provenance of every routine and structure, as data: provenance/ (exact, reconstructed or
//   assumption, with the sources and the build they describe).
// - System-service numbers: j00ru's Windows system-call table, column "Windows 10 (1803)".
// - Selectors (KGDT64_*), STAR, FMASK, EFER: the WDK header constants and published `rdmsr`
//   output; IDT handler names and IST indexes: published `!idt` dumps and ReactOS' table.
// - Bug-check codes and arguments: Microsoft's bug-check reference as quoted in public kd output.

export const BUILD = {
  product: 'Windows 10 Kernel Version 17134 MP (1 procs) Free x64',
  /** A serviced 17134 kernel built 2018-09-19; its revision number is not stated by the source. */
  version: '10.0.17134',
  buildNumber: 17134,
  buildLab: '17134.1.amd64fre.rs4_release.180410-1804',
  release: 'Windows 10 version 1803',
  kernelImage: 'ntkrnlmp.exe',
} as const;

/** System-service numbers of build 17134 (j00ru's table, "Windows 10 (1803)" column). */
export const SERVICE_NUMBERS = {
  NtQueryInformationProcess: 0x19,
  NtClose: 0x0f,
  NtTerminateProcess: 0x2c,
  NtYieldExecution: 0x46,
  NtQuerySystemTime: 0x5a,
} as const;

export type ServiceName = keyof typeof SERVICE_NUMBERS;

/** How many arguments each modeled service takes (its prototype: Microsoft's documentation of
 *  the Zw/Nt routines). The first four travel in RCX (R10), RDX, R8, R9; the rest on the stack,
 *  and their count is the low 4 bits of the service's KiServiceTable entry. */
export const SERVICE_ARGUMENTS: Record<ServiceName, number> = {
  NtQueryInformationProcess: 5, // ProcessHandle, ProcessInformationClass, ProcessInformation, ProcessInformationLength, ReturnLength
  NtClose: 1,
  NtTerminateProcess: 2,
  NtYieldExecution: 0,
  NtQuerySystemTime: 1,
};

/** Arguments a service takes on the stack (the count its table entry carries). */
export function stackArguments(name: ServiceName): number {
  return Math.max(0, SERVICE_ARGUMENTS[name] - 4);
}

/** NTSTATUS values used by the modeled services (ntstatus.h). */
export const STATUS = {
  SUCCESS: 0x00000000,
  INVALID_HANDLE: 0xc0000008,
  ACCESS_VIOLATION: 0xc0000005,
  NOT_IMPLEMENTED: 0xc0000002,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  INVALID_SYSTEM_SERVICE: 0xc000001c,
  ILLEGAL_INSTRUCTION: 0xc000001d,
  INTEGER_DIVIDE_BY_ZERO: 0xc0000094,
  PRIVILEGED_INSTRUCTION: 0xc0000096,
  NO_YIELD_PERFORMED: 0x40000024,
  BREAKPOINT: 0x80000003,
  SINGLE_STEP: 0x80000004,
  DATATYPE_MISALIGNMENT: 0x80000002,
} as const;

/** Bug-check codes the modeled kernel raises (bugcodes.h names). */
export const BUGCHECK = {
  KMODE_EXCEPTION_NOT_HANDLED: 0x1e,
  SYSTEM_SERVICE_EXCEPTION: 0x3b,
  PAGE_FAULT_IN_NONPAGED_AREA: 0x50,
  UNEXPECTED_KERNEL_MODE_TRAP: 0x7f,
} as const;

export const BUGCHECK_NAMES: Record<number, string> = {
  0x1e: 'KMODE_EXCEPTION_NOT_HANDLED',
  0x3b: 'SYSTEM_SERVICE_EXCEPTION',
  0x50: 'PAGE_FAULT_IN_NONPAGED_AREA',
  0x7f: 'UNEXPECTED_KERNEL_MODE_TRAP',
};
