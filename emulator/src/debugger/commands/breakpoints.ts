// Breakpoints: bp, bu, bl, bc, bd, be (software breakpoints: an int 3 written into guest memory
// while the target runs, reported through the kernel's own #BP handler).

import { ExprError } from '../expr.ts';
import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import { MASK64, oneValue, parseIds } from './args.ts';
import { family, type CommandContext } from './command.ts';

function setBreakpoint(s: KdSession, args: string, ctx: CommandContext, deferredOnly: boolean): string {
  const explicit = /^b[pu](\d+)$/i.exec(ctx.name);
  const expression = args.trim();
  if (expression === '') {
    // `bp` alone sets a breakpoint at the current instruction.
    const rip = s.machine.getReg('rip');
    const r = s.breakpoints.set(fmt.addr64(rip), rip);
    return r.redefined ? `breakpoint ${r.id} redefined` : '';
  }
  let address: bigint | undefined;
  let unresolved = false;
  try {
    address = oneValue(s, expression, ctx);
  } catch (e) {
    if (e instanceof ExprError && e.kind === 'resolve') unresolved = true;
    else throw e;
  }
  if (deferredOnly && address === undefined) unresolved = true;
  const id = explicit ? Number(explicit[1]) : undefined;
  const existedAtId = id !== undefined && s.breakpoints.get(id) !== undefined;
  const r = s.breakpoints.set(expression, address === undefined ? undefined : address & MASK64, id);
  const lines: string[] = [];
  if (existedAtId) lines.push(`breakpoint ${r.id} exists, redefining`);
  if (r.redefined) lines.push(`breakpoint ${r.id} redefined`);
  if (unresolved && !deferredOnly) lines.push(fmt.deferredBreakpoint(expression));
  return lines.join('\n');
}

function listBreakpoints(s: KdSession): string {
  return s.breakpoints
    .all()
    .map((b) =>
      fmt.breakpointListLine({
        id: b.id, enabled: b.enabled, address: b.address, expression: b.expression,
        symbol: b.address !== undefined ? s.symbolize(b.address) : undefined, passes: 1, initialPasses: 1,
      }),
    )
    .join('\n');
}

function setEnabled(s: KdSession, args: string, ctx: CommandContext, enabled: boolean): string {
  for (const id of parseIds(s, args, ctx)) {
    const b = s.breakpoints.get(id);
    if (b) b.enabled = enabled;
  }
  return '';
}

export const BREAKPOINT_COMMANDS = family('breakpoints', [
  { name: 'bp', syntax: 'bp[ID] [Address]', help: 'set a breakpoint (an int 3 written into guest memory when the target runs)', handler: (s, a, c) => setBreakpoint(s, a, c, false) },
  { name: 'bu', syntax: 'bu[ID] Address', help: 'set a deferred breakpoint, resolved by symbol', handler: (s, a, c) => setBreakpoint(s, a, c, true) },
  { name: 'bl', syntax: 'bl', help: 'list breakpoints', handler: (s) => listBreakpoints(s) },
  { name: 'bc', syntax: 'bc IDs|*', help: 'clear breakpoints (1 3, 1,3, 1-3, *)', handler: (s, a, c) => { for (const id of parseIds(s, a, c)) s.breakpoints.remove(id); return ''; } },
  { name: 'bd', syntax: 'bd IDs|*', help: 'disable breakpoints', handler: (s, a, c) => setEnabled(s, a, c, false) },
  { name: 'be', syntax: 'be IDs|*', help: 'enable breakpoints', handler: (s, a, c) => setEnabled(s, a, c, true) },
]);
