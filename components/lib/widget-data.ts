// What the build hands to each widget (as one JSON prop) and what a widget renders before and
// after hydration. Plain JSON: 64-bit values are hex strings.
import type { ScenarioOptions, Trace } from '../../emulator/src/scenario/trace.ts';
import type { StepView } from '../../emulator/src/scenario/cpu-stepper.ts';
import type { ProgramFault } from '../../emulator/src/scenario/program-code.ts';

export interface LabRow {
  /** 16 hex digits */
  address: string;
  /** Bytes from the listing's first instruction. */
  offset: number;
  /** kd's name for the row: `nt!KiSystemCall64+0x15` */
  label: string;
  bytes: string;
  text: string;
  /** The whole `u` line. */
  line: string;
}

/** A `u` listing whose rows take breakpoints. */
export interface LabListing {
  listingCommand: string;
  symbol: string;
  rows: LabRow[];
}

export interface LabData extends LabListing {
  id: string;
  options: ScenarioOptions;
  version: string;
  /** Runs the build made and checked (one per claim), shown without JavaScript. */
  runs: Array<{ breakpoints: string[]; claim: string; trace: Trace }>;
  /** Mitigations the reader may switch for live runs (the machine changes, not the text). */
  toggles?: MitigationName[];
  /** The model's assumed routines (kd name -> summary), for marking causal chains. */
  assumed?: Record<string, string>;
  /** Instructions one `g` may run, at build time and live (kd's default when absent). */
  budget?: number;
  /** With a kvaShadow toggle: the listing of the entry IA32_LSTAR names when KVA shadow is on
   *  (computed at build time), which the lab shows while the toggle is on. */
  shadow?: LabListing;
}

export type MitigationName = 'smep' | 'smap' | 'kvaShadow' | 'dfReloadsGs' | 'movSsFix' | 'amdCpu' | 'sysretUnchecked';

export const MITIGATIONS: Record<MitigationName, { label: string; detail: string }> = {
  smep: { label: 'SMEP', detail: 'CR4 bit 20: the kernel cannot execute user pages' },
  smap: { label: 'SMAP', detail: 'CR4 bit 21: the kernel cannot touch user pages unless RFLAGS.AC is set' },
  kvaShadow: { label: 'KVA shadow', detail: 'separate user and kernel page tables; LSTAR points at KiSystemCall64Shadow' },
  dfReloadsGs: { label: '#DF reloads GS', detail: 'assumption, not 17134 evidence: the double-fault entry loads the KPCR into the GS base, as later builds\' shadow #DF handler does' },
  movSsFix: { label: 'MOV SS fix (May 2018)', detail: 'the CVE-2018-8897 update, later than 17134.1: #DB gets its own IST stack, and a kernel-mode #DB raised at a kernel entry point is dismissed' },
  amdCpu: { label: 'AMD CPU', detail: 'SYSRET as the AMD APM specifies it: a non-canonical RCX faults after the return, in user mode (Intel: #GP at CPL 0); CPUID says AuthenticAMD' },
  sysretUnchecked: { label: 'pre-MS12-042 exit', detail: 'KiSystemServiceExit without its check of the saved RIP: sysretq takes whatever the trap frame holds, as before the MS12-042 update' },
};

export interface StepperData {
  id: string;
  options: ScenarioOptions;
  version: string;
  /** kd expression of the starting point. */
  from: string;
  /** Which arrival at `from` the stepper starts at (1 = the first; absent means 1). */
  passes?: number;
  /** views[0] is the machine at `from`; views[i] after i instructions (computed at build time). */
  views: StepView[];
  claims: Array<{ step: number; claim: string }>;
}

export interface ProgramData {
  id: string;
  options: ScenarioOptions;
  version: string;
  source: string;
  breakpoints: string[];
  budget?: number;
  /** The run the build made (and checked against `claim`). */
  trace: Trace;
  claim?: string;
  /** The bytes the build assembled `source` to (hex, `runProgramWith(...).code`): Run on the
   *  unedited block uses them, so only an edit loads the assembler. */
  code?: string;
  /** The model's assumed routines (kd name -> summary), for marking causal chains. */
  assumed?: Record<string, string>;
  /** Where the reader's code ends (the first `int 3` after it), and a fault the build's run
   *  raised on one of its instructions. */
  end?: string;
  fault?: ProgramFault;
}

/** Parses a widget's JSON prop; a widget given something else says so instead of crashing. */
export function parseProp<T>(json: unknown, what: string): { ok: true; value: T } | { ok: false; message: string } {
  if (typeof json !== 'string') return { ok: false, message: `This ${what} was built without its data.` };
  try {
    return { ok: true, value: JSON.parse(json) as T };
  } catch {
    return { ok: false, message: `This ${what}'s build-time data is damaged; rebuild the page.` };
  }
}
