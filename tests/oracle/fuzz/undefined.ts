// What the SDM leaves undefined, per instruction, so the fuzzer compares only defined state
// (SDM Vol. 2A/2B/2C, each instruction's "Flags Affected"; Vol. 1 Appendix A, "EFLAGS
// Cross-Reference"). Masked flags are compared anyway and counted apart.

import type { Decoded, Machine } from '../../../emulator/src/cpu/index.ts';

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ALL = CF | PF | AF | ZF | SF | OF;

export interface Undefined {
  /** Status flags whose value after the instruction is undefined. */
  flags: number;
  /** A register whose value after the instruction is undefined (-1: none). */
  reg: number;
  /** The memory result is undefined (SHLD/SHRD with a count above the operand size). */
  mem: boolean;
}

const NONE: Undefined = { flags: 0, reg: -1, mem: false };

function countOf(m: Machine, d: Decoded, i: number): number {
  const o = d.o[i];
  const c = o.kind === 2 ? o.lo : m.r[2] & 0xff; // an immediate or CL
  return c & (d.o[0].size === 8 ? 63 : 31);
}

/** Reads the value of a register or immediate operand (memory: null, not needed here). */
function srcZero(m: Machine, d: Decoded): boolean | null {
  const o = d.o[1];
  if (o.kind !== 0) return null;
  const v = m.getGpr(o.reg, o.size, o.high8);
  return v === 0 && m.rhi === 0;
}

/** The undefined parts of `d` executed from the machine's current state. */
export function undefinedFor(m: Machine, d: Decoded): Undefined {
  const op = d.ins.op;
  const size = d.o[0]?.size ?? 0;
  switch (op) {
    case 'and': case 'or': case 'xor': case 'test': return { flags: AF, reg: -1, mem: false };
    case 'mul': case 'imul': return { flags: SF | ZF | AF | PF, reg: -1, mem: false };
    case 'div': case 'idiv': return { flags: ALL, reg: -1, mem: false };
    case 'shl': case 'shr': case 'sar': {
      const c = countOf(m, d, 1);
      if (c === 0) return NONE;
      let f = AF | (c !== 1 ? OF : 0);
      if (op !== 'sar' && c >= size * 8) f |= CF; // SHL/SHR: CF undefined when count >= size
      return { flags: f, reg: -1, mem: false };
    }
    case 'rol': case 'ror': case 'rcl': case 'rcr': {
      const c = countOf(m, d, 1);
      return { flags: c > 1 ? OF : 0, reg: -1, mem: false };
    }
    case 'shld': case 'shrd': {
      const c = countOf(m, d, 2);
      if (c === 0) return NONE;
      if (c > size * 8) return { flags: ALL, reg: d.o[0].kind === 0 ? d.o[0].reg : -1, mem: d.o[0].kind === 1 };
      return { flags: AF | (c !== 1 ? OF : 0), reg: -1, mem: false };
    }
    case 'bt': case 'bts': case 'btr': case 'btc': return { flags: OF | SF | AF | PF, reg: -1, mem: false };
    case 'bsf': case 'bsr': {
      // A zero source leaves the destination undefined; ZF is the only defined flag.
      const z = srcZero(m, d);
      return { flags: CF | OF | SF | AF | PF, reg: z === false ? -1 : d.o[0].reg, mem: false };
    }
    case 'bswap': return { flags: 0, reg: d.o[0].size === 2 ? d.o[0].reg : -1, mem: false };
    case 'lzcnt': case 'tzcnt': return { flags: OF | SF | AF | PF, reg: -1, mem: false };
    case 'andn': case 'blsi': case 'blsr': case 'blsmsk': case 'bzhi': return { flags: AF | PF, reg: -1, mem: false };
    case 'bextr': return { flags: AF | SF | PF, reg: -1, mem: false };
    default: return NONE;
  }
}
