// Public entry of the CPU: the machine with the decoder and the semantics table wired in, plus
// the decoder, disassembler and assembler.

import { installExecutor } from './machine.ts';
import { decode } from './decoder.ts';
import { SEMANTICS } from './semantics/index.ts';

installExecutor(decode, SEMANTICS);

export { Machine, semanticsKeys } from './machine.ts';
export type { StopReason, Hook, HookResult, MachineOptions, CpuVendor, SegmentState, Decoded, Translation } from './machine.ts';
export type { CpuEvent, CpuEventBody, StackChoice } from './events.ts';
export { EventLog } from './events.ts';
export { CpuFault, VECTOR_NAMES } from './fault.ts';
export type { Snapshot } from './snapshot.ts';
export { encodeSnapshot, decodeSnapshot } from './snapshot.ts';
export type { EntryInfo } from './journal.ts';
export { PhysMemory, PAGE_SIZE } from './memory.ts';
export { MSR_NAMES } from './msr.ts';
export { cpuid } from './cpuid.ts';
export * from './state.ts';
export { PageTableBuilder, buildSystemTables } from './setup.ts';
export type { SystemTables, MapFlags } from './setup.ts';
export { decode, decodeBytes } from './decoder.ts';
export { OPCODES } from './opcodes.ts';
export { SEMANTICS } from './semantics/index.ts';
export type * from './instruction.ts';
export { assemble, AsmError } from './assembler.ts';
export type { AssembleOptions, AssembleResult, AssembledLine } from './assembler.ts';
export { formatInstruction, formatText, formatDisassemblyLine, formatNumber, formatAddress } from './disassembler.ts';
export type { FormatOptions, FormattedInstruction } from './disassembler.ts';
