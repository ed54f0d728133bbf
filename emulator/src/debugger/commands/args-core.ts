// The argument parsing kd's core families (breakpoints, execution) use: single values and
// breakpoint id lists. args.ts re-exports it with the rest, which loads with the full command set.

import { CaretError } from '../errors.ts';
import type { KdSession } from '../session.ts';
import type { CommandContext } from './command.ts';

export const MASK64 = (1n << 64n) - 1n;
/** Largest element count a display or listing accepts; kd's own limit is a 256 MB range, ours is
 *  smaller so that a typo cannot produce millions of lines. */
export const MAX_ELEMENTS = 0x10000;
export const MAX_INSTRUCTIONS = 0x1000;
export const MAX_STEPS = 0x1000;

/** A single required expression with nothing after it. */
export function oneValue(s: KdSession, args: string, ctx: CommandContext): bigint {
  const r = s.evalPrefix(args);
  if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - r.rest.trim().length);
  return r.value;
}

/** Breakpoint id lists: `0`, `1 3`, `1,3`, `1-3`, `*`. Returns the ids of existing breakpoints
 *  that the list names (ids that name no breakpoint are ignored, as kd does). */
export function parseIds(s: KdSession, args: string, ctx: CommandContext): number[] {
  const a = args.trim();
  const existing = s.breakpoints.all().map((b) => b.id);
  if (a === '*') return existing;
  if (a === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  const ranges: Array<[bigint, bigint]> = [];
  for (const part of a.split(/[\s,]+/)) {
    const m = /^([0-9a-f]+)(?:-([0-9a-f]+))?$/i.exec(part);
    if (!m) throw new CaretError('Syntax error', ctx.text.indexOf(part, ctx.argsOffset));
    const lo = BigInt(`0x${m[1]}`);
    ranges.push([lo, m[2] !== undefined ? BigInt(`0x${m[2]}`) : lo]);
  }
  return existing.filter((id) => ranges.some(([lo, hi]) => BigInt(id) >= lo && BigInt(id) <= hi));
}
