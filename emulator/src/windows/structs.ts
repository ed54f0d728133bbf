// Layouts of the kernel and user structures the modeled build uses, as data that both the kernel
// source (offsets in its instructions) and the debugger (`dt`, `!pcr`) read, so they cannot drift.
// Field text follows `dt`: name, offset, and the type as WinDbg prints it (`Ptr64 _KPRCB`,
// `Uint8B`, `[2] Uint8B`, `_NT_TIB`). Only the fields the model uses or that frame them are listed;
// `layoutFields` is how many fields `dt` lists for the real 17134 type (every member, those of
// anonymous unions and bit fields included), so `dt` can say how many it leaves out.
// Every offset and type here is checked against the Vergilius 17134 layout
// (tests/unit/windows-structs-17134.test.ts); provenance/structs.ts says where each came from.

import { f, type StructDef } from './struct-field.ts';
import { KGDTENTRY64, KIDTENTRY64, KTSS64, KUSER_SHARED_DATA } from './structs-system.ts';

export type { FieldKind, StructDef, StructField } from './struct-field.ts';

// _NT_TIB (winnt.h; x64 layout).
export const NT_TIB: StructDef = {
  name: '_NT_TIB', size: 0x38, complete: true, layoutFields: 8,
  fields: [
    f(0x000, 'ExceptionList', 'Ptr64 _EXCEPTION_REGISTRATION_RECORD'),
    f(0x008, 'StackBase', 'Ptr64 Void'),
    f(0x010, 'StackLimit', 'Ptr64 Void'),
    f(0x018, 'SubSystemTib', 'Ptr64 Void'),
    f(0x020, 'FiberData', 'Ptr64 Void'),
    f(0x020, 'Version', 'Uint4B'),
    f(0x028, 'ArbitraryUserPointer', 'Ptr64 Void'),
    f(0x030, 'Self', 'Ptr64 _NT_TIB'),
  ],
};

// _KPCR (x64), Vergilius 17134: every field (0x000..0x180 is the same in every Windows 10 x64
// layout). The Prcb is embedded at 0x180.
export const KPCR: StructDef = {
  name: '_KPCR', size: 0x8040, complete: true, layoutFields: 27,
  fields: [
    f(0x000, 'NtTib', '_NT_TIB', 0x38),
    f(0x000, 'GdtBase', 'Ptr64 _KGDTENTRY64'),
    f(0x008, 'TssBase', 'Ptr64 _KTSS64'),
    f(0x010, 'UserRsp', 'Uint8B'),
    f(0x018, 'Self', 'Ptr64 _KPCR'),
    f(0x020, 'CurrentPrcb', 'Ptr64 _KPRCB'),
    f(0x028, 'LockArray', 'Ptr64 _KSPIN_LOCK_QUEUE'),
    f(0x030, 'Used_Self', 'Ptr64 Void'),
    f(0x038, 'IdtBase', 'Ptr64 _KIDTENTRY64'),
    f(0x040, 'Unused', '[2] Uint8B', 16),
    f(0x050, 'Irql', 'UChar'),
    f(0x051, 'SecondLevelCacheAssociativity', 'UChar'),
    f(0x052, 'ObsoleteNumber', 'UChar'),
    f(0x053, 'Fill0', 'UChar'),
    f(0x054, 'Unused0', '[3] Uint4B', 12),
    f(0x060, 'MajorVersion', 'Uint2B'),
    f(0x062, 'MinorVersion', 'Uint2B'),
    f(0x064, 'StallScaleFactor', 'Uint4B'),
    f(0x068, 'Unused1', '[3] Ptr64 Void', 24),
    f(0x080, 'KernelReserved', '[15] Uint4B', 60),
    f(0x0bc, 'SecondLevelCacheSize', 'Uint4B'),
    f(0x0c0, 'HalReserved', '[16] Uint4B', 64),
    f(0x100, 'Unused2', 'Uint4B'),
    f(0x108, 'KdVersionBlock', 'Ptr64 Void'),
    f(0x110, 'Unused3', 'Ptr64 Void'),
    f(0x118, 'PcrAlign1', '[24] Uint4B', 96),
    f(0x180, 'Prcb', '_KPRCB', 8),
  ],
};

