// Descriptor checks that report in ZF instead of faulting (SDM Vol. 2A LAR, LSL; Vol. 2C
// VERR/VERW). Descriptors come from the GDT (no LDT is modeled: an LDT selector fails the check).

import type { Machine, Semantics } from '../machine.ts';
import { ZF } from '../state.ts';
import { descLimit } from '../segments.ts';

/** The descriptor for `sel` if the privilege and type rules let the instruction see it, else
 *  null. `valid(type, system)` is the instruction's table of types. */
function visible(m: Machine, sel: number, valid: (type: number, system: boolean) => boolean): [number, number] | null {
  if ((sel & 0xfffc) === 0 || (sel & 4) || (sel | 7) > m.gdtrLimit) return null;
  const a = m.gdtrBase + (sel & 0xfff8);
  const lo = m.read(a, 4, true), hi = m.read(a + 4, 4, true);
  const system = (hi & 0x1000) === 0;
  const type = (hi >>> 8) & 0xf;
  if (!valid(type, system)) return null;
  // Conforming code segments skip the DPL check; others need DPL >= max(CPL, RPL).
  const conforming = !system && (type & 0xc) === 0xc;
  const dpl = (hi >>> 13) & 3;
  if (!conforming && (dpl < m.cpl || dpl < (sel & 3))) return null;
  return [lo, hi];
}

function setZf(m: Machine, on: boolean): void { m.rflags = on ? (m.rflags | ZF) >>> 0 : (m.rflags & ~ZF) >>> 0; }

// Valid system types in 64-bit mode: LAR 2 LDT, 9 available / B busy 64-bit TSS (Vol. 2A LAR
// Table 3-58); LSL the same (Table 3-63). Code and data segments are all valid.
const LAR_SYSTEM = new Set([2, 9, 0xb]);

function larLsl(limit: boolean): Semantics {
  return (m, d) => {
    const sel = m.rd(d.o[1], d) & 0xffff;
    const desc = visible(m, sel, (t, sys) => !sys || LAR_SYSTEM.has(t));
    setZf(m, desc !== null);
    if (!desc) return;
    const dst = d.o[0];
    const v = limit ? descLimit(desc[0], desc[1]) : (desc[1] & 0x00f0ff00) >>> 0;
    m.setGpr(dst.reg, dst.size, false, dst.size === 2 ? v & 0xffff : v, 0);
  };
}

/** VERR: a readable code or data segment; VERW: a writable data segment (Vol. 2C VERR/VERW). */
function verify(write: boolean): Semantics {
  return (m, d) => {
    const sel = m.rd(d.o[0], d) & 0xffff;
    const ok = visible(m, sel, (t, sys) => !sys && (write ? (t & 0xa) === 0x2 : (t & 0x8) === 0 || (t & 0x2) !== 0));
    setZf(m, ok !== null);
  };
}

export const SEGDESC: Record<string, Semantics> = { lar: larLsl(false), lsl: larLsl(true), verr: verify(false), verw: verify(true) };
