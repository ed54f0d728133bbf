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
  {
    ...vergilius('_KPROCESS', 'Header, DirectoryTableBase, Affinity (50h), BasePriority (1BCh) and the KVA-shadow UserDirectoryTableBase at their 17134 offsets.'),
    fields: {
      DirectoryTableBase: {
        status: 'assumption', build: 'none', sources: [],
        note: 'Offset exact (Vergilius 17134). The hierarchy it names is the model\'s: 4 KiB pages only, no PCID bits in the low bits (Windows sets them when it uses PCIDs), and a self-map at PML4 index 1EDh (PTE base FFFFF680`00000000, nt!MmPteBase): Windows 10 1607 and later pick that index at random at every boot; the model takes the pre-1607 one so kd\'s !pte addresses read like the classic transcripts.',
      },
      UserDirectoryTableBase: {
        status: 'reconstructed', build: 'kernels with 17134\'s KVA-shadow offsets', sources: ['msrc-kva-2018', 'lycorisguard-2019', 'vergilius-17134'],
        note: 'With KVA shadow: a second hierarchy whose lower (user) half is the kernel hierarchy\'s own PML4 entries (a public !dq of both PML4s shows the same first entry) and whose upper half maps only what the entry and exit code touch before or after the CR3 switch: KVASCODE (code and its data page), the IDT, the GDT/TSS page, the transition stack (TSS.RSP0) and the IST stacks, and the KPCR page holding the four KPRCB shadow fields (gs:[7000h]); each with page tables of its own (public !vtop of KiSystemCall64Shadow under each base). Assumed: which KPCR pages Windows maps there (the model maps only that one page), no self-map, no PCID bit 0. Without KVA shadow the field is 0, as public dt output of KVAS-disabled systems shows.',
      },
    },
  },
  vergilius('_EPROCESS', 'Pcb, UniqueProcessId, InheritedFromUniqueProcessId (3E0h), Peb (3F8h), ExitStatus (624h) and SecurityDomain (838h, the slot the 17134 KiSystemCall64 reads) at their 17134 offsets.'),
  vergilius('_KTRAP_FRAME', 'Every field, including the FaultIndicator / NmiMsrIbrs union at 2Ah.'),
  vergilius('_TEB', 'The first fields, through SystemReserved1, at their 17134 offsets.'),
  vergilius('_KTSS64', 'Every field (the 68h-byte 64-bit TSS of SDM Vol. 3A §8.7).'),
  vergilius('_KGDTENTRY64', 'The scalar members of the union (LimitLow, BaseLow, BaseUpper, MustBeZero, DataLow, DataHigh) at their 17134 offsets; the named sub-structures Bytes and Bits are not modeled.'),
  vergilius('_KIDTENTRY64', 'Every member of the union, the IstIndex/Reserved0/Type/Dpl/Present bit fields of the word at 4 included (the gate layout of SDM Vol. 3A §7.14.1).'),
  vergilius('_KUSER_SHARED_DATA', 'The fields the model writes at boot (SystemTime, NtBuildNumber, NtMajorVersion, NtMinorVersion, SystemCall) at their 17134 offsets.'),
];

export const STRUCT_PROVENANCE: Record<string, StructProvenance> = Object.fromEntries(STRUCTS.map((s) => [s.name, s]));
