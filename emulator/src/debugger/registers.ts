// The register names kd accepts in `r` and in `@reg` expressions for an x64 target ("Register
// Syntax", "r (Registers)" in Microsoft's debugger reference): the 64-bit GPRs and their 32/16/8-bit
// parts, rip, efl and the flag codes (`zf`...), segment selectors, control registers, and the
// pseudo-registers `$ip`, `$csp`, `$ra`, `$pcr`, `$prcb`, `$thread`, `$proc`, `$teb` and `$t0`..`$t19`.

import { FLAG_MNEMONICS, hexN } from './format/core.ts';
import type { DescriptorTables, MachineView } from './target.ts';

const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const GPR16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const GPR8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
const HIGH8 = ['ah', 'ch', 'dh', 'bh'];
const SEGS = ['cs', 'ss', 'ds', 'es', 'fs', 'gs'];

/** A named slice of machine state: the full register, the bit offset and the width in bits. */
interface Slice { base: string; shift: number; bits: number }

function slice(name: string): Slice | undefined {
  let i = GPR64.indexOf(name);
  if (i >= 0) return { base: name, shift: 0, bits: 64 };
  if ((i = GPR32.indexOf(name)) >= 0) return { base: GPR64[i], shift: 0, bits: 32 };
  if ((i = GPR16.indexOf(name)) >= 0) return { base: GPR64[i], shift: 0, bits: 16 };
  if ((i = GPR8.indexOf(name)) >= 0) return { base: GPR64[i], shift: 0, bits: 8 };
  if ((i = HIGH8.indexOf(name)) >= 0) return { base: GPR64[i], shift: 8, bits: 8 };
  if (name === 'rip') return { base: 'rip', shift: 0, bits: 64 };
  if (name === 'eip') return { base: 'rip', shift: 0, bits: 32 };
  if (name === 'efl' || name === 'rflags' || name === 'eflags') return { base: 'rflags', shift: 0, bits: 32 };
  const flag = FLAG_MNEMONICS.find((f) => f.code === name);
  if (flag) return { base: 'rflags', shift: flag.bit, bits: 1 };
  if (name === 'tf') return { base: 'rflags', shift: 8, bits: 1 };
  if (name === 'iopl') return { base: 'rflags', shift: 12, bits: 2 };
  return undefined;
}

const MASK = (bits: number) => (1n << BigInt(bits)) - 1n;

/** The descriptor-table registers kd shows in kernel mode (`r gdtr`, "Register Syntax"): GDTR and
 *  IDTR base (`gdtr`, `idtr`) and limit (`gdtl`, `idtl`), the TR and LDTR selectors. */
const TABLE_REGS: Record<string, (t: DescriptorTables) => bigint> = {
  gdtr: (t) => t.gdtr.base, gdtl: (t) => BigInt(t.gdtr.limit), idtr: (t) => t.idtr.base, idtl: (t) => BigInt(t.idtr.limit),
  tr: (t) => BigInt(t.tr.selector), ldtr: (t) => BigInt(t.ldtr.selector),
};
const TABLE_DIGITS: Record<string, number> = { gdtr: 16, idtr: 16, gdtl: 4, idtl: 4, tr: 4, ldtr: 4 };

export type PseudoResolver = (name: string) => bigint | undefined;

/** Register access for kd over the machine's current state. */
export class RegisterAccess {
  private readonly m: () => MachineView;
  private readonly pseudo: PseudoResolver;
  /** `$t0`..`$t19`, the user-defined pseudo-registers. */
  readonly temps = new Map<string, bigint>();

  constructor(machine: () => MachineView, pseudo: PseudoResolver) {
    this.m = machine;
    this.pseudo = pseudo;
  }

  /** Value of a register by lowercase name, or undefined when kd has no such register. */
  get(name: string): bigint | undefined {
    const m = this.m();
    const s = slice(name);
    if (s) return (m.getReg(s.base) >> BigInt(s.shift)) & MASK(s.bits);
    if (SEGS.includes(name)) return BigInt(m.getSeg(name).selector);
    const cr = /^cr([02348])$/.exec(name);
    if (cr) return m.getCr(Number(cr[1]));
    const table = TABLE_REGS[name];
    if (table) {
      const t = m.tables?.();
      return t ? table(t) : undefined;
    }
    if (/^\$t(1?[0-9])$/.test(name) && Number(name.slice(2)) < 20) return this.temps.get(name) ?? 0n;
    if (name === '$ip') return m.getReg('rip');
    if (name === '$csp') return m.getReg('rsp');
    if (name.startsWith('$')) return this.pseudo(name);
    return undefined;
  }

  /** Writes a register; false when it cannot be assigned (unknown name, segment, control reg). */
  set(name: string, value: bigint): boolean {
    const m = this.m();
    if (/^\$t(1?[0-9])$/.test(name) && Number(name.slice(2)) < 20) {
      this.temps.set(name, value & MASK(64));
      return true;
    }
    const s = slice(name === '$ip' ? 'rip' : name);
    if (!s) return false;
    const old = m.getReg(s.base);
    const field = MASK(s.bits) << BigInt(s.shift);
    try {
      m.setReg(s.base, (old & ~field) | ((value << BigInt(s.shift)) & field));
    } catch {
      return false; // e.g. a non-canonical rip, which the processor cannot hold
    }
    return true;
  }

  /** `name=value` in the width kd shows for that register (`rax=` 16 digits, `eax=` 8, `cs=` 4,
   *  `al=` 2, `efl=` 8, flags as a single digit). */
  show(name: string): string | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const s = slice(name);
    let digits = 16;
    if (s) digits = s.bits === 1 || s.bits === 2 ? 1 : s.bits / 4;
    else if (SEGS.includes(name)) digits = 4;
    else if (TABLE_DIGITS[name]) digits = TABLE_DIGITS[name];
    return `${name}=${hexN(v, digits)}`;
  }
}
