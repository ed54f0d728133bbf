// Multiply and divide (SDM Vol. 2B MUL, Vol. 2A IMUL, DIV, IDIV). BigInt over the operand width.
// Flags the SDM leaves undefined: SF, ZF, AF, PF of multiplies are left unchanged; after a divide
// CF and OF are unchanged, AF=1 and SF=ZF=PF=0 (both as the host-CPU vectors show).

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { CF, OF, AF, SF, ZF, PF } from '../state.ts';
import { pairToBig, bigLo, bigHi } from '../state.ts';
import { CpuFault, DE } from '../fault.ts';

const RAX = 0, RDX = 2;

function readBig(m: Machine, d: Decoded, i: number): bigint {
  const lo = m.rd(d.o[i], d);
  return pairToBig(lo, m.rhi) & ((1n << BigInt(d.o[i].size * 8)) - 1n);
}
function regBig(m: Machine, reg: number, size: number): bigint {
  const lo = m.getGpr(reg, size, false);
  return pairToBig(lo, m.rhi);
}
function setReg(m: Machine, reg: number, size: number, v: bigint): void {
  m.setGpr(reg, size, false, bigLo(v), bigHi(v));
}
function setCfOf(m: Machine, on: boolean): void {
  m.rflags = (m.rflags & ~(CF | OF)) | (on ? CF | OF : 0);
}

const mul: Semantics = (m, d) => {
  const size = d.o[0].size, N = BigInt(size * 8), mask = (1n << N) - 1n;
  const src = readBig(m, d, 0);
  const p = regBig(m, RAX, size) * src;
  const hi = p >> N;
  if (size === 1) setReg(m, RAX, 2, p); // AX <- AL * r/m8
  else { setReg(m, RAX, size, p & mask); setReg(m, RDX, size, hi); }
  setCfOf(m, hi !== 0n); // CF = OF = upper half non-zero
};

const imul: Semantics = (m, d) => {
  const n = d.o.length;
  const size = d.o[0].size, Nn = size * 8, N = BigInt(Nn), mask = (1n << N) - 1n;
  if (n === 1) {
    const src = BigInt.asIntN(Nn, readBig(m, d, 0));
    const p = BigInt.asIntN(Nn, regBig(m, RAX, size)) * src;
    if (size === 1) setReg(m, RAX, 2, BigInt.asUintN(16, p));
    else { setReg(m, RAX, size, p & mask); setReg(m, RDX, size, BigInt.asUintN(Nn, p >> N)); }
    setCfOf(m, BigInt.asIntN(Nn, p) !== p); // the product does not fit the low half
    return;
  }
  // Two- and three-operand forms: dest <- truncate(src1 * src2).
  const a = BigInt.asIntN(Nn, readBig(m, d, n === 2 ? 0 : 1));
  const b = BigInt.asIntN(Nn, readBig(m, d, n === 2 ? 1 : 2));
  const p = a * b;
  const t = BigInt.asUintN(Nn, p);
  m.wr(d.o[0], d, bigLo(t), bigHi(t));
  setCfOf(m, BigInt.asIntN(Nn, p) !== p);
};

function divide(signed: boolean): Semantics {
  return (m, d) => {
    const size = d.o[0].size, Nn = size * 8, N = BigInt(Nn), mask = (1n << N) - 1n;
    let divisor = readBig(m, d, 0);
    if (divisor === 0n) throw new CpuFault(DE, 0, 'divide by zero');
    let dividend = size === 1 ? regBig(m, RAX, 2) : (regBig(m, RDX, size) << N) | regBig(m, RAX, size);
    if (signed) { dividend = BigInt.asIntN(2 * Nn, dividend); divisor = BigInt.asIntN(Nn, divisor); }
    const q = dividend / divisor; // BigInt division truncates toward zero, as DIV/IDIV do
    const r = dividend % divisor;  // remainder has the dividend's sign
    const fits = signed ? BigInt.asIntN(Nn, q) === q : q <= mask;
    if (!fits) throw new CpuFault(DE, 0, 'quotient too large');
    if (size === 1) setReg(m, RAX, 2, (BigInt.asUintN(8, r) << 8n) | BigInt.asUintN(8, q));
    else { setReg(m, RAX, size, BigInt.asUintN(Nn, q)); setReg(m, RDX, size, BigInt.asUintN(Nn, r)); }
    m.rflags = (m.rflags & ~(SF | ZF | PF)) | AF;
  };
}

export const MULDIV: Record<string, Semantics> = { mul, imul, div: divide(false), idiv: divide(true) };