// _KPRCB: the fields the model uses, from the Vergilius 17134 layout (the 17134 KiSystemCall64 reads
// CurrentThread, RspBase and TrappedSecurityDomain at these offsets). BpbState is a USHORT on
// 17134 (a UCHAR from 1809 on); KeExceptionDispatchCount is at 5BB0h (2D34h is
// MmMappedWriteIoCount). The four KVA-shadow fields are at 6E80h..6E98h on 17134 (also 17763 and
// 18362), i.e. gs:[7000h..7018h]; published listings of KiSystemCall64Shadow from 2004 and later
// builds read them at gs:[9000h..] (KPRCB+8E80h).
export const KPRCB: StructDef = {
  name: '_KPRCB', size: 0x7ec0, complete: false, layoutFields: 303,
  fields: [
    f(0x000, 'MxCsr', 'Uint4B'),
    f(0x004, 'LegacyNumber', 'UChar'),
    f(0x005, 'ReservedMustBeZero', 'UChar'),
    f(0x006, 'InterruptRequest', 'UChar'),
    f(0x007, 'IdleHalt', 'UChar'),
    f(0x008, 'CurrentThread', 'Ptr64 _KTHREAD'),
    f(0x010, 'NextThread', 'Ptr64 _KTHREAD'),
    f(0x018, 'IdleThread', 'Ptr64 _KTHREAD'),
    f(0x020, 'NestingLevel', 'UChar'),
    f(0x021, 'ClockOwner', 'UChar'),
    f(0x022, 'PendingTickFlags', 'UChar'),
    f(0x023, 'IdleState', 'UChar'),
    f(0x024, 'Number', 'Uint4B'),
    f(0x028, 'RspBase', 'Uint8B'),
    f(0x030, 'PrcbLock', 'Uint8B'),
    f(0x038, 'PriorityState', 'Ptr64 Char'),
    f(0x0f0, 'TrappedSecurityDomain', 'Uint8B'),
    f(0x0f8, 'BpbState', 'Uint2B'),
    f(0x0fa, 'BpbSpecCtrlValue', 'UChar'),
    f(0x100, 'ProcessorState', '_KPROCESSOR_STATE', 0x5c0),
    f(0x2d38, 'KeSystemCalls', 'Uint4B'),
    f(0x5bb0, 'KeExceptionDispatchCount', 'Uint4B'),
    f(0x6e80, 'KernelDirectoryTableBase', 'Uint8B'),
    f(0x6e88, 'RspBaseShadow', 'Uint8B'),
    f(0x6e90, 'UserRspShadow', 'Uint8B'),
    f(0x6e98, 'ShadowFlags', 'Uint4B'),
  ],
};

/** KSPECIAL_REGISTERS inside KPRCB.ProcessorState (Vergilius 17134), where KdEnterDebugger-style code
 *  saves the control registers and MSRs. Offsets relative to ProcessorState. */
export const KSPECIAL_REGISTERS: StructDef = {
  name: '_KSPECIAL_REGISTERS', size: 0xf0, complete: false, layoutFields: 30,
  fields: [
    f(0x00, 'Cr0', 'Uint8B'),
    f(0x08, 'Cr2', 'Uint8B'),
    f(0x10, 'Cr3', 'Uint8B'),
    f(0x18, 'Cr4', 'Uint8B'),
    f(0x20, 'KernelDr0', 'Uint8B'),
    f(0x28, 'KernelDr1', 'Uint8B'),
    f(0x30, 'KernelDr2', 'Uint8B'),
    f(0x38, 'KernelDr3', 'Uint8B'),
    f(0x40, 'KernelDr6', 'Uint8B'),
    f(0x48, 'KernelDr7', 'Uint8B'),
    f(0xa8, 'MsrGsBase', 'Uint8B'),
    f(0xb0, 'MsrGsSwap', 'Uint8B'),
    f(0xb8, 'MsrStar', 'Uint8B'),
    f(0xc0, 'MsrLStar', 'Uint8B'),
    f(0xc8, 'MsrCStar', 'Uint8B'),
    f(0xd0, 'MsrSyscallMask', 'Uint8B'),
  ],
};

// _KTHREAD: the fields the model uses, Vergilius 17134 (80h, 88h, 90h, F0h and 220h are also what
// the Windows 10 KiSystemCall64 listings read).
export const KTHREAD: StructDef = {
  name: '_KTHREAD', size: 0x5f0, complete: false, layoutFields: 184,
  fields: [
    f(0x000, 'Header', '_DISPATCHER_HEADER', 0x18),
    f(0x018, 'SListFaultAddress', 'Ptr64 Void'),
    f(0x020, 'QuantumTarget', 'Uint8B'),
    f(0x028, 'InitialStack', 'Ptr64 Void'),
    f(0x030, 'StackLimit', 'Ptr64 Void'),
    f(0x038, 'StackBase', 'Ptr64 Void'),
    f(0x060, 'StateSaveArea', 'Ptr64 _XSAVE_FORMAT'),
    f(0x078, 'ThreadFlags', 'Int4B'),
    f(0x080, 'SystemCallNumber', 'Uint4B'),
    f(0x088, 'FirstArgument', 'Ptr64 Void'),
    f(0x090, 'TrapFrame', 'Ptr64 _KTRAP_FRAME'),
    f(0x098, 'ApcState', '_KAPC_STATE', 0x30),
    f(0x0f0, 'Teb', 'Ptr64 Void'),
    f(0x220, 'Process', 'Ptr64 _KPROCESS'),
    f(0x232, 'PreviousMode', 'Char'),
  ],
};

