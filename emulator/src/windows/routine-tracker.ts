// Which routines of the modeled system a run entered: a hook on the first byte of every public code
// symbol of nt and ntdll records the symbol when the processor reaches it (by call, jump or falling
// through), and hands over to the hook already there, if any (the kernel's report points). Only
// hooked instructions leave the CPU's fast loop, so a run pays per routine entry, not per
// instruction. The fidelity badges use the list to name the assumed routines an outcome passed
// through (provenance/).

import type { Hook, Machine } from '../cpu/machine.ts';
import { bigToLinear } from '../cpu/state.ts';
import type { Symbols } from './symbols.ts';

/** Starts recording; the returned function removes the hooks and gives the symbols entered, in
 *  the order of their first entry. */
export function trackRoutines(cpu: Machine, symbols: Symbols, isCode: (address: bigint) => boolean): () => string[] {
  const entered = new Set<string>();
  const installed: Array<{ address: bigint; previous: Hook | undefined }> = [];
  const byAddress = new Map<bigint, string[]>();
  for (const s of symbols.all()) {
    if (!/^(nt|ntdll)!/.test(s.name) || !isCode(s.address)) continue;
    const names = byAddress.get(s.address);
    if (names) names.push(s.name);
    else byAddress.set(s.address, [s.name]);
  }
  for (const [address, names] of byAddress) {
    // Nt and Zw name the same ntdll stub: a call through either entered "the stub"; record the Nt name.
    const name = names.find((n) => /!Nt/.test(n)) ?? names[0];
    const previous = cpu.hooks.get(bigToLinear(address)!);
    installed.push({ address, previous });
    cpu.addHook(address, (m) => {
      entered.add(name);
      return previous ? previous(m) : undefined;
    });
  }
  return () => {
    for (const { address, previous } of installed) {
      if (previous) cpu.addHook(address, previous);
      else cpu.removeHook(address);
    }
    return [...entered];
  };
}
