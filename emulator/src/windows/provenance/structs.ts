// Provenance of every structure layout `dt` prints (structs.ts). Each offset and type is checked
// field by field against the Vergilius 17134 layout in tests/unit/windows-structs-17134.test.ts;
// a field listed under `fields` differs from its structure's record, and says how.

import type { StructProvenance } from './types.ts';

const B = '10.0.17134.1';

const vergilius = (name: string, note: string): Omit<StructProvenance, 'fields'> => ({
  name, status: 'exact', build: B, sources: ['vergilius-17134'], note,
});

const STRUCTS: StructProvenance[] = [
  vergilius('_NT_TIB', 'Every field, offsets and types as in the 17134 layout (also winnt.h).'),
  vergilius('_KPCR', 'Every field; 0x000..0x180 is the same in every Windows 10 x64 layout.'),
  vergilius('_KPRCB', 'The fields the model uses, at their 17134 offsets with their 17134 types (BpbState is a USHORT on 17134, a UCHAR only from 1809; KeExceptionDispatchCount is at 5BB0h; the KVA-shadow fields KernelDirectoryTableBase, RspBaseShadow, UserRspShadow and ShadowFlags at 6E80h..6E98h, i.e. gs:[7000h..7018h], where later builds have them at 8E80h, gs:[9000h]). The 17134 KiSystemCall64 listing reads CurrentThread (gs:[188h]), RspBase (gs:[1A8h]) and TrappedSecurityDomain (gs:[270h]) at these offsets.'),
  vergilius('_KSPECIAL_REGISTERS', 'The control-register, debug-register and MSR fields KdTrap and KeBugCheckEx store, at their 17134 offsets inside KPRCB.ProcessorState.'),
  vergilius('_KTHREAD', 'The fields the system-call path uses (80h, 88h, 90h, F0h and 220h are also what Windows 10 KiSystemCall64 listings read), StateSaveArea (60h), the XSAVE area above InitialStack, and ThreadFlags (78h), whose bit 7 (GuiThread) KiSystemServiceRepeat tests.'),
  vergilius('_KPROCESS', 'Header, DirectoryTableBase, Affinity (50h), BasePriority (1BCh) and the KVA-shadow UserDirectoryTableBase at their 17134 offsets.'),
  vergilius('_EPROCESS', 'Pcb, UniqueProcessId, InheritedFromUniqueProcessId (3E0h), Peb (3F8h), ExitStatus (624h) and SecurityDomain (838h, the slot the 17134 KiSystemCall64 reads) at their 17134 offsets.'),
  vergilius('_KTRAP_FRAME', 'Every field, including the FaultIndicator / NmiMsrIbrs union at 2Ah.'),
  vergilius('_TEB', 'The first fields, through SystemReserved1, at their 17134 offsets.'),
  vergilius('_KTSS64', 'Every field (the 68h-byte 64-bit TSS of SDM Vol. 3A §8.7).'),
  vergilius('_KGDTENTRY64', 'The scalar members of the union (LimitLow, BaseLow, BaseUpper, MustBeZero, DataLow, DataHigh) at their 17134 offsets; the named sub-structures Bytes and Bits are not modeled.'),
  vergilius('_KIDTENTRY64', 'Every member of the union, the IstIndex/Reserved0/Type/Dpl/Present bit fields of the word at 4 included (the gate layout of SDM Vol. 3A §7.14.1).'),
  vergilius('_KUSER_SHARED_DATA', 'The fields the model writes at boot (SystemTime, NtBuildNumber, NtMajorVersion, NtMinorVersion, SystemCall) at their 17134 offsets.'),
];

export const STRUCT_PROVENANCE: Record<string, StructProvenance> = Object.fromEntries(STRUCTS.map((s) => [s.name, s]));
