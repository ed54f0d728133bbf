// The evidence behind every public code symbol of the modeled nt and ntdll (symbols.ts lists them;
// the assembly is kernel/ntoskrnl.ts, kernel/kvascode.ts and user/ntdll.ts): the build the evidence
// describes, the sources and what is exact, reconstructed or assumed. The status and a badge's
// summary are in routine-status.ts. A routine that mixes sources has `parts` (their own status);
// the routine's status is that of the part that decides what it does.
// Whoever changes a routine's code changes its entries here and in routine-status.ts.

import type { RoutineProvenance } from './types.ts';
import { ROUTINE_STATUS } from './routine-status.ts';

const B = '10.0.17134.1';
const LATER = 'later Windows 10 x64 (build not named by the source)';

type Rec = Omit<RoutineProvenance, 'symbol' | 'status' | 'summary'>;

const exactStub = (service: string): Rec => ({
  build: B, sources: ['auscitte-17134', 'j00ru-syscalls'],
  note: `The stub bytes of ntdll!NtTerminateProcess in the 17134 listing (mov r10,rcx / mov eax,n / test byte ptr [7FFE0308h],1 / jne / syscall / ret / int 2Eh / ret) with ${service}'s service number from j00ru's table. The stubs' addresses (20h apart) are the model's.`,
});

const shadowStub = (handler: string): Rec => ({
  build: LATER, sources: ['shadow-trap-listing'],
  note: `Follows the public KiRaiseSecurityCheckFailureShadow listing (test the saved CS, swapgs, lfence, test ShadowFlags, load the kernel CR3, switch to the thread's kernel stack, copy the hardware frame) and joins ${handler}. The scratch register is the model's; the per-processor offsets are the model's KPRCB placement (see _KPRCB).`,
});

const trap = (): Rec => ({
  build: 'Windows 10 x64 (frame building); WRK (dispatch)', sources: ['win10-trap-listings', 'wrk-trap-asm'],
  note: `Builds the 190h-byte trap frame as Windows 10's handlers do (sub rsp,8 / push rbp / sub rsp,158h / lea rbp,[rsp+80h], volatile registers saved, swapgs only when the saved CS is user mode and KVA shadow did not swap already), then raises the exception through KiExceptionDispatch with the status code and parameters of WRK trap.asm.`,
});