// _KPROCESS / _EPROCESS fields the model uses, Vergilius 17134 (the 17134 KiSystemCall64 reads
// EPROCESS.SecurityDomain at 838h into KPRCB.TrappedSecurityDomain).
export const KPROCESS: StructDef = {
  name: '_KPROCESS', size: 0x2d8, complete: false, layoutFields: 47,
  fields: [
    f(0x000, 'Header', '_DISPATCHER_HEADER', 0x18),
    f(0x028, 'DirectoryTableBase', 'Uint8B'),
    f(0x050, 'Affinity', '_KAFFINITY_EX', 0xa8),
    f(0x1bc, 'BasePriority', 'Char'),
    f(0x278, 'UserDirectoryTableBase', 'Uint8B'),
  ],
};

export const EPROCESS: StructDef = {
  name: '_EPROCESS', size: 0x848, complete: false, layoutFields: 260,
  fields: [
    f(0x000, 'Pcb', '_KPROCESS', 0x2d8),
    f(0x2e0, 'UniqueProcessId', 'Ptr64 Void'),
    f(0x3e0, 'InheritedFromUniqueProcessId', 'Ptr64 Void'),
    f(0x3f8, 'Peb', 'Ptr64 _PEB'),
    f(0x624, 'ExitStatus', 'Int4B'),
    f(0x838, 'SecurityDomain', 'Uint8B'),
  ],
};

// _KTRAP_FRAME (x64): every field of the Vergilius 17134 layout (0x190 bytes in every x64 version).
export const KTRAP_FRAME: StructDef = {
  name: '_KTRAP_FRAME', size: 0x190, complete: true, layoutFields: 61,
  fields: [
    f(0x000, 'P1Home', 'Uint8B'),
    f(0x008, 'P2Home', 'Uint8B'),
    f(0x010, 'P3Home', 'Uint8B'),
    f(0x018, 'P4Home', 'Uint8B'),
    f(0x020, 'P5', 'Uint8B'),
    f(0x028, 'PreviousMode', 'Char'),
    f(0x029, 'PreviousIrql', 'UChar'),
    f(0x02a, 'FaultIndicator', 'UChar'),
    f(0x02a, 'NmiMsrIbrs', 'UChar'),
    f(0x02b, 'ExceptionActive', 'UChar'),
    f(0x02c, 'MxCsr', 'Uint4B'),
    f(0x030, 'Rax', 'Uint8B'),
    f(0x038, 'Rcx', 'Uint8B'),
    f(0x040, 'Rdx', 'Uint8B'),
    f(0x048, 'R8', 'Uint8B'),
    f(0x050, 'R9', 'Uint8B'),
    f(0x058, 'R10', 'Uint8B'),
    f(0x060, 'R11', 'Uint8B'),
    f(0x068, 'GsBase', 'Uint8B'),
    f(0x068, 'GsSwap', 'Uint8B'),
    f(0x070, 'Xmm0', '_M128A', 16),
    f(0x080, 'Xmm1', '_M128A', 16),
    f(0x090, 'Xmm2', '_M128A', 16),
    f(0x0a0, 'Xmm3', '_M128A', 16),
    f(0x0b0, 'Xmm4', '_M128A', 16),
    f(0x0c0, 'Xmm5', '_M128A', 16),
    f(0x0d0, 'FaultAddress', 'Uint8B'),
    f(0x0d0, 'ContextRecord', 'Uint8B'),
    f(0x0d8, 'Dr0', 'Uint8B'),
    f(0x0e0, 'Dr1', 'Uint8B'),
    f(0x0e8, 'Dr2', 'Uint8B'),
    f(0x0f0, 'Dr3', 'Uint8B'),
    f(0x0f8, 'Dr6', 'Uint8B'),
    f(0x100, 'Dr7', 'Uint8B'),
    f(0x108, 'DebugControl', 'Uint8B'),
    f(0x110, 'LastBranchToRip', 'Uint8B'),
    f(0x118, 'LastBranchFromRip', 'Uint8B'),
    f(0x120, 'LastExceptionToRip', 'Uint8B'),
    f(0x128, 'LastExceptionFromRip', 'Uint8B'),
    f(0x130, 'SegDs', 'Uint2B'),
    f(0x132, 'SegEs', 'Uint2B'),
    f(0x134, 'SegFs', 'Uint2B'),
    f(0x136, 'SegGs', 'Uint2B'),
    f(0x138, 'TrapFrame', 'Uint8B'),
    f(0x140, 'Rbx', 'Uint8B'),
    f(0x148, 'Rdi', 'Uint8B'),
    f(0x150, 'Rsi', 'Uint8B'),
    f(0x158, 'Rbp', 'Uint8B'),
    f(0x160, 'ErrorCode', 'Uint8B'),
    f(0x160, 'ExceptionFrame', 'Uint8B'),
    f(0x168, 'Rip', 'Uint8B'),
    f(0x170, 'SegCs', 'Uint2B'),
    f(0x172, 'Fill0', 'UChar'),
    f(0x173, 'Logging', 'UChar'),
    f(0x174, 'Fill1', '[2] Uint2B', 4),
    f(0x178, 'EFlags', 'Uint4B'),
    f(0x17c, 'Fill2', 'Uint4B'),
    f(0x180, 'Rsp', 'Uint8B'),
    f(0x188, 'SegSs', 'Uint2B'),
    f(0x18a, 'Fill3', 'Uint2B'),
    f(0x18c, 'Fill4', 'Uint4B'),
  ],
};

