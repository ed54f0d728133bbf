// The symbol table kd sees: `nt!`, `ntdll!` and the program's module, built from the labels the
// assembler returned (so every address is where the code really is) plus nt's data globals.
// Only public names are listed; the kernel source's branch targets inside a function stay private,
// as they would be in Microsoft's public symbols.

import { NT, USER } from './layout.ts';
import { BUILD } from './build.ts';

export interface ModuleInfo { name: string; base: bigint; size: bigint; image: string }
export interface SymbolEntry { name: string; address: bigint }

/** nt's public code symbols (labels of kernel/ntoskrnl.ts and kernel/kvascode.ts); one is the
 *  model's name for code later builds have under another (KiDebugTrapOrFaultEntryCheck, see its
 *  provenance). */
const NT_PUBLIC_CODE = [
  'KiSystemCall64', 'KiSystemServiceUser', 'KiSystemServiceStart', 'KiSystemServiceRepeat',
  'KiSystemServiceCopyStart', 'KiSystemServiceCopyEnd',
  'KiSystemServiceExit', 'KiSystemService', 'KiDivideErrorFault', 'KiDebugTrapOrFault',
  'KiBreakpointTrap', 'KiInvalidOpcodeFault', 'KiGeneralProtectionFault', 'KiPageFault', 'KiAlignmentFault',
  'KiDoubleFaultAbort', 'KiDebugTrapOrFaultEntryCheck', 'KiExceptionDispatch', 'KiDispatchException', 'KdTrap', 'KdpReport',
  'KiExceptionExit', 'KiBugCheckDispatch', 'KeBugCheckEx', 'KeBugCheck2', 'KiBugCheckDebugBreak',
  'DbgBreakPointWithStatus', 'KiIdleLoop', 'NtClose',
  'NtYieldExecution', 'NtQuerySystemTime', 'NtTerminateProcess', 'NtQueryInformationProcess', 'KiServiceNotModeled',
  'KiSystemCall64Shadow', 'KiDivideErrorFaultShadow', 'KiDebugTrapOrFaultShadow',
  'KiBreakpointTrapShadow', 'KiInvalidOpcodeFaultShadow', 'KiGeneralProtectionFaultShadow',
  'KiPageFaultShadow', 'KiAlignmentFaultShadow', 'KiSystemServiceShadow', 'KiDoubleFaultAbortShadow', 'KiKernelSysretExit',
  'KiKernelIretExit',
];

export class Symbols {
  readonly modules: ModuleInfo[];
  private readonly byName = new Map<string, bigint>();
  private readonly sorted: SymbolEntry[];

  constructor(nt: Map<string, bigint>, ntData: Record<string, bigint>, ntdll: Map<string, bigint>, app: Map<string, bigint>) {
    this.modules = [
      { name: 'nt', base: NT.base, size: NT.size, image: BUILD.kernelImage },
      { name: 'ntdll', base: USER.ntdllBase, size: USER.ntdllSize, image: 'ntdll.dll' },
      { name: 'svcloop', base: USER.imageBase, size: 0x4000n, image: 'svcloop.exe' },
    ];
    const entries: SymbolEntry[] = [];
    const add = (module: string, name: string, address: bigint | undefined) => {
      if (address === undefined) return;
      entries.push({ name: `${module}!${name}`, address });
    };
    for (const n of NT_PUBLIC_CODE) add('nt', n, nt.get(n));
    for (const [n, a] of Object.entries(ntData)) if (a >= NT.base && a < NT.base + NT.size) add('nt', n, a);
    for (const [n, a] of ntdll) if (/^(Nt|Zw)[A-Za-z]+$|^Ki[A-Za-z]+$/.test(n) && !n.endsWith('Int2E')) add('ntdll', n, a);
    add('svcloop', 'wmain', app.get('wmain'));
    // Stable order: by address, then by name (Nt before Zw at the same address).
    entries.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.sorted = entries;
    for (const e of entries) this.byName.set(e.name.toLowerCase(), e.address);
  }

  /** `nt!KiSystemCall64`, `KiSystemCall64` (first module that has it), or a module name (its
   *  base). Case-insensitive, as kd is. */
  resolve(name: string): bigint | undefined {
    const n = name.trim().toLowerCase();
    if (n.includes('!')) return this.byName.get(n);
    const mod = this.modules.find((m) => m.name.toLowerCase() === n);
    if (mod) return mod.base;
    for (const m of this.modules) {
      const a = this.byName.get(`${m.name.toLowerCase()}!${n}`);
      if (a !== undefined) return a;
    }
    return undefined;
  }

  /** The public symbol at or below `address` in the module that contains it. */
  nearest(address: bigint): SymbolEntry | undefined {
    const mod = this.moduleAt(address);
    if (!mod) return undefined;
    let best: SymbolEntry | undefined;
    for (const e of this.sorted) {
      if (e.address > address) break;
      if (e.address >= mod.base && (!best || e.address > best.address)) best = e;
    }
    return best;
  }

  moduleAt(address: bigint): ModuleInfo | undefined {
    return this.modules.find((m) => address >= m.base && address < m.base + m.size);
  }

  all(): readonly SymbolEntry[] { return this.sorted; }
}
