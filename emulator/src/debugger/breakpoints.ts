// Breakpoints as kd keeps them. Software breakpoints (bp, bu) are an `int 3` (0xCC, SDM Vol. 2A
// "INT n/INTO/INT3") written over the first byte of an instruction in guest memory when the target
// resumes, and the original byte written back when it stops, so that listings and memory displays
// show the real code while the debugger has control. Processor breakpoints (ba) are debug
// registers: `debugRegisters()` gives DR0-DR3/DR7 for the enabled ones (SDM Vol. 3B §18.2.4).
// Ids are the lowest free decimal numbers, shared by both kinds.

import type { MachineView } from './target.ts';

export const INT3 = 0xcc;

export interface Breakpoint {
  id: number;
  enabled: boolean;
  /** The expression as typed (`nt!KiSystemCall64+0x15`). */
  expression: string;
  /** Resolved address; undefined for a deferred (bu / unresolved) breakpoint. */
  address?: bigint;
  deferred: boolean;
  /** One-shot breakpoints that `p` and `gu` plant; never listed. */
  temporary?: boolean;
  /** A processor breakpoint (ba): e execute, w write, r read/write; with its size in bytes. */
  access?: 'e' | 'w' | 'r';
  size?: number;
  /** `/1`: cleared after it is hit once. */
  oneShot?: boolean;
  /** Commands run when it is hit (`bp Address "cmd; cmd"`). */
  commands?: string;
}

/** DR7 R/W field per ba access (SDM Vol. 3B §18.2.4): 00 execute, 01 write, 11 read/write. */
const RW = { e: 0n, w: 1n, r: 3n } as const;
/** DR7 LEN field per size: 00 one byte, 01 two, 11 four, 10 eight. */
const LEN: Record<number, bigint> = { 1: 0n, 2: 1n, 4: 3n, 8: 2n };
export const DEBUG_ADDRESS_REGISTERS = 4;

interface Inserted { address: bigint; original: number }

export class BreakpointTable {
  private readonly list: Breakpoint[] = [];
  private inserted: Inserted[] = [];

  all(): Breakpoint[] {
    return this.list.filter((b) => !b.temporary).sort((a, b) => a.id - b.id);
  }

  get(id: number): Breakpoint | undefined {
    return this.list.find((b) => b.id === id);
  }

  /** The enabled software breakpoint at an address. */
  at(address: bigint): Breakpoint | undefined {
    return this.list.find((b) => b.enabled && !b.temporary && !b.access && b.address === address);
  }

  /** Enabled processor breakpoints, in id order: DR0 holds the first, DR1 the second... */
  processor(): Breakpoint[] {
    return this.list.filter((b) => b.enabled && b.access && b.address !== undefined).sort((a, b) => a.id - b.id);
  }

  /** DR0-DR3 and DR7 for the enabled processor breakpoints (local enable bits), or null when
   *  there are more than the processor's four. */
  debugRegisters(): { addresses: bigint[]; dr7: bigint; slots: number[] } | null {
    const bps = this.processor();
    if (bps.length > DEBUG_ADDRESS_REGISTERS) return null;
    let dr7 = 0x400n;
    const addresses = [0n, 0n, 0n, 0n];
    bps.forEach((b, n) => {
      addresses[n] = b.address!;
      const k = BigInt(n);
      dr7 |= (1n << (2n * k)) | (RW[b.access!] << (16n + 4n * k)) | (LEN[b.size ?? 1] << (18n + 4n * k));
    });
    return { addresses, dr7, slots: bps.map((b) => b.id) };
  }

