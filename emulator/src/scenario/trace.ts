// The trace of a scenario: what kd printed, the machine state after each command, the outcome,
// and a compact copy of the processor's event log. A trace is plain JSON (64-bit values as hex
// strings), so the build can hand it to a widget as a prop and a test can compare two of them.

import type { MachineView } from '../debugger/target.ts';
import type { MachineOptionName } from '../windows/options.ts';

/** Machine options a scenario may set (the mitigations the kernel models). */
export type ScenarioOptions = Partial<Record<MachineOptionName, boolean>>;

/** 64-bit values as 16 lowercase hex digits, no prefix (so traces compare as strings). */
export type Hex64 = string;

export const STATE_REGISTERS = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'rflags',
] as const;
export type StateRegister = (typeof STATE_REGISTERS)[number];

/** The processor state a reader cares about on the system-call path. */
export interface MachineState {
  regs: Record<StateRegister, Hex64>;
  /** CS selector; its RPL is the current privilege level (SDM Vol. 3A §5.5). */
  cs: number;
  ss: number;
  cpl: number;
  /** The hidden GS base (what `gs:[x]` reads) and IA32_KERNEL_GS_BASE (MSR C0000102h), the two
   *  values SWAPGS exchanges (SDM Vol. 2B "SWAPGS"). */
  gsBase: Hex64;
  kernelGsBase: Hex64;
}

export interface TranscriptEntry {
  prompt: string;
  command: string;
  output: string;
  /** The machine after the command ran. */
  state: MachineState;
}

export type OutcomeKind = 'break' | 'step' | 'bugcheck' | 'triple-fault' | 'budget' | 'exited' | 'break-in' | 'none';

export interface Outcome {
  kind: OutcomeKind;
  /** Where the target stopped, as kd names it (`nt!KiSystemCall64+0x15`). */
  at?: string;
  address?: Hex64;
  /** Breakpoint number for a breakpoint hit. */
  breakpoint?: number;
  /** Bug-check code and its four arguments. */
  code?: number;
  args?: Hex64[];
}

/** One entry of the CPU event log with 64-bit values as hex strings. */
export type CompactEvent = { kind: string; icount: number; rip: Hex64; sdm: string } & Record<string, string | number | null>;

export interface Trace {
  id: string;
  options: ScenarioOptions;
  /** Emulator version: a permalink made with another version is refused, not misread. */
  version: string;
  transcript: TranscriptEntry[];
  outcome: Outcome;
  /** The last events of the processor's log (oldest first), for causal chains. */
  events: CompactEvent[];
  /** Values of the claim's expressions on the final machine (`expr -> hex` or an error text). */
  evaluations: Record<string, string>;
  /** The public nt and ntdll routines the processor entered while the commands ran (kd names,
   *  first entry first), when the kernel can say; what a badge checks against provenance. */
  routines?: string[];
}

export function hex64(v: bigint): Hex64 {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** kd's `fffff803`12345678` form of a trace value. */
export function kdAddress(h: Hex64): string {
  return `${h.slice(0, 8)}\`${h.slice(8)}`;
}

const IA32_KERNEL_GS_BASE = 0xc0000102;

export function captureState(m: MachineView): MachineState {
  const regs = {} as Record<StateRegister, Hex64>;
  for (const r of STATE_REGISTERS) regs[r] = hex64(m.getReg(r));
  const cs = m.getSeg('cs').selector;
  let kernelGsBase = 0n;
  try {
    kernelGsBase = m.readMsr(IA32_KERNEL_GS_BASE);
  } catch {
    // A machine without the MSR (only a bare test machine) reports zero.
  }
  return {
    regs,
    cs,
    ss: m.getSeg('ss').selector,
    cpl: cs & 3,
    gsBase: hex64(m.getSeg('gs').base),
    kernelGsBase: hex64(kernelGsBase),
  };
}

/** Event kinds a causal chain is made of; the rest (MSR writes at boot, hooks) is noise here. */
const CHAIN_KINDS = new Set([
  'exception-raised', 'exception-delivered', 'double-fault', 'triple-fault', 'cpl-change',
  'swapgs', 'syscall', 'sysret', 'iretq', 'halt',
]);
/** A trace keeps the start of the story (the last `syscall` and what followed it) and its end
 *  (what finally stopped the machine); a repeated middle is summarised by `elided` entries. A
 *  double fault inside the middle is kept with the events around it (the fault that could not be
 *  delivered, the #DF, and what its handler ran into), for the first two of them: a run that
 *  loops through #DF without a report would otherwise hide its turning point. */
export const EVENTS_HEAD = 16;
export const EVENTS_TAIL = 24;
const PIVOT_BEFORE = 2;
const PIVOT_AFTER = 5;

function compact(e: Record<string, unknown>): CompactEvent {
  const out: Record<string, string | number | null> = {};
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'bigint') out[k] = hex64(v);
    else if (typeof v === 'number' || typeof v === 'string' || v === null) out[k] = v;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
  }
  return out as CompactEvent;
}

export function compactEvents(events: readonly object[] | undefined): CompactEvent[] {
  if (!events) return [];
  const chain = (events as Array<Record<string, unknown>>).filter((e) => CHAIN_KINDS.has(String(e.kind)));
  let start = -1;
  for (let i = chain.length - 1; i >= 0 && start < 0; i--) if (chain[i].kind === 'syscall') start = i;
  if (start < 0) start = Math.max(0, chain.length - EVENTS_HEAD - EVENTS_TAIL);
  const story = chain.slice(start);
  if (story.length <= EVENTS_HEAD + EVENTS_TAIL) return story.map(compact);
  const keep = new Set<number>();
  for (let i = 0; i < EVENTS_HEAD; i++) keep.add(i);
  for (let i = story.length - EVENTS_TAIL; i < story.length; i++) keep.add(i);
  let pivots = 0;
  for (let i = EVENTS_HEAD; i < story.length - EVENTS_TAIL && pivots < 2; i++) {
    if (story[i].kind !== 'double-fault') continue;
    pivots++;
    for (let j = i - PIVOT_BEFORE; j <= i + PIVOT_AFTER; j++) if (j >= 0 && j < story.length) keep.add(j);
  }
  const out: CompactEvent[] = [];
  let skipped = 0;
  for (let i = 0; i < story.length; i++) {
    if (!keep.has(i)) { skipped++; continue; }
    if (skipped) {
      const last = out[out.length - 1];
      out.push({ kind: 'elided', count: skipped, icount: last.icount, rip: last.rip, sdm: '' } as CompactEvent);
      skipped = 0;
    }
    out.push(compact(story[i]));
  }
  return out;
}
