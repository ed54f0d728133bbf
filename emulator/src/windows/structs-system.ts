// Layouts of the processor-facing structures (the TSS, a GDT and an IDT entry) and of
// KUSER_SHARED_DATA, from the Vergilius 10.0.17134.1 x64 header (tests/unit/vergilius-17134-table.ts
// transcribes it; tests/unit/windows-structs-17134.test.ts checks every field here against it).
// The model builds these in memory (boot.ts): the TSS at KPCR.TssBase, the GDT and IDT entries at
// KPCR.GdtBase / IdtBase, and the shared page at 7FFE0000 / FFFFF780`00000000.

import { f, type StructDef } from './struct-field.ts';

// _KTSS64: the whole 64-bit TSS (SDM Vol. 3A §8.7, Figure 8-11), 68h bytes.
export const KTSS64: StructDef = {
  name: '_KTSS64', size: 0x68, complete: true, layoutFields: 8,
  fields: [
    f(0x000, 'Reserved0', 'Uint4B'),
    f(0x004, 'Rsp0', 'Uint8B'),
    f(0x00c, 'Rsp1', 'Uint8B'),
    f(0x014, 'Rsp2', 'Uint8B'),
    f(0x01c, 'Ist', '[8] Uint8B', 64),
    f(0x05c, 'Reserved1', 'Uint8B'),
    f(0x064, 'Reserved2', 'Uint2B'),
    f(0x066, 'IoMapBase', 'Uint2B'),
  ],
};

// _KGDTENTRY64 (a union): the scalar views of a 16-byte system-segment descriptor (the TSS
// descriptor of SDM Vol. 3A §8.2.3, Figure 8-4). The named sub-structures Bytes and Bits are not
// modeled.
export const KGDTENTRY64: StructDef = {
  name: '_KGDTENTRY64', size: 0x10, complete: false, union: true, layoutFields: 8,
  fields: [
    f(0x000, 'LimitLow', 'Uint2B'),
    f(0x002, 'BaseLow', 'Uint2B'),
    f(0x008, 'BaseUpper', 'Uint4B'),
    f(0x00c, 'MustBeZero', 'Uint4B'),
    f(0x000, 'DataLow', 'Int8B'),
    f(0x008, 'DataHigh', 'Int8B'),
  ],
};

// _KIDTENTRY64 (a union): a 64-bit interrupt gate (SDM Vol. 3A §7.14.1, Figure 7-8), with the
// IST index, type, DPL and present bits of its second word as bit fields.
export const KIDTENTRY64: StructDef = {
  name: '_KIDTENTRY64', size: 0x10, complete: true, union: true, layoutFields: 11,
  fields: [
    f(0x000, 'OffsetLow', 'Uint2B'),
    f(0x002, 'Selector', 'Uint2B'),
    f(0x004, 'IstIndex', 'Pos 0, 3 Bits', 2),
    f(0x004, 'Reserved0', 'Pos 3, 5 Bits', 2),
    f(0x004, 'Type', 'Pos 8, 5 Bits', 2),
    f(0x004, 'Dpl', 'Pos 13, 2 Bits', 2),
    f(0x004, 'Present', 'Pos 15, 1 Bit', 2),
    f(0x006, 'OffsetMiddle', 'Uint2B'),
    f(0x008, 'OffsetHigh', 'Uint4B'),
    f(0x00c, 'Reserved1', 'Uint4B'),
    f(0x000, 'Alignment', 'Uint8B'),
  ],
};

// _KUSER_SHARED_DATA: the fields the model writes at boot (SystemTime, the version numbers, and
// SystemCall, which the ntdll stubs test at 7FFE0308h).
export const KUSER_SHARED_DATA: StructDef = {
  name: '_KUSER_SHARED_DATA', size: 0x708, complete: false, layoutFields: 98,
  fields: [
    f(0x014, 'SystemTime', '_KSYSTEM_TIME', 0xc),
    f(0x260, 'NtBuildNumber', 'Uint4B'),
    f(0x26c, 'NtMajorVersion', 'Uint4B'),
    f(0x270, 'NtMinorVersion', 'Uint4B'),
    f(0x308, 'SystemCall', 'Uint4B'),
  ],
};