  /** Adds a processor breakpoint (ba); a ba at the same address, access and size is redefined. */
  setProcessor(expression: string, address: bigint, access: 'e' | 'w' | 'r', size: number, oneShot: boolean, explicitId?: number): { id: number; redefined: boolean } {
    const same = explicitId === undefined
      ? this.list.find((b) => b.access === access && b.size === size && b.address === address)
      : this.get(explicitId);
    if (same) {
      Object.assign(same, { expression, address, access, size, oneShot, enabled: true, deferred: false });
      return { id: same.id, redefined: explicitId === undefined };
    }
    const id = explicitId ?? this.freeId();
    this.list.push({ id, enabled: true, expression, address, deferred: false, access, size, oneShot });
    return { id, redefined: false };
  }

  private freeId(): number {
    let id = 0;
    while (this.list.some((b) => b.id === id)) id++;
    return id;
  }

  /** Adds (or redefines) a breakpoint. Returns the id and whether one already existed. */
  set(expression: string, address: bigint | undefined, explicitId?: number): { id: number; redefined: boolean; moved: boolean } {
    if (explicitId !== undefined) {
      const existing = this.get(explicitId);
      if (existing) {
        Object.assign(existing, { expression, address, deferred: address === undefined, enabled: true });
        return { id: explicitId, redefined: false, moved: true };
      }
      this.list.push({ id: explicitId, enabled: true, expression, address, deferred: address === undefined });
      return { id: explicitId, redefined: false, moved: false };
    }
    const same = this.list.find((b) => !b.temporary && !b.access && (address !== undefined ? b.address === address : b.expression === expression));
    if (same) {
      Object.assign(same, { expression, enabled: true });
      return { id: same.id, redefined: true, moved: false };
    }
    const id = this.freeId();
    this.list.push({ id, enabled: true, expression, address, deferred: address === undefined });
    return { id, redefined: false, moved: false };
  }

  addTemporary(address: bigint): void {
    this.list.push({ id: -1 - this.list.length, enabled: true, expression: '', address, deferred: false, temporary: true });
  }

  clearTemporaries(): void {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i].temporary) this.list.splice(i, 1);
  }

  /** An enabled breakpoint that stops at `address` when running backwards: a software one or a
   *  ba e (execute). */
  executionAt(address: bigint): Breakpoint | undefined {
    return this.list.find((b) => b.enabled && !b.temporary && b.address === address && (!b.access || b.access === 'e'));
  }

  isTemporaryAt(address: bigint): boolean {
    return this.list.some((b) => b.temporary && b.address === address);
  }

  remove(id: number): void {
    const i = this.list.findIndex((b) => b.id === id && !b.temporary);
    if (i >= 0) this.list.splice(i, 1);
  }

  /** Re-resolves deferred breakpoints (after a reboot the addresses are the same image's). */
  resolveDeferred(resolve: (expr: string) => bigint | undefined): void {
    for (const b of this.list) {
      if (b.deferred && b.address === undefined) b.address = resolve(b.expression);
    }
  }

  /**
   * Writes 0xCC at every enabled breakpoint except `skip` (the one the target is resuming from).
   * Returns the breakpoints whose byte could not be written (kd reports them and stays broken in).
   */
  insert(m: MachineView, skip?: bigint): Breakpoint[] {
    const failed: Breakpoint[] = [];
    const done = new Set<bigint>();
    for (const b of this.list) {
      if (!b.enabled || b.access || b.address === undefined || b.address === skip || done.has(b.address)) continue;
      const orig = m.readVirtual(b.address, 1);
      if (!orig || !m.writeVirtual(b.address, Uint8Array.of(INT3))) {
        failed.push(b);
        continue;
      }
      done.add(b.address);
      this.inserted.push({ address: b.address, original: orig[0] });
    }
    if (failed.length) this.restore(m);
    return failed;
  }

  /** Puts the original bytes back (in reverse order, so overlapping writes unwind correctly). */
  restore(m: MachineView): void {
    for (const ins of this.inserted.reverse()) m.writeVirtual(ins.address, Uint8Array.of(ins.original));
    this.inserted = [];
  }

  get anyInserted(): boolean {
    return this.inserted.length > 0;
  }
}
