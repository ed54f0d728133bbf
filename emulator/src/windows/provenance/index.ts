// Lookups over the provenance records: by routine symbol, by structure and field, and the counts
// the fidelity page prints.

import { ROUTINE_PROVENANCE, ROUTINE_EVIDENCE } from './routines.ts';
import { ROUTINE_STATUS, routineStatus } from './routine-status.ts';
import { STRUCT_PROVENANCE } from './structs.ts';
import { SOURCES } from './sources.ts';
import { STATUSES, type Provenance, type ProvenanceStatus, type RoutineProvenance, type StructProvenance } from './types.ts';

export * from './types.ts';
export { ROUTINE_PROVENANCE, ROUTINE_EVIDENCE, ROUTINE_STATUS, routineStatus, STRUCT_PROVENANCE, SOURCES };

/** `nt!KiPageFault` or `nt!KiPageFault+0x1c` -> its record (case-insensitive module and name). */
export function routineProvenance(symbol: string): RoutineProvenance | undefined {
  const bare = symbol.replace(/\+0x[0-9a-f]+$/i, '');
  return ROUTINE_PROVENANCE[bare] ?? Object.values(ROUTINE_PROVENANCE).find((r) => r.symbol.toLowerCase() === bare.toLowerCase());
}

export function structProvenance(name: string): StructProvenance | undefined {
  return STRUCT_PROVENANCE[name];
}

/** A field's record: its own where the structure's does not hold for it. */
export function fieldProvenance(struct: string, field: string): Provenance | undefined {
  const s = STRUCT_PROVENANCE[struct];
  return s?.fields?.[field] ?? s;
}

export function countByStatus(records: Iterable<Provenance>): Record<ProvenanceStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ProvenanceStatus, number>;
  for (const r of records) counts[r.status]++;
  return counts;
}

/** The assumed routines among `symbols` (kd names, in the order given, each once). */
export function assumedRoutines(symbols: Iterable<string>): RoutineProvenance[] {
  const out: RoutineProvenance[] = [];
  for (const s of symbols) {
    const r = routineProvenance(s);
    if (r && r.status === 'assumption' && !out.includes(r)) out.push(r);
  }
  return out;
}
