// Software breakpoints as kd keeps them: each is an `int 3` (0xCC, SDM Vol. 2A "INT n/INTO/INT3")
// written over the first byte of an instruction in guest memory when the target resumes, and the
// original byte written back when it stops, so that listings and memory displays show the real
// code while the debugger has control. Ids are the lowest free decimal numbers.

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
}

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

  at(address: bigint): Breakpoint | undefined {
    return this.list.find((b) => b.enabled && !b.temporary && b.address === address);
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
    const same = this.list.find((b) => !b.temporary && (address !== undefined ? b.address === address : b.expression === expression));
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
      if (!b.enabled || b.address === undefined || b.address === skip || done.has(b.address)) continue;
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
