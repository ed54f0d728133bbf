// Memory: the display commands (db dw dd dc dq dp dps dyb da du) and the enter commands (eb ew ed
// eq). Addresses may name a segment (`db gs:0`, `dq gs:[188]`): the segment's base is added and
// the lines show selector:offset, as kd does.

import { CaretError } from '../errors.ts';
import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import { dumpBinaryBytes, dumpDwordsAscii, dumpString as readString, segmentLines } from '../format/memory.ts';
import { MASK64, MAX_ELEMENTS, parseRange, stripSegment, toBytes } from './args.ts';
import { family, type CommandContext } from './command.ts';

type DumpKind = 'db' | 'dw' | 'dd' | 'dc' | 'dq' | 'dp' | 'dps' | 'dyb';
const DUMP_UNIT: Record<DumpKind, 1 | 2 | 4 | 8> = { db: 1, dw: 2, dd: 4, dc: 4, dq: 8, dp: 8, dps: 8, dyb: 1 };

function dump(kind: DumpKind) {
  return (s: KdSession, typed: string, ctx: CommandContext): string => {
    const { args, segment } = stripSegment(s, typed);
    const text = dumpText(s, kind, args, ctx);
    return segment ? segmentLines(text, segment.selector, segment.base) : text;
  };
}

function dumpText(s: KdSession, kind: DumpKind, args: string, ctx: CommandContext): string {
  const unit = DUMP_UNIT[kind];
  const r = parseRange(s, args, ctx, kind === 'dyb' ? 32 : 128 / unit, unit, MAX_ELEMENTS);
  const start = r.start ?? (s.nextDump?.address ?? s.machine.getReg('rip'));
  const read = (a: bigint, n: number) => s.machine.readVirtual(a & MASK64, n);
  s.nextDump = { address: (start + BigInt(r.count * unit)) & MASK64, command: kind };
  if (r.count === 0) return '';
  if (kind === 'db') return fmt.dumpBytes(start, r.count, read);
  if (kind === 'dyb') return dumpBinaryBytes(start, r.count, read);
  if (kind === 'dc') return dumpDwordsAscii(start, r.count, read);
  if (kind === 'dps') return fmt.dumpPointersWithSymbols(start, r.count, read, (v) => s.symbolize(v));
  return fmt.dumpUnits(start, r.count, unit as 2 | 4 | 8, read);
}

/** da / du: the string at an address (to its NUL; `L` caps the characters, default 0x100). */
function dumpString(wide: boolean) {
  return (s: KdSession, typed: string, ctx: CommandContext): string => {
    const { args, segment } = stripSegment(s, typed);
    const r = parseRange(s, args, ctx, 0x100, wide ? 2 : 1, MAX_ELEMENTS);
    const start = r.start ?? s.nextDump?.address ?? s.machine.getReg('rip');
    const out = readString(start, r.count, wide, (a, n) => s.machine.readVirtual(a, n));
    s.nextDump = { address: out.next, command: wide ? 'du' : 'da' };
    return segment ? segmentLines(out.text, segment.selector, segment.base) : out.text;
  };
}

function enter(size: 1 | 2 | 4 | 8) {
  return (s: KdSession, typed: string, ctx: CommandContext): string => {
    const a = s.evalPrefix(stripSegment(s, typed).args);
    let rest = a.rest;
    const values: bigint[] = [];
    while (rest.trim() !== '') {
      const v = s.evalPrefix(rest);
      values.push(v.value);
      rest = v.rest;
    }
    if (values.length === 0) throw new CaretError('Syntax error', ctx.text.length - 1);
    let address = a.value;
    for (const v of values) {
      if (!s.machine.writeVirtual(address, toBytes(v, size))) throw new CaretError('Memory access error', ctx.text.length - 1);
      address = (address + BigInt(size)) & MASK64;
    }
    s.nextUnassemble = null;
    return '';
  };
}

export const MEMORY_COMMANDS = family('memory', [
  { name: 'db', syntax: 'db [Address] [L Count | End]', help: 'display bytes and ASCII', handler: dump('db') },
  { name: 'dw', syntax: 'dw [Address] [L Count | End]', help: 'display words', handler: dump('dw') },
  { name: 'dd', syntax: 'dd [Address] [L Count | End]', help: 'display dwords', handler: dump('dd') },
  { name: 'dc', syntax: 'dc [Address] [L Count | End]', help: 'display dwords and their bytes as ASCII', handler: dump('dc') },
  { name: 'da', syntax: 'da [Address] [L Count]', help: 'display an ASCII string', handler: dumpString(false) },
  { name: 'du', syntax: 'du [Address] [L Count]', help: 'display a UTF-16 string', handler: dumpString(true) },
  { name: 'dq', syntax: 'dq [Address] [L Count | End]', help: 'display qwords', handler: dump('dq') },
  { name: 'dp', syntax: 'dp [Address] [L Count | End]', help: 'display pointers (qwords on x64)', handler: dump('dp') },
  { name: 'dps', syntax: 'dps [Address] [L Count | End]', help: 'display pointers with their symbols', handler: dump('dps') },
  { name: 'dyb', syntax: 'dyb [Address] [L Count | End]', help: 'display bytes in binary and hex', handler: dump('dyb') },
  { name: 'eb', syntax: 'eb Address Value [Value ...]', help: 'enter bytes', handler: enter(1) },
  { name: 'ew', syntax: 'ew Address Value [Value ...]', help: 'enter words', handler: enter(2) },
  { name: 'ed', syntax: 'ed Address Value [Value ...]', help: 'enter dwords', handler: enter(4) },
  { name: 'eq', syntax: 'eq Address Value [Value ...]', help: 'enter qwords', handler: enter(8) },
]);
