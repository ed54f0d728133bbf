// Disassembly as kd shows it: decode guest bytes through the debugger's (non-faulting) view of
// memory, format them with the CPU's WinDbg-syntax disassembler, and lay out the line with
// format.ts. Also the effective-address annotation kd adds to the current instruction's line.

import { decode } from '../cpu/decoder.ts';
import { formatDisassemblyLine } from '../cpu/disassembler.ts';
import type { Instruction } from '../cpu/instruction.ts';
import { addr64, hexN } from './format.ts';
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
 * operand: segment, effective address (SDM Vol. 1 §3.7.5, with the FS/GS base added in 64-bit
 * mode, §3.3.4) and the operand's current value. A kernel debugger qualifies ds/es/ss/cs with the
 * selector (`ss:0018:fffff500`a54bbef8=...`, `ds:002b:ffffdf0f`97f5c740=00002000` in public kd
 * transcripts, cited in tests/unit/kd-disassembly.test.ts); fs/gs show the linear address
 * (` gs:00000000`00000010=????????????????`). Operands up to 16 bytes (xmmword) are shown.
 */
export function memoryAnnotation(m: MachineView, ins: Instruction): string {
  const op = ins.operands.find((o) => o.kind === 'mem');
  if (!op || op.kind !== 'mem' || op.size === 0 || op.size > 16) return '';
  const ea = memoryOperandAddress(m, ins)!;
  const seg = SEG_NAMES[op.seg];
  const flat = seg === 'fs' || seg === 'gs';
  const bytes = m.readVirtual(ea, op.size);
  let value = '?'.repeat(op.size * 2);
  if (bytes) {
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    value = hexN(v, op.size * 2);
  }
  const where = flat ? `${seg}:` : `${seg}:${hexN(m.getSeg(seg).selector, 4)}:`;
  return ` ${where}${addr64(ea)}=${value}`;
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