const ROUTINES: Record<string, Rec> = {
  'nt!KiSystemCall64': {
    build: B, sources: ['auscitte-17134'],
    note: 'Bytes +00h..+7Bh are copied from the 17134 listing (swapgs, user RSP to gs:[10h], RSP from gs:[1A8h], the hardware-frame pushes, sub rsp,158h, lea rbp,[rsp+80h], RBX/RDI/RSI and RAX/RCX/RDX saved, EPROCESS.SecurityDomain into KPRCB.TrappedSecurityDomain). From +7Ch to KiSystemServiceUser the 17134 kernel runs speculation-control code no public listing shows; the model puts an assumed stand-in there.',
    parts: [
      { from: 0, to: 0x7c, status: 'exact', build: B, sources: ['auscitte-17134'], note: 'Bytes of KiSystemCall64+00h..+7Bh in the 17134 listing.' },
      { from: 0x7c, to: Number.MAX_SAFE_INTEGER, status: 'assumption', build: LATER, sources: ['kidoublefaultabort-dumps', 'vergilius-17134'], note: 'Assumed stand-in for the speculation-control block: lfence, then IA32_SPEC_CTRL (MSR 48h) written from KPRCB.BpbSpecCtrlValue when KPRCB.BpbState says IBRS is present, else lfence; the shape of later builds\' trap entries, with the 17134 KPRCB fields. The modeled processor has no IBRS, so the write is skipped.' },
    ],
  },
  'nt!KiSystemServiceUser': {
    build: 'Windows 10 x64', sources: ['win10-syscall-listings'],
    note: 'Starts, as in the Windows 10 listings, with mov byte ptr [rbp-55h],2 / mov rbx,gs:[188h] / stmxcsr / ldmxcsr, after the trap frame is complete (KiSystemCall64, KiSystemService and KiSystemCall64Shadow save RAX/RCX/RDX before reaching it). Shortened: no user-mode debug or APC checks. Its place (after the speculation-control stand-in, KiSystemCall64+A5h) is the model\'s; in 17134 too it lies after that block, not at KiSystemCall64+50h.',
  },
  'nt!KiSystemServiceStart': {
    build: 'Windows 10 x64', sources: ['win10-syscall-listings', 'win10-copy-listings'],
    note: 'Splits the service number as the Windows 10 listings do: mov edi,eax / shr edi,7 / and edi,20h (bits 12-13, as the byte offset of a 20h-byte descriptor: 0 for nt, 20h for win32k) / and eax,0FFFh (the index). The listings store KTHREAD.TrapFrame here; the model does it a few instructions earlier, in KiSystemServiceUser.',
  },
  'nt!KiSystemServiceRepeat': {
    build: 'Windows 10 x64 (table walk, copy); WRK (out-of-range path)', sources: ['win10-copy-listings', 'wrk-trap-asm', 'vergilius-17134', 'sec665-ssdt'],
    note: 'As in the Windows 10 listings: KeServiceDescriptorTable, or KeServiceDescriptorTableShadow when KTHREAD.ThreadFlags bit 7 (GuiThread, Vergilius 17134) is set; the bounds check against the descriptor\'s limit; the compact entry decoded with movsxd / sar 4 / add (arithmetic shift: a routine may lie below the table) and its low 4 bits as the count of stack arguments; then the copy setup (rsp lowered by 70h, source TrapFrame.Rsp+20h capped at MmUserProbeAddress for a user caller, a jump 8 x count bytes before KiSystemServiceCopyEnd). Left out: the RestrictedGuiThread test and KeServiceDescriptorTableFilter, the GDI batch flush for win32k services. KeSystemCalls is counted before the call (the WRK counts after it). Out of range, Windows would first try KiConvertToGuiThread for a win32k number (WRK KiSS50) and repeat; assumed: the model has no win32k.sys, so the conversion is taken as failed and every out-of-range number returns STATUS_INVALID_SYSTEM_SERVICE (C000001Ch), where the WRK would return the per-service byte stored after W32pServiceTable.',
  },
  'nt!KiSystemServiceCopyStart': {
    build: 'Windows 10 x64; WRK', sources: ['win10-copy-listings', 'wrk-trap-asm'],
    note: 'Fourteen pairs mov rax,[rsi+70h] / mov [rdi+70h],rax down to [rsi+8] / [rdi+8], exactly 8 bytes each (the WRK: "very carefully optimized so there is exactly 8 bytes of code for each argument move"), entered 8 x count bytes before its end, so only the last count pairs run. Same instructions as the listings; the bytes are this assembler\'s, which picks the same 4-byte forms.',
  },
  'nt!KiSystemServiceCopyEnd': {
    build: 'Windows 10 x64', sources: ['win10-copy-listings'],
    note: 'mov rax,r10 / call rax to the service, then KiSystemServiceExit, as in the listings. Left out: the KiDynamicTraceMask and PerfGlobalGroupMask tests before the call (no tracing is modeled). The model reloads RDX from the trap frame here (its KiSystemServiceUser may clobber EDX on the speculation-control stand-in).',
  },
  'nt!KiSystemServiceExit': {
    build: 'none (the check); Windows 10 x64 (the restore)', sources: ['win10-syscall-listings', 'ms12-042', 'cert-vu649219', 'sysret-writeups'],
    note: 'Assumed first part: the check MS12-042 stands for. Before sysretq may take the saved RIP, the model tests that it is canonical; if not, the thread gets an access violation at that address (as a user-mode fetch from there would) and leaves through KiExceptionExit. The bulletin says what was fixed (CVE-2012-0217, "the manner in which the Windows User Mode Scheduler handles system requests"), not how the code changed, and no public listing of a fixed exit was found; the model\'s check is the one the public write-ups describe other kernels adding. The machine option sysretUnchecked leaves it out (the exit before the update). Then, as the listings do: restores PreviousMode and the non-volatile registers, loads RCX/R11/RSP from the frame and leaves with swapgs / sysretq (or through KiKernelSysretExit with KVA shadow); the APC-delivery and debug-register checks on the way out are left out (no APCs or hardware breakpoints are modeled).',
    parts: [
      { from: 0, to: 0x48, status: 'assumption', build: 'none', sources: ['ms12-042', 'cert-vu649219', 'sysret-writeups'], note: 'The canonical check of the saved RIP and the access violation for a non-canonical one; skipped with sysretUnchecked.' },
      { from: 0x48, to: Number.MAX_SAFE_INTEGER, status: 'reconstructed', build: 'Windows 10 x64', sources: ['win10-syscall-listings'], note: 'Restore of the user context, then mov rbp,r9 / mov rsp,r8 / swapgs / sysretq, as in the listings, shortened.' },
    ],
  },
  'nt!KiSystemService': {
    build: 'WRK and Windows 10 x64', sources: ['wrk-trap-asm'],
    note: 'The int 2Eh path builds the rest of the frame (RBX/RDI/RSI, then RAX/RCX/RDX) and joins KiSystemServiceUser, as KiSystemService does in the WRK; taken only when KUSER_SHARED_DATA.SystemCall says so.',
  },
  'nt!KiDivideErrorFault': trap(),
  'nt!KiDebugTrapOrFault': {
    ...trap(),
    note: `${trap().note} The 17134.1 form, before the May 2018 fix: its gate has no IST without KVA shadow (ReactOS' table and the !idt dumps of that configuration), so a #DB that arrives at KiSystemCall64's first instruction runs it on the stack user mode left, and, as the saved CS is kernel mode, with the user's GS base.`,
    sources: ['win10-trap-listings', 'wrk-trap-asm', 'idt-dumps-db-ist', 'cve-2018-8897'],
  },
  'nt!KiDebugTrapOrFaultEntryCheck': {
    build: LATER, sources: ['kidebugtraporfault-decompilations', 'idt-dumps-db-ist', 'cve-2018-8897'],
    note: 'Only with the machine option movSsFix (the May 2018 update, which 17134.1 predates; without KVA shadow). The #DB gate then names this routine, on IST4. From kernel mode, it compares the saved RIP with the eight entries of nt!KiDebugTraps, which boot fills as later builds do (the handlers of the DPL 3 gates, KiBreakpointTrap and KiSystemService, and the LSTAR target, KiSystemCall64), and on a match returns at once with iretq: the #DB a load of SS held across SYSCALL is dropped before anything reads GS. Otherwise it goes on to KiDebugTrapOrFault. The name is the model\'s: later builds have this check at the start of KiDebugTrapOrFault and the handler in KxDebugTrapOrFault; which registers the check borrows is the model\'s. The IST4 gate follows later builds\' !idt dumps without KVA shadow, which show a Stack for #DB; when that IST came in is not public.',
  },
  'nt!KiBreakpointTrap': trap(),
  'nt!KiInvalidOpcodeFault': trap(),
  'nt!KiGeneralProtectionFault': {
    ...trap(),
    note: 'Frame building as Windows 10\'s handlers; every #GP becomes STATUS_ACCESS_VIOLATION. Assumed detail: Windows reports a privileged instruction from user mode as STATUS_PRIVILEGED_INSTRUCTION, which the model does not distinguish.',
  },
  'nt!KiAlignmentFault': {
    ...trap(),
    note: 'Vector 11h of the published !idt dumps. Frame building as Windows 10\'s handlers; an alignment check (CR0.AM is set, so user code that sets RFLAGS.AC gets #AC on a misaligned access) becomes STATUS_DATATYPE_MISALIGNMENT, as ntstatus.h names the exception Windows raises for it.',
  },
  'nt!KiPageFault': {
    build: 'none', sources: ['win10-trap-listings', 'ms-bugcheck-codes'],
    note: 'The frame building is Windows 10\'s; what follows is assumed: there is no memory manager, every page is resident, a kernel-mode reference to a not-present system address bug-checks at once (50h) and any other fault becomes STATUS_ACCESS_VIOLATION. Windows asks MmAccessFault, which may resolve the fault.',
  },
  'nt!KiDoubleFaultAbort': {
    build: LATER, sources: ['kidoublefaultabort-dumps', 'win10-trap-listings', 'ms-bugcheck-7f', 'dumps-7f-8'],
    note: 'As the public disassembly and decompilations of KiDoubleFaultAbort show: the frame is built like every trap handler\'s, GS is swapped only when the saved CS is user mode (on the kernel-origin path GS is used as it is), then KiBugCheckDispatch(7Fh, 8, trap frame, TrapFrame.Rsp, TrapFrame.Rip): mov r10,[rbp+0E8h] / mov r9,[rbp+100h] / mov r8,rsp / mov edx,8 / mov ecx,7Fh. Left out: the speculation-control work of both paths. No 17134 disassembly was found; the five found (later builds) agree.',
  },
  'nt!KiExceptionDispatch': {
    build: 'WRK', sources: ['wrk-trap-asm'],
    note: 'Builds the EXCEPTION_RECORD on the stack from ECX/EDX/R8..R11 and calls KiDispatchException with the trap frame and previous mode, as KiExceptionDispatch in WRK trap.asm. No exception frame (non-volatile registers) is saved.',
  },
  'nt!KiDispatchException': {
    build: 'none', sources: [],
    note: 'Assumed: breakpoints and single steps go to KdTrap first (as in Windows); otherwise there is no handler search, since the model\'s kernel has no unwind or exception tables. A kernel exception bug-checks at once (3Bh inside a service routine, 1Eh elsewhere); a user exception goes straight back to ntdll!KiUserExceptionDispatcher with the code in RCX, with no user debugger, no CONTEXT copy to the user stack.',
  },
  'nt!KdTrap': {
    build: 'none', sources: [],
    note: 'Assumed: saves CR0, CR2, CR3, CR4 and the GS MSRs into KPRCB.ProcessorState (what KdEnterDebugger does first), saves DR0-3/6/7 there before the report and reloads them after it (x64 KdpReport calls KiSaveProcessorControlState / KiRestoreProcessorControlState in public decompilations; what those do with the debug registers follows ReactOS\' amd64 cpu.c, not Windows), and reports to the debugger at KdpReport. The debugger transport, freezing other processors and the KD packet protocol are not modeled.',
  },
  'nt!KdpReport': {
    build: 'none', sources: [],
    note: 'The model\'s report point: kd stops the machine when the guest reaches it and resumes it with "handled". Stands for KdpReport / KdpSendWaitContinue and the debugger connection.',
  },
  'nt!KiExceptionExit': {
    build: 'WRK', sources: ['wrk-trap-asm'],
    note: 'Restores the volatile registers from the (possibly debugger-edited) frame and returns with iretq, swapping GS when returning to user mode, as KiExceptionExit / RESTORE_TRAP_STATE in WRK trap.asm.',
  },
  'nt!KiBugCheckDispatch': {
    build: 'Windows 7 and 10 x64', sources: ['kidoublefaultabort-dumps', 'bugcheck-stacks'],
    note: 'Takes the code in ECX and the four arguments in EDX, R8, R9, R10 (how the trap handlers call it) and calls KeBugCheckEx with R10 as the fifth; it is the frame between the handler and KeBugCheckEx in public kd stacks. Shortened: Windows also saves the non-volatile registers in a KEXCEPTION_FRAME in the 138h bytes it reserves.',
  },
  'nt!KeBugCheckEx': {
    build: 'WRK; Windows 10 x64', sources: ['wrk-procstat-asm', 'bugcheck-stacks', 'ms-bugcheck-codes'],
    note: 'Homes its arguments, disables interrupts and, before anything else, saves processor state into the KPRCB it finds through gs:[20h] (KPCR.CurrentPrcb), as KeBugCheckEx in WRK procstat.asm does (there a full context; here CR0, CR2, CR3, CR4), then calls KeBugCheck2 with the same values, the order of public kd stacks.',
  },
  'nt!KeBugCheck2': {
    build: 'none', sources: ['bugcheck-stacks'],
    note: 'Assumed: Windows\' KeBugCheck2 (freezing the other processors, callbacks, the crash dump, the blue screen) is far too large to model. The model keeps the two steps kd sees: it records the code and arguments in KiBugCheckData, then calls KiBugCheckDebugBreak(DBG_STATUS_BUGCHECK_FIRST = 3), as public stacks show it doing before anything is written to the screen.',
  },
  'nt!KiBugCheckDebugBreak': {
    build: 'Windows 7 and 10 x64', sources: ['bugcheck-stacks'],
    note: 'Calls DbgBreakPointWithStatus with its status argument: the frame between KeBugCheck2 and DbgBreakPointWithStatus in public kd stacks of bug checks. The model\'s body is that one call.',
  },
  'nt!DbgBreakPointWithStatus': {
    build: 'Windows 10 x64', sources: ['dbgbreak-listings', 'bugcheck-stacks'],
    note: 'int 3 / ret, the bytes public listings show (their builds are not named). kd stops here and prints the bug check. Reached from KeBugCheck2 through KiBugCheckDebugBreak, as in Windows.',
  },
  'nt!KiIdleLoop': {
    build: 'none', sources: [],
    note: 'Assumed: with no thread left the processor halts. The real idle loop polls DPCs, the scheduler and power management.',
  },
  'nt!NtClose': {
    build: 'none', sources: [],
    note: 'Assumed: the process has no handle table, so every handle is invalid (STATUS_INVALID_HANDLE).',
  },
  'nt!NtYieldExecution': {
    build: 'none', sources: [],
    note: 'Assumed: a single thread, so nothing else is ready (STATUS_NO_YIELD_PERFORMED).',
  },
  'nt!NtQuerySystemTime': {
    build: 'none', sources: [],
    note: 'Assumed shape: a user caller\'s pointer at or above MmUserProbeAddress is replaced by it (so the store faults as ProbeForWrite would), then KUSER_SHARED_DATA.SystemTime is copied. No disassembly of the 17134 routine was used.',
  },
  'nt!NtTerminateProcess': {
    build: 'none', sources: [],
    note: 'Assumed: the only process ends whatever the handle; the status goes to EPROCESS.ExitStatus and the processor goes idle. No object manager, no thread rundown.',
  },
  'nt!NtQueryInformationProcess': {
    build: 'none', sources: ['ms-ntqueryinformationprocess', 'j00ru-syscalls', 'vergilius-17134'],
    note: 'Shortened: the documented interface (five arguments, the fifth on the stack; ProcessBasicInformation fills PROCESS_BASIC_INFORMATION, 30h bytes: ExitStatus, PebBaseAddress, AffinityMask, BasePriority, UniqueProcessId, InheritedFromUniqueProcessId, read here from the 17134 EPROCESS/KPROCESS fields), number 19h from j00ru\'s table. Assumed: only NtCurrentProcess() (-1) names a process (no handle table: any other handle is STATUS_INVALID_HANDLE); other information classes return STATUS_NOT_IMPLEMENTED; a length other than 30h is STATUS_INFO_LENGTH_MISMATCH; the probes clamp to MmUserProbeAddress as NtQuerySystemTime\'s do. The parent process id, base priority 8 and affinity 1 are the model\'s values. No disassembly of the 17134 routine was used.',
  },
  'nt!KiServiceNotModeled': {
    build: 'none', sources: [],
    note: 'Not a Windows routine: the table entry of every real 17134 service the model does not implement returns STATUS_NOT_IMPLEMENTED.',
  },
  'nt!KiSystemCall64Shadow': {
    build: LATER, sources: ['deepdive-2023', 'lycorisguard-2019'],
    note: 'Instruction for instruction the published KVA-shadow entry (+00h..+68h) of a later kernel, whose build the author does not name, with the 17134 offsets of the per-processor shadow fields: gs:[7000h..7018h] (Vergilius 17134 _KPRCB) where the listing reads gs:[9000h..]. Its bytes +00h..+73h are identical to a 2019 WinDbg listing that reads gs:[7000h..7018h] itself (LycorisGuard; a neighbouring build, not named: its EPROCESS slot is 830h where 17134 reads 838h), which names +2Dh KiSystemCall64ShadowCommon (not a symbol here). The speculation-control and SMAP parts of the published listings are left out; RAX/RCX/RDX are saved before the jump to KiSystemServiceUser.',
  },
  'nt!KiDivideErrorFaultShadow': shadowStub('KiDivideErrorFault'),
  'nt!KiDebugTrapOrFaultShadow': shadowStub('KiDebugTrapOrFault'),
  'nt!KiBreakpointTrapShadow': shadowStub('KiBreakpointTrap'),
  'nt!KiInvalidOpcodeFaultShadow': shadowStub('KiInvalidOpcodeFault'),
  'nt!KiGeneralProtectionFaultShadow': shadowStub('KiGeneralProtectionFault'),
  'nt!KiAlignmentFaultShadow': shadowStub('KiAlignmentFault'),
  'nt!KiPageFaultShadow': shadowStub('KiPageFault'),
  'nt!KiSystemServiceShadow': shadowStub('KiSystemService'),
  'nt!KiDoubleFaultAbortShadow': {
    build: 'none', sources: ['kidoublefaultabortshadow-decompilation'],
    note: 'Assumed: the #DF stub loads the kernel CR3 from a copy in the KVASCODE data page (it cannot trust GS), then joins KiDoubleFaultAbort. How 17134\'s shadow #DF entry finds the kernel CR3 is not public. With the machine option dfReloadsGs (off by default) it first writes the KPCR\'s address into IA32_GS_BASE, as a public decompilation of a Windows 11 KiDoubleFaultAbortShadow shows that entry doing; the model keeps that address in its data page, and the option routes the #DF gate here with or without KVA shadow.',
  },
  'nt!KiKernelSysretExit': {
    build: 'a kernel with 17134\'s KVA-shadow offsets (build not named)', sources: ['lycorisguard-2019'],
    note: 'Instruction for instruction the public IDA listing (KVASCODE): ShadowFlags (gs:[7018h]) bit 1 skips the switch; else CR3 <- KPROCESS.UserDirectoryTableBase through gs:[188h] and KTHREAD.Process, with bit 63 (no TLB flush) when the base\'s bit 0 says PCIDs are in use, unless ShadowFlags bit 0 asks for a flush; then rbp <- r9, rsp <- r8, swapgs, sysret. Same instruction lengths as the listing; the model has no PCIDs (its user base has bit 0 clear), so the plain mov cr3 runs.',
  },
  'nt!KiKernelIretExit': {
    build: 'none', sources: [],
    note: 'Windows has a routine of this name in KVASCODE; its body here (frame moved to the transition stack, user CR3, swapgs, iretq) is the model\'s, not taken from a listing.',
  },
  'ntdll!NtQueryInformationProcess': exactStub('NtQueryInformationProcess'),
  'ntdll!ZwQueryInformationProcess': exactStub('NtQueryInformationProcess'),
  'ntdll!NtClose': exactStub('NtClose'),
  'ntdll!ZwClose': exactStub('NtClose'),
  'ntdll!NtYieldExecution': exactStub('NtYieldExecution'),
  'ntdll!ZwYieldExecution': exactStub('NtYieldExecution'),
  'ntdll!NtQuerySystemTime': exactStub('NtQuerySystemTime'),
  'ntdll!ZwQuerySystemTime': exactStub('NtQuerySystemTime'),
  'ntdll!NtTerminateProcess': exactStub('NtTerminateProcess'),
  'ntdll!ZwTerminateProcess': exactStub('NtTerminateProcess'),
  'ntdll!KiUserExceptionDispatcher': {
    build: 'none', sources: [],
    note: 'Assumed: no vectored or frame-based handlers; the dispatcher ends the process with the exception code as its exit status, as the default unhandled-exception path finally does.',
  },
};

export const ROUTINE_EVIDENCE: Readonly<Record<string, Rec>> = ROUTINES;

/** Status, summary and evidence together, for the routines both tables name. */
export const ROUTINE_PROVENANCE: Record<string, RoutineProvenance> = Object.fromEntries(
  Object.entries(ROUTINES).filter(([symbol]) => ROUTINE_STATUS[symbol]).map(([symbol, r]) => {
    const [status, summary] = ROUTINE_STATUS[symbol];
    return [symbol, { symbol, status, summary, ...r }];
  }),
);