// _TEB head (x64), Vergilius 17134: the first 17 fields. The region
// 110h..190h (ReservedForDebuggerInstrumentation, Windows 10) is what gs:[180h]/gs:[188h] read
// when a kernel handler runs with the user GS base.
export const TEB: StructDef = {
  name: '_TEB', size: 0x1838, complete: false, layoutFields: 126,
  fields: [
    f(0x000, 'NtTib', '_NT_TIB', 0x38),
    f(0x038, 'EnvironmentPointer', 'Ptr64 Void'),
    f(0x040, 'ClientId', '_CLIENT_ID', 16),
    f(0x050, 'ActiveRpcHandle', 'Ptr64 Void'),
    f(0x058, 'ThreadLocalStoragePointer', 'Ptr64 Void'),
    f(0x060, 'ProcessEnvironmentBlock', 'Ptr64 _PEB'),
    f(0x068, 'LastErrorValue', 'Uint4B'),
    f(0x06c, 'CountOfOwnedCriticalSections', 'Uint4B'),
    f(0x070, 'CsrClientThread', 'Ptr64 Void'),
    f(0x078, 'Win32ThreadInfo', 'Ptr64 Void'),
    f(0x080, 'User32Reserved', '[26] Uint4B', 104),
    f(0x0e8, 'UserReserved', '[5] Uint4B', 20),
    f(0x100, 'WOW32Reserved', 'Ptr64 Void'),
    f(0x108, 'CurrentLocale', 'Uint4B'),
    f(0x10c, 'FpSoftwareStatusRegister', 'Uint4B'),
    f(0x110, 'ReservedForDebuggerInstrumentation', '[16] Ptr64 Void', 128),
    f(0x190, 'SystemReserved1', '[30] Ptr64 Void', 240),
  ],
};

export const STRUCTS: Record<string, StructDef> = {
  _NT_TIB: NT_TIB, _KPCR: KPCR, _KPRCB: KPRCB, _KSPECIAL_REGISTERS: KSPECIAL_REGISTERS,
  _KTHREAD: KTHREAD, _KPROCESS: KPROCESS, _EPROCESS: EPROCESS, _KTRAP_FRAME: KTRAP_FRAME, _TEB: TEB,
  _KTSS64: KTSS64, _KGDTENTRY64: KGDTENTRY64, _KIDTENTRY64: KIDTENTRY64, _KUSER_SHARED_DATA: KUSER_SHARED_DATA,
};

/** Offset of a field, by `Struct.Field` path (`_KTRAP_FRAME.Rip`); throws on a typo so that
 *  kernel source generation fails loudly at boot. */
export function off(path: string): number {
  const dot = path.indexOf('.');
  const s = STRUCTS[path.slice(0, dot)];
  const name = path.slice(dot + 1);
  const fld = s?.fields.find((x) => x.name === name);
  if (!fld) throw new Error(`structs.ts: unknown field ${path}`);
  return fld.offset;
}

/** `dt`-style lines for a struct layout (no values): `   +0x010 UserRsp          : Uint8B`. */
export function formatLayout(def: StructDef): string[] {
  return def.fields.map((x) => {
    const o = x.offset.toString(16).padStart(3, '0');
    return `   +0x${o} ${x.name.padEnd(16)} : ${x.type}`;
  });
}
