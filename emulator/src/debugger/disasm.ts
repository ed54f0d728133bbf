// Disassembly as kd shows it: decode guest bytes through the debugger's (non-faulting) view of
// memory, format them with the CPU's WinDbg-syntax disassembler, and lay out the line with
// format.ts. Also the effective-address annotation kd adds to the current instruction's line.

import { decode } from '../cpu/decoder.ts';
import { formatDisassemblyLine } from '../cpu/disassembler.ts';
import type { Instruction } from '../cpu/instruction.ts';
import { addr64, hexN } from './format/core.ts';
import type { MachineView } from './target.ts';

export interface Disassembled {
  address: bigint;
  /** Bytes consumed (1 for an unreadable or undecodable byte, as kd steps past it). */
  length: number;
  /** The formatted line; `??`/`???` when the first byte is unreadable. */
  line: string;
  readable: boolean;
  ins?: Instruction;
}

const MASK64 = (1n << 64n) - 1n;

class Unreadable {}

export function disassembleAt(m: MachineView, address: bigint, symbolize: (a: bigint) => string | undefined): Disassembled {
  const fetch = (i: number): number => {
    const b = m.readVirtual((address + BigInt(i)) & MASK64, 1);
    if (!b) throw new Unreadable();
    return b[0];
  };
  let res;
  try {
    res = decode(fetch, address);
  } catch (e) {
    if (!(e instanceof Unreadable)) throw e;
    const first = m.readVirtual(address, 1);
    if (!first) return { address, length: 1, line: formatDisassemblyLine(null, address, null), readable: false };
    // The instruction runs into an unreadable page: kd shows the readable byte as `???`.
    return { address, length: 1, line: formatDisassemblyLine(null, address, first), readable: true };
  }
  if ('invalid' in res) {
    const len = Math.max(1, res.length);
    const bytes = m.readVirtual(address, len) ?? m.readVirtual(address, 1)!;
    return { address, length: len, line: formatDisassemblyLine(res, address, bytes), readable: true };
  }
  const bytes = m.readVirtual(address, res.length)!;
  const line = formatDisassemblyLine(res, address, bytes, { symbolize: (a: bigint) => symbolize(a) ?? null });
  return { address, length: res.length, line, readable: true, ins: res };
}

const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/**
 * The annotation kd appends to the line of the current instruction when it has a sized memory
 * operand: segment, selector, address and the operand's current value. For ds/es/ss/cs the address
 * is the effective address (SDM Vol. 1 §3.7.5) and the value reads as a number
 * (`ss:0018:fffff500`a54bbef8=...`, `ds:002b:ffffdf0f`97f5c740=00002000` in public kd
 * transcripts). For fs/gs the address is the offset within the segment, before the FS/GS base is
 * added (§3.3.4), and the value is the bytes at base+offset in memory order, as a public x64 kd
 * transcript shows them: `mov rax,qword ptr gs:[188h] gs:002b:00000000`00000188=6000cf1a80faffff`
 * where `db gs:180` shows `60 00 cf 1a 80 fa ff ff` at gs:188 (cited in
 * tests/unit/kd-disassembly.test.ts). Operands up to 16 bytes (xmmword) are shown.
 */
export function memoryAnnotation(m: MachineView, ins: Instruction): string {
  const op = ins.operands.find((o) => o.kind === 'mem');
  if (!op || op.kind !== 'mem' || op.size === 0 || op.size > 16) return '';
  const ea = memoryOperandAddress(m, ins)!;
  const seg = SEG_NAMES[op.seg];
  const flat = seg === 'fs' || seg === 'gs';
  const bytes = m.readVirtual(ea, op.size);
  let value = '?'.repeat(op.size * 2);
  if (bytes && flat) value = Array.from(bytes, (b) => hexN(b, 2)).join('');
  else if (bytes) {
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    value = hexN(v, op.size * 2);
  }
  const shown = flat ? (ea - m.getSeg(seg).base) & MASK64 : ea;
  return ` ${seg}:${hexN(m.getSeg(seg).selector, 4)}:${addr64(shown)}=${value}`;
}

/** The linear address of an instruction's memory operand (`$ea`), or undefined without one. */
export function memoryOperandAddress(m: MachineView, ins: Instruction): bigint | undefined {
  const op = ins.operands.find((o) => o.kind === 'mem');
  if (!op || op.kind !== 'mem') return undefined;
  let ea = op.disp;
  if (op.base === 'rip') ea += ins.address + BigInt(ins.length);
  else if (op.base !== null) ea += m.getReg(GPR[op.base]);
  if (op.index !== null) ea += m.getReg(GPR[op.index]) * BigInt(op.scale);
  if (op.addrSize === 4) ea &= 0xffffffffn;
  const seg = SEG_NAMES[op.seg];
  if (seg === 'fs' || seg === 'gs') ea += m.getSeg(seg).base;
  ea &= MASK64;
  return ea;
}
