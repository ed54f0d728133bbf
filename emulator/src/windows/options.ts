// The machine options the modeled boot offers, in one list. The boot resolves its options from
// here, and everything that varies the machine (scenarios, kd's CLI and breakpoint map, the book's
// computed blocks) reads the list from here, so an option added here is picked up by all of them.

export interface MachineOption {
  /** The option's key in `bootWindows({ ... })`, a scenario's `options` and a block's meta. */
  name: string;
  /** What the modeled build does when the option is not given. */
  default: boolean;
  /** Short name for a reader (`SMAP`). */
  label: string;
  /** One line on what the option changes in the machine. */
  detail: string;
  /** false: breakpoint maps do not flip it by default (it changes nothing on the entry paths they
   *  cover, only the way back); a map's `vary=` can still name it. */
  inMaps?: boolean;
}

export const MACHINE_OPTIONS = [
  { name: 'smep', default: true, label: 'SMEP', detail: 'CR4 bit 20: the kernel cannot execute user pages' },
  { name: 'smap', default: false, label: 'SMAP', detail: 'CR4 bit 21: the kernel cannot touch user pages unless RFLAGS.AC is set' },
  { name: 'kvaShadow', default: false, label: 'KVA shadow', detail: 'separate user and kernel page tables; LSTAR points at KiSystemCall64Shadow' },
  // Not a mitigation: a model of a handler whose 17134 form is not public. Off by default, as the
  // public KiDoubleFaultAbort disassemblies decide swapgs from the saved CS only.
  { name: 'dfReloadsGs', default: false, label: '#DF reloads GS', detail: 'assumption, not 17134 evidence: the double-fault entry loads the KPCR into the GS base first, as later builds\' shadow #DF handler does' },
  // The May 2018 update for CVE-2018-8897, which build 17134.1 (April 2018) predates: off by
  // default. Reconstructed from later builds' code (provenance: nt!KiDebugTrapOrFaultEntryCheck).
  { name: 'movSsFix', default: false, label: 'MOV SS fix (May 2018)', detail: 'the CVE-2018-8897 update, later than 17134.1: #DB gets its own IST stack, and a kernel-mode #DB raised at a kernel entry point (KiDebugTraps: the DPL 3 gates and the SYSCALL target) is dismissed with IRETQ; not modeled with KVA shadow' },
  // The processor's vendor where Intel and AMD specify SYSRET differently (and CPUID's vendor
  // string). Off: the modeled Intel processor.
  { name: 'amdCpu', default: false, label: 'AMD CPU', detail: 'SYSRET as the AMD APM specifies it: a non-canonical RCX faults after the return, in user mode (Intel: #GP at CPL 0); CPUID says AuthenticAMD', inMaps: false },
  // Not 17134: the exit as it was before MS12-042 (June 2012), for the comparison.
  { name: 'sysretUnchecked', default: false, label: 'pre-MS12-042 exit', detail: 'KiSystemServiceExit without its check of the saved RIP: sysretq takes whatever the trap frame holds, as before the MS12-042 update', inMaps: false },
] as const satisfies readonly MachineOption[];

export type MachineOptionName = (typeof MACHINE_OPTIONS)[number]['name'];

export const MACHINE_OPTION_NAMES: readonly MachineOptionName[] = MACHINE_OPTIONS.map((o) => o.name);

/** Every option with its value: the one given, else the build's default. */
export function resolveMachineOptions(given: Partial<Record<string, boolean | undefined>> = {}): Record<MachineOptionName, boolean> {
  const out = {} as Record<MachineOptionName, boolean>;
  for (const o of MACHINE_OPTIONS) out[o.name] = given[o.name] ?? o.default;
  return out;
}

/** Only the registry's options, as given (unknown keys dropped): what a boot passes down. */
export function pickMachineOptions(given: object): Partial<Record<MachineOptionName, boolean>> {
  const out: Partial<Record<MachineOptionName, boolean>> = {};
  for (const name of MACHINE_OPTION_NAMES) {
    const v = (given as Record<string, unknown>)[name];
    if (typeof v === 'boolean') out[name] = v;
  }
  return out;
}

export function machineOption(name: string): MachineOption | undefined {
  return MACHINE_OPTIONS.find((o) => o.name === name);
}
