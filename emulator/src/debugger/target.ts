// What the debugger needs from the layers below it (ARCHITECTURE.md, "Contracts between layers"):
// the Machine API of emulator/src/cpu and the Kernel of emulator/src/windows. Declared here as the
// narrow structural types kd uses, so that the debugger depends on the contract, not on internals.

import type { MachineOptionName } from '../windows/options.ts';

export interface SegmentView {
  selector: number;
  base: bigint;
}

export interface DescriptorTables {
  gdtr: { base: bigint; limit: number };
  idtr: { base: bigint; limit: number };
  tr: { selector: number; base: bigint; limit: number };
  ldtr: { selector: number; base: bigint; limit: number };
}

export interface MachineView {
  getReg(name: string): bigint;
  setReg(name: string, value: bigint): void;
  getSeg(name: string): SegmentView;
  readMsr(index: number): bigint;
  writeMsr(index: number, value: bigint): void;
  getCr(n: number): bigint;
  /** Debugger view of guest memory through the current page tables; null if any byte is unmapped. */
  readVirtual(va: bigint, n: number): Uint8Array | null;
  writeVirtual(va: bigint, bytes: Uint8Array): boolean;
  /** Physical memory (what kd's `!dq` and the page-table walks of `!pte` / `!vtop` read).
   *  Optional: stand-in kernels may lack it. */
  readPhysical?(pa: bigint, n: number): Uint8Array;
  /** The descriptor-table registers (`r gdtr`, `dg`, `!idt`): GDTR/IDTR base and limit, TR and
   *  LDTR selector, base and limit (SDM Vol. 3A §2.4). Optional: stand-in kernels may lack it. */
  tables?(): DescriptorTables;
  events?: { events: readonly object[]; total: number };
}

export interface NearestSymbol {
  /** `module!name` */
  name: string;
  address: bigint;
}

export interface ModuleInfo {
  name: string;
  base: bigint;
  size: bigint;
  image?: string;
}

export interface SymbolTable {
  /** `nt!KiSystemCall64`, `KiSystemCall64` (any module) or a module name; undefined if unknown. */
  resolve(name: string): bigint | undefined;
  /** The symbol at or below an address within its module, or undefined. */
  nearest(address: bigint): NearestSymbol | undefined;
  modules: readonly ModuleInfo[];
  /** Every symbol, for `x` and for `ln`'s following symbol. */
  all(): readonly NearestSymbol[];
}

export interface StructFieldView {
  offset: number;
  name: string;
  type: string;
  kind: 'int' | 'sint' | 'ptr' | 'struct' | 'array';
  size: number;
  /** A bit field: its first bit and width in the `size`-byte storage unit. */
  bits?: { pos: number; len: number };
}

export interface StructView {
  name: string;
  /** Bytes, when known (`dt -v`). */
  size?: number | null;
  /** A union rather than a struct (`dt -v`). */
  union?: boolean;
  fields: readonly StructFieldView[];
  /** How many fields WinDbg's `dt` lists for the real type; more than `fields.length` means the
   *  model knows only part of the structure, and `dt` says so. */
  layoutFields?: number;
}

/** Why the kernel gave control back to the debugger (the guest's code reached a report hook). */
export type KernelStop =
  | { kind: 'debug-break'; code: number; address: bigint }
  | { kind: 'bugcheck'; code: number; args: readonly bigint[] }
  | { kind: 'triple-fault' }
  | { kind: 'budget' }
  | { kind: 'break-in' }
  | { kind: 'exited'; status?: number }
  /** HLT with nothing to wake the processor. */
  | { kind: 'halt' }
  /** The emulator could not go on (a defect below the debugger); reported, never thrown. */
  | { kind: 'internal-error'; message: string };

export interface KernelView {
  machine: MachineView;
  symbols: SymbolTable;
  structs: Readonly<Record<string, StructView>>;
  /** `notHandled`: answer the pending exception report with "not handled" (KdTrap returns FALSE
   *  and the kernel dispatches the exception on), as `gn` and `sxd`/`sxn` events do. */
  resume(options: { budget: number; singleStep?: boolean; notHandled?: boolean }): KernelStop;
  /** Address of processor 0's KPCR, when the kernel exposes it. */
  kpcr?: bigint;
  /** Starts recording which public routines the processor enters; the returned function stops
   *  and lists them (kd names, first entry first). Optional: a stand-in kernel may lack it. */
  trackRoutines?(): () => string[];
  /** Programs DR0-DR3/DR7 as kd does (the KPRCB's KernelDr slots while in the report). */
  setDebugRegisters?(addresses: readonly bigint[], dr7: bigint): void;
  /** DR6 of the last debug exception (KernelDr6 while in the report). */
  debugStatus?(): bigint;
  /** Time travel, when the kernel keeps a history (windows/history.ts). */
  history?: HistoryView;
}

/** What one undone step did (cpu/journal.ts EntryInfo). */
export interface HistoryEntry {
  framesBefore: number;
  retired: boolean;
  writes: Array<[number, number]>;
}

export interface HistoryView {
  enable(instructions: number): void;
  readonly enabled: boolean;
  readonly capacity: number;
  readonly bytes: number;
  readonly position: number;
  readonly startPosition: number;
  readonly index: number;
  readonly frames: number;
  readonly trapFrame: bigint | null;
  readonly kernelStop: unknown;
  last(): HistoryEntry | null;
  peek(back: number): HistoryEntry | null;
  back(): boolean;
  unrecorded<T>(f: () => T): T;
  leaveReport(): void;
  enterReport(stop: unknown, trapFrame: bigint | null): void;
  runTo(position: number, budget: number): KernelStop | null;
}

/** The machine options the boot offers (one list: `windows/options.ts`). */
export type KernelOptions = Partial<Record<MachineOptionName, boolean>>;
