// Argument parsing shared by the command families: address ranges, single values, breakpoint id
// lists, and little-endian byte helpers. What the core families (breakpoints, execution) use is
// in args-core.ts, re-exported here.

import { CaretError } from '../errors.ts';
import type { KdSession } from '../session.ts';
import type { CommandContext } from './command.ts';

import { MASK64 } from './args-core.ts';

export { MASK64, MAX_ELEMENTS, MAX_INSTRUCTIONS, MAX_STEPS, oneValue, parseIds } from './args-core.ts';

/** Parses `[Address] [L Count | EndAddress]`. Count is in elements of `unit` bytes. */
export function parseRange(
  s: KdSession, args: string, ctx: CommandContext, defaultCount: number, unit: number, max: number,
): { start: bigint | undefined; count: number; end?: bigint } {
  const a = args.trim();
  if (a === '') return { start: undefined, count: defaultCount };
  let start: bigint | undefined;
  let rest = a;
  if (!/^l\??[\s0-9a-f(@$-]/i.test(a) || /^l[0-9a-f]*[g-z!_]/i.test(a)) {
    const r = s.evalPrefix(a);
    start = r.value;
    rest = r.rest.trim();
  }
  if (rest === '') return { start, count: defaultCount };
  const lmatch = /^l(\??)\s*/i.exec(rest);
  if (lmatch) {
    const countText = rest.slice(lmatch[0].length);
    const r = s.evalPrefix(countText);
    if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - r.rest.trim().length);
    if (r.value > BigInt(max)) throw new CaretError('Range error', ctx.text.length - 1);
    return { start, count: Number(r.value) };
  }
  if (start === undefined) throw new CaretError('Syntax error', ctx.argsOffset);
  const r = s.evalPrefix(rest);
  if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - r.rest.trim().length);
  if (r.value < start) throw new CaretError('Range error', ctx.text.length - 1);
  const bytes = r.value - start + 1n;
  const count = (bytes + BigInt(unit) - 1n) / BigInt(unit);
  if (count > BigInt(max)) throw new CaretError('Range error', ctx.text.length - 1);
  return { start, count: Number(count), end: r.value };
}

export function readLE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

export function toBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** A field's offset in one of the modeled kernel's struct layouts. */
export function structOffset(s: KdSession, struct: string, field: string): number | undefined {
  return s.kernel.structs[struct]?.fields.find((f) => f.name === field)?.offset;
}

/** A segment register named before an address (`gs:188`, `gs:[188]`, `ds:0`). */
export interface SegmentQualifier {
  name: string;
  selector: number;
  /** The segment base the processor adds: FS/GS bases in 64-bit mode, 0 for CS/DS/ES/SS (SDM
   *  Vol. 1 §3.3.4 "Protected Mode Addressing Models", 64-bit mode). */
  base: bigint;
}

/**
 * Strips a segment qualifier from the front of an address argument. `gs:[188]` and `gs:188` name
 * the same offset; the address kd reads is the segment's base plus it. Returns the arguments with
 * the qualified address replaced by the linear address in hex (so the range parsers see a plain
 * address), and the segment, or undefined when the arguments start with no segment register.
 */
export function stripSegment(s: KdSession, args: string): { args: string; segment?: SegmentQualifier } {
  const m = /^(\s*)(cs|ds|es|fs|gs|ss):\s*/i.exec(args);
  if (!m) return { args };
  const name = m[2].toLowerCase();
  let rest = args.slice(m[0].length);
  let offset: bigint;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return { args };
    offset = s.evalPrefix(rest.slice(1, close)).value;
    rest = rest.slice(close + 1);
  } else {
    const r = s.evalPrefix(rest);
    offset = r.value;
    rest = r.rest;
  }
  const seg = s.view.getSeg(name);
  const base = name === 'fs' || name === 'gs' ? seg.base : 0n;
  const linear = (base + offset) & MASK64;
  return { args: `${m[1]}0x${linear.toString(16)} ${rest}`, segment: { name, selector: seg.selector, base } };
}
