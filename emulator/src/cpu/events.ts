// The architectural event log: what the processor did, in order, each event with the instruction
// count, the RIP and the SDM passage that defines it. Widgets render causal chains from it.

export type StackChoice = 'none' | 'rsp0' | 'rsp1' | 'rsp2' | `ist${number}`;

export type CpuEventBody =
  | { kind: 'exception-raised'; vector: number; name: string; errorCode: number | null; detail: string; cr2?: bigint }
  | { kind: 'exception-delivered'; vector: number; name: string; errorCode: number | null; fromCpl: number; toCpl: number;
      stack: StackChoice; rsp: bigint; handler: bigint; gate: 'interrupt' | 'trap'; returnRip: bigint }
  | { kind: 'double-fault'; first: number; second: number }
  | { kind: 'triple-fault'; first: number; second: number }
  | { kind: 'cpl-change'; from: number; to: number; cause: string }
  | { kind: 'swapgs'; gsBase: bigint; kernelGsBase: bigint }
  | { kind: 'syscall'; returnRip: bigint; target: bigint; rflags: bigint }
  | { kind: 'sysret'; target: bigint; rflags: bigint }
  | { kind: 'iretq'; target: bigint; fromCpl: number; toCpl: number; rsp: bigint }
  | { kind: 'msr-write'; msr: number; name: string; value: bigint }
  | { kind: 'cr-write'; cr: number; value: bigint }
  | { kind: 'halt' }
  | { kind: 'hook'; address: bigint; reason: string };

export type CpuEvent = CpuEventBody & { icount: number; rip: bigint; sdm: string };

export class EventLog {
  readonly events: CpuEvent[] = [];
  /** Oldest events are dropped past this many, in batches (the log is for explanation, not for
   *  replay). */
  capacity: number;
  /** Total events ever appended (sequence numbers survive trimming). */
  total = 0;
  constructor(capacity = 20_000) { this.capacity = capacity; }

  push(e: CpuEvent): void {
    this.events.push(e);
    this.total++;
    // Trim in batches so that a full log costs O(1) per event, not a shift of the whole array.
    if (this.events.length > this.capacity + (this.capacity >> 2) + 16) this.events.splice(0, this.events.length - this.capacity);
  }
  /** Events appended after the given total (for incremental rendering). */
  since(total: number): CpuEvent[] {
    const n = this.total - total;
    return n <= 0 ? [] : this.events.slice(Math.max(0, this.events.length - n));
  }
  /** Drop events newer than a total (undo). */
  truncate(total: number): void {
    const n = this.total - total;
    if (n > 0) { this.events.splice(Math.max(0, this.events.length - n)); this.total = total; }
  }
  clear(): void { this.events.length = 0; this.total = 0; }
}
