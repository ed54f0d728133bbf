// `uf Address` (Unassemble Function, Microsoft's "uf" page): every instruction of the function
// reachable from its start, following conditional and unconditional branches inside it, listed in
// address order as blocks, each block headed by its `module!symbol+0xoffset:` label. A block ends
// at ret, jmp, iretq, sysret, int 3 or ud2; calls fall through. At most MAX_INSTRUCTIONS.

import { CaretError } from '../errors.ts';
import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import { MASK64, MAX_INSTRUCTIONS, oneValue } from './args.ts';
import type { CommandContext } from './command.ts';

const ENDS = /^(ret|retf|jmp|iretq|iretd|sysret|sysretq|ud2|hlt)$/;

export function unassembleFunction(s: KdSession, args: string, ctx: CommandContext): string {
  if (args.trim() === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  const start = oneValue(s, args, ctx);
  const fn = s.kernel.symbols.nearest(start);
  const sameFunction = (a: bigint) => !fn || s.kernel.symbols.nearest(a)?.name === fn.name;
  const seen = new Map<bigint, { line: string; length: number }>();
  const blockStarts = new Set<bigint>([start]);
  const work = [start];
  while (work.length > 0 && seen.size < MAX_INSTRUCTIONS) {
    let a = work.pop()!;
    while (!seen.has(a) && seen.size < MAX_INSTRUCTIONS) {
      const d = s.disassemble(a);
      if (!d.readable) break;
      seen.set(a, { line: d.line, length: d.length });
      const m = d.ins?.mnemonic ?? '';
      const target = d.ins?.operands.find((o) => o.kind === 'rel');
      if (target && target.kind === 'rel' && m !== 'call') {
        // Every branch target starts a block; only targets inside the function are followed.
        blockStarts.add(target.target);
        if (sameFunction(target.target)) work.push(target.target);
      }
      if (!d.ins || ENDS.test(m) || (m === 'int' && d.length === 1)) break;
      a = (a + BigInt(d.length)) & MASK64;
      // A conditional branch also starts a block at the next instruction.
      if (target && m.startsWith('j')) blockStarts.add(a);
    }
  }
  if (seen.size === 0) throw new CaretError('Memory access error', ctx.text.length - 1);
  const lines: string[] = [];
  let expected: bigint | undefined;
  for (const a of [...seen.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
    // A label wherever a block starts or the listing skips bytes.
    if (blockStarts.has(a) || a !== expected) {
      if (lines.length > 0) lines.push('');
      const near = s.kernel.symbols.nearest(a);
      if (near) lines.push(`${fmt.symbolWithOffset(near.name, a - near.address)}:`);
    }
    const e = seen.get(a)!;
    lines.push(e.line);
    expected = (a + BigInt(e.length)) & MASK64;
  }
  return lines.join('\n');
}
