// Disassembly: u and ub.

import { CaretError } from '../errors.ts';
import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import { MASK64, MAX_INSTRUCTIONS, parseRange } from './args.ts';
import { family, type CommandContext } from './command.ts';
import { unassembleFunction } from './unassemble-function.ts';

function unassemble(s: KdSession, args: string, ctx: CommandContext): string {
  const r = parseRange(s, args, ctx, 8, 1, MAX_INSTRUCTIONS);
  let address = r.start ?? s.nextUnassemble ?? s.view.getReg('rip');
  const lines: string[] = [];
  const first = s.kernel.symbols.nearest(address);
  if (first) lines.push(`${fmt.symbolWithOffset(first.name, address - first.address)}:`);
  const count = r.end !== undefined ? MAX_INSTRUCTIONS : r.count;
  for (let n = 0; n < count; n++) {
    if (r.end !== undefined && address > r.end) break;
    if (n > 0) {
      const near = s.kernel.symbols.nearest(address);
      if (near && near.address === address) lines.push(`${near.name}:`);
    }
    const d = s.disassemble(address);
    lines.push(d.line);
    if (!d.readable) {
      s.nextUnassemble = address;
      lines.push(fmt.caretError(ctx.column + ctx.text.length - 1, 'Memory access error', ctx.text));
      return lines.join('\n');
    }
    address = (address + BigInt(d.length)) & MASK64;
  }
  s.nextUnassemble = address;
  return lines.join('\n');
}

/**
 * `ub`: disassemble the instructions before an address. x86 code cannot be decoded backwards: start
 * at the nearest symbol before the address (and the symbols before it), else try start points
 * further and further back, and show the last instructions.
 */
function unassembleBackwards(s: KdSession, args: string, ctx: CommandContext): string {
  const r = parseRange(s, args, ctx, 8, 1, MAX_INSTRUCTIONS);
  if (r.end !== undefined) throw new CaretError('Syntax error', ctx.text.length - 1);
  const end = r.start ?? s.view.getReg('rip');
  const want = r.count;
  // Decodes forward from a known instruction boundary; the addresses before `to`, and whether
  // decoding landed exactly on it.
  const decode = (from: bigint, to: bigint): { seq: bigint[]; landed: boolean } => {
    const seq: bigint[] = [];
    let a = from;
    while (a < to) {
      const d = s.disassemble(a);
      if (!d.readable || !d.ins) return { seq, landed: false };
      seq.push(a);
      a = (a + BigInt(d.length)) & MASK64;
    }
    return { seq, landed: a === to };
  };
  let best: bigint[] = [];
  // A symbol is a known instruction boundary: decode forward from it, and when that gives too few
  // instructions, from the symbol before it (only if its code lands exactly on this one), so the
  // listing never starts in the middle of an instruction.
  let sym = s.kernel.symbols.nearest((end - 1n) & MASK64);
  if (sym && end - sym.address <= 0x10000n) {
    best = decode(sym.address, end).seq;
    while (best.length < want) {
      const prev = s.kernel.symbols.nearest((sym.address - 1n) & MASK64);
      if (!prev || sym.address - prev.address > 0x10000n) break;
      const part = decode(prev.address, sym.address);
      if (!part.landed) break;
      best = [...part.seq, ...best];
      sym = prev;
    }
  } else {
    // No symbol: like kd, try start points further and further back until decoding forward lands
    // exactly on the address.
    for (let back = 1; back <= want * 15 && best.length < want; back++) {
      const d = decode((end - BigInt(back)) & MASK64, end);
      if (d.landed && d.seq.length > best.length) best = d.seq;
    }
  }
  const lines: string[] = [];
  for (const [i, a] of best.slice(-want).entries()) {
    const near = s.kernel.symbols.nearest(a);
    if (near && (i === 0 || near.address === a)) lines.push(`${fmt.symbolWithOffset(near.name, a - near.address)}:`);
    lines.push(s.disassemble(a).line);
  }
  if (lines.length === 0) throw new CaretError('Memory access error', ctx.text.length - 1);
  return lines.join('\n');
}

export const DISASSEMBLY_COMMANDS = family('disassembly', [
  { name: 'u', syntax: 'u [Address] [L Count | End]', help: 'unassemble (8 instructions; a bare u continues)', handler: unassemble },
  { name: 'uf', syntax: 'uf Address', help: 'unassemble a function: its blocks in address order, following its branches', handler: unassembleFunction },
  { name: 'ub', syntax: 'ub [Address] [L Count]', help: 'unassemble the instructions before an address', handler: unassembleBackwards },
]);
