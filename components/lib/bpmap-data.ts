// What the build hands to a breakpoint map (one JSON prop): the map kd computed (`!bpmap`, see
// emulator/src/debugger/bpmap.ts), the rows the chapter claims, and the lab it may link to.
import type { MapCell, MapMachine, MapOutcome } from '../../emulator/src/debugger/bpmap.ts';

export type { MapCell, MapMachine, MapOutcome };

export interface BpMapRow {
  offset: number;
  /** The breakpoint expression of the row's runs: `nt!KiSystemCall64+0x15`. */
  label: string;
  /** A symbol that starts here (kd's `u` prints it above the line). */
  symbol?: string;
  /** The instruction as kd's `u` shows it (without address and bytes). */
  text: string;
  cells: MapCell[];
}

export interface BpMapData {
  id: string;
  version: string;
  symbol: string;
  machines: MapMachine[];
  rows: BpMapRow[];
  /** Instructions one run may take. */
  budget: number;
  runs: number;
  /** Cells the chapter claims (checked against a plain scenario run when the page was built). */
  claims: Array<{ offset: number; machine: number; claim: string }>;
  /** The chapter's breakpoint lab, when it has some of these rows: a run may also open there. */
  lab?: { id: string; offsets: number[]; toggles: string[] };
  /** The model's assumed routines (kd name -> summary), for marking causal chains. */
  assumed?: Record<string, string>;
}

/** Mark and short label per outcome: the map reads without colour (and in print). */
export const OUTCOME_MARK: Record<MapOutcome, { mark: string; label: string; long: string }> = {
  'hit': { mark: '\u2713', label: 'hit', long: 'Breakpoint hit on the kernel stack, with the kernel GS base: safe' },
  'hit-user-state': { mark: '\u25d0', label: 'user', long: "Breakpoint hit, but the user's rsp or GS base was still live at that instruction" },
  'bugcheck': { mark: '\u2717', label: 'bug check', long: 'The machine went down with a bug check (code shown)' },
  'triple-fault': { mark: '\u2297', label: 'triple fault', long: 'Triple fault: the processor shut down; kd lost the target' },
  'hang': { mark: '\u221e', label: 'hang', long: 'Reached, but kd heard nothing before the instruction budget ran out' },
  'not-reached': { mark: '\u2013', label: 'not reached', long: 'Never reached within the instruction budget (another path runs)' },
  'other': { mark: '?', label: 'other', long: 'kd reported something else (its first line is in the cell\u2019s description)' },
};

export function cellLabel(c: MapCell): string {
  return c.outcome === 'bugcheck' ? `bc ${(c.code ?? 0).toString(16).toUpperCase()}` : OUTCOME_MARK[c.outcome].label;
}

/** The cell in words, for screen readers and the title: what kd said and what it means. */
export function cellDescription(c: MapCell, machine: MapMachine): string {
  const what = c.outcome === 'bugcheck' ? `bug check 0x${(c.code ?? 0).toString(16).toUpperCase()}` : OUTCOME_MARK[c.outcome].long;
  return `${machine.label}: ${what}${c.outcome === 'bugcheck' || c.outcome === 'other' ? ` (kd: ${c.reported.trim()})` : ''}`;
}

/** `+0Ch`, as the chapters write offsets. */
export function offsetText(offset: number): string {
  return `+${offset.toString(16).toUpperCase().padStart(2, '0')}h`;
}
