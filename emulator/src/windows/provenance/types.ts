// Provenance as data: for every routine of the modeled kernel and ntdll, and every structure `dt`
// prints, where its bytes, behaviour or layout come from. The fidelity page, the demos' badges and
// the causal chains are generated from these records; tests/unit/windows-provenance.test.ts fails
// when a routine in the image or a printed structure has none.

/**
 * - `exact`: bytes (or a layout) taken from a named public source of a named build.
 * - `reconstructed`: behaviour from a public listing, disassembly or source of a named build;
 *   the bytes are this model's.
 * - `assumption`: no public evidence; the note says what is assumed and why.
 */
export type ProvenanceStatus = 'exact' | 'reconstructed' | 'assumption';

export const STATUSES: readonly ProvenanceStatus[] = ['exact', 'reconstructed', 'assumption'];

/** A public source, by key in SOURCES (sources.ts). */
export type SourceKey = string;

export interface Source {
  /** Title as its author gives it. */
  name: string;
  /** Where it can be read, when it has a stable public address. */
  url?: string;
  /** The Windows build the source describes, or what is known of it. */
  build: string;
}

export interface Provenance {
  status: ProvenanceStatus;
  /** The build the evidence describes (`10.0.17134.1`, `later Windows 10, unnamed`, `none`). */
  build: string;
  /** The public sources (keys of SOURCES); empty for an assumption with no evidence. */
  sources: SourceKey[];
  /** What is exact, reconstructed or assumed, and why; plain sentences. */
  note: string;
}

/** Part of a routine whose status differs from the rest (offsets from the routine's symbol). */
export interface RoutinePart extends Provenance {
  from: number;
  /** Exclusive end offset. */
  to: number;
}

export interface RoutineProvenance extends Provenance {
  /** `nt!KiSystemCall64`, `ntdll!NtClose`. */
  symbol: string;
  /** A few words for a badge: what the model does in place of Windows here. */
  summary: string;
  parts?: RoutinePart[];
}

export interface StructProvenance extends Provenance {
  /** `_KPRCB` */
  name: string;
  /** Fields whose provenance differs from the structure's (by field name). */
  fields?: Record<string, Provenance>;
}
